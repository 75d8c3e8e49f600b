/**
 * Where to ask: the system's resolver (resolv.conf) finds the zone of a name and its NS records;
 * the answers then come from each authoritative server directly, never from a cache. A
 * `--nameserver HOST[:PORT]` list replaces discovery (tests, split-horizon setups).
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { describeResult, query, recordsOf, type DnsServer, type QueryOptions, type QueryResult } from './client.js';
import { normalizeName, type RecordType } from './records.js';

// ---------------------------------------------------------------------------------------------
// --nameserver HOST[:PORT]

export interface NameserverSpec {
  /** An IP literal or a host name (resolved later). */
  host: string;
  port: number;
}

export type ParsedNameserver = { ok: true; spec: NameserverSpec } | { ok: false; error: string };

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function parsePort(text: string, whole: string): number | string {
  if (!/^[0-9]{1,5}$/.test(text)) return `--nameserver ${whole}: the port "${text}" is not a number`;
  const port = Number(text);
  if (port < 1 || port > 65535) return `--nameserver ${whole}: the port ${port} is out of range (1-65535)`;
  return port;
}

/** `192.0.2.53`, `192.0.2.53:5353`, `ns1.example.net:53`, `::1`, `[::1]:5353`. */
export function parseNameserverArg(value: string, defaultPort = 53): ParsedNameserver {
  const v = value.trim();
  if (v === '') return { ok: false, error: '--nameserver needs a value: HOST or HOST:PORT (IPv6 as [ADDR]:PORT)' };
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(v);
  if (bracket) {
    const host = bracket[1] ?? '';
    // IPv4 in brackets too: OpenBSD's resolv.conf writes "nameserver [127.0.0.1]:5353"
    if (!net.isIP(host)) return { ok: false, error: `--nameserver ${v}: "${host}" in brackets is not an IP address` };
    if (bracket[2] === undefined) return { ok: true, spec: { host, port: defaultPort } };
    const port = parsePort(bracket[2], v);
    return typeof port === 'string' ? { ok: false, error: port } : { ok: true, spec: { host, port } };
  }
  if (net.isIPv6(v)) return { ok: true, spec: { host: v, port: defaultPort } };
  if (v.split(':').length > 2) {
    return { ok: false, error: `--nameserver ${v}: write an IPv6 address with a port as [ADDR]:PORT, e.g. [::1]:5353` };
  }
  const [host = '', portText] = v.split(':');
  if (!net.isIPv4(host) && (!HOSTNAME.test(host) || /^[0-9.]+$/.test(host))) {
    return { ok: false, error: `--nameserver ${v}: "${host}" is neither an IP address nor a host name` };
  }
  if (portText === undefined) return { ok: true, spec: { host: normalizeName(host), port: defaultPort } };
  const port = parsePort(portText, v);
  return typeof port === 'string' ? { ok: false, error: port } : { ok: true, spec: { host: normalizeName(host), port } };
}

export function parseNameserverArgs(values: readonly string[]): { specs: NameserverSpec[]; errors: string[] } {
  const specs: NameserverSpec[] = [];
  const errors: string[] = [];
  for (const v of values) {
    const p = parseNameserverArg(v);
    if (p.ok) specs.push(p.spec);
    else errors.push(p.error);
  }
  return { specs, errors };
}

// ---------------------------------------------------------------------------------------------
// resolv.conf

export interface ResolvConf {
  nameservers: DnsServer[];
  /** `search` list (or `domain`): names with fewer than ndots dots are tried with these first. */
  search: string[];
  ndots: number;
  /** OpenBSD `lookup file bind`: the order of /etc/hosts and DNS, when given. */
  lookup?: string[];
}

/**
 * Parses resolv.conf. Accepts OpenBSD's `nameserver [ADDR]:PORT` form (asr), which also lets tests
 * point discovery at a server on a high port. Without any nameserver line the resolver libraries
 * use 127.0.0.1, and so do we.
 */
export function parseResolvConf(content: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], ndots: 1 };
  for (const raw of content.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (line === '') continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0] !== undefined) {
      const p = parseNameserverArg(rest[0]);
      if (p.ok && net.isIP(p.spec.host)) out.nameservers.push({ host: p.spec.host.replace(/%.*$/, ''), port: p.spec.port });
    } else if (key === 'search') {
      out.search = rest.map(normalizeName).filter((s) => s !== '');
    } else if (key === 'domain' && rest[0] !== undefined) {
      out.search = [normalizeName(rest[0])];
    } else if (key === 'options') {
      for (const opt of rest) {
        const m = /^ndots:(\d+)$/.exec(opt);
        if (m) out.ndots = Math.min(15, Number(m[1]));
      }
    } else if (key === 'lookup') {
      out.lookup = rest;
    }
  }
  if (out.nameservers.length === 0) out.nameservers.push({ host: '127.0.0.1', port: 53 });
  return out;
}

export async function readResolvConf(path = '/etc/resolv.conf'): Promise<ResolvConf> {
  let content = '';
  try {
    content = await readFile(path, 'utf8');
  } catch {
    // a missing resolv.conf means "ask 127.0.0.1", as libc does
  }
  return parseResolvConf(content);
}

// ---------------------------------------------------------------------------------------------
// Asking the resolver (recursive) and finding authorities

/** Asks each resolver in turn (RD set) until one gives a usable answer. */
export async function askResolvers(
  resolvers: readonly DnsServer[],
  name: string,
  type: RecordType,
  opts: QueryOptions = {},
): Promise<QueryResult> {
  let last: QueryResult | undefined;
  for (const r of resolvers) {
    last = await query(r, name, type, { ...opts, recursionDesired: true });
    if (last.kind === 'answer' || last.kind === 'nodata' || last.kind === 'nxdomain') return last;
  }
  return last ?? (await query({ host: '127.0.0.1', port: 53 }, name, type, { ...opts, recursionDesired: true }));
}

/** The zone a name lives in: the SOA owner a resolver names for it (walking up when it names none). */
export async function findZone(
  name: string,
  resolvers: readonly DnsServer[],
  opts: QueryOptions = {},
): Promise<{ zone: string } | { error: string }> {
  let candidate = normalizeName(name);
  for (;;) {
    const r = await askResolvers(resolvers, candidate, 'SOA', opts);
    if (r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain') {
      const own = recordsOf(r, 'SOA').find((s) => s.name === candidate);
      if (own) return { zone: own.name };
      const auth = r.authority.find((s) => s.type === 'SOA');
      if (auth) return { zone: auth.name };
    } else {
      return { error: `the resolver could not say which zone ${name} is in: ${describeResult(r)}` };
    }
    if (candidate === '') return { error: `no zone found for ${name}` };
    const dot = candidate.indexOf('.');
    candidate = dot < 0 ? '' : candidate.slice(dot + 1);
  }
}

export interface Authority {
  zone: string;
  /** One server per NS name that has an address (IPv4 preferred). */
  servers: DnsServer[];
  nsNames: string[];
  /** NS names without an address, and the like: shown in the `ns` check. */
  problems: string[];
}

/**
 * The authoritative servers of the zone that holds `name`. `authPort` exists for tests (real
 * authoritative servers listen on 53).
 */
export async function discoverAuthority(
  name: string,
  resolvers: readonly DnsServer[],
  opts: QueryOptions & { authPort?: number } = {},
): Promise<Authority | { error: string }> {
  const z = await findZone(name, resolvers, opts);
  if ('error' in z) return z;
  const ns = await askResolvers(resolvers, z.zone, 'NS', opts);
  const nsNames = [...new Set(recordsOf(ns, 'NS').filter((r) => r.name === z.zone).map((r) => r.target))].sort();
  if (nsNames.length === 0) {
    return { error: `the zone ${z.zone} has no NS records (the resolver said: ${describeResult(ns)})` };
  }
  const problems: string[] = [];
  const servers = await Promise.all(
    nsNames.map(async (nsName): Promise<DnsServer | undefined> => {
      const [a, aaaa] = await Promise.all([
        askResolvers(resolvers, nsName, 'A', opts),
        askResolvers(resolvers, nsName, 'AAAA', opts),
      ]);
      const addr = recordsOf(a, 'A')[0]?.address ?? recordsOf(aaaa, 'AAAA')[0]?.address;
      if (addr === undefined) {
        problems.push(`the NS ${nsName} has no address (A: ${describeResult(a)}; AAAA: ${describeResult(aaaa)})`);
        return undefined;
      }
      return { host: addr, port: opts.authPort ?? 53, name: nsName };
    }),
  );
  return { zone: z.zone, nsNames, servers: servers.filter((s): s is DnsServer => s !== undefined), problems };
}

/** Turns --nameserver specs into servers; host names are resolved through the system resolver. */
export async function resolveNameserverSpecs(
  specs: readonly NameserverSpec[],
  resolvers: readonly DnsServer[],
  opts: QueryOptions = {},
): Promise<{ servers: DnsServer[]; errors: string[] }> {
  const servers: DnsServer[] = [];
  const errors: string[] = [];
  for (const s of specs) {
    if (net.isIP(s.host)) {
      servers.push({ host: s.host, port: s.port });
      continue;
    }
    const a = await askResolvers(resolvers, s.host, 'A', opts);
    const aaaa = a.kind === 'answer' ? a : await askResolvers(resolvers, s.host, 'AAAA', opts);
    const addr = recordsOf(a, 'A')[0]?.address ?? recordsOf(aaaa, 'AAAA')[0]?.address;
    if (addr === undefined) errors.push(`--nameserver ${s.host}: the name has no address (${describeResult(a)})`);
    else servers.push({ host: addr, port: s.port, name: s.host });
  }
  return { servers, errors };
}

/** Is `name` equal to or below `zone`? */
export function inZone(name: string, zone: string): boolean {
  const n = normalizeName(name);
  const z = normalizeName(zone);
  return z === '' || n === z || n.endsWith(`.${z}`);
}
