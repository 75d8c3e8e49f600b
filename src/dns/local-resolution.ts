/**
 * How this machine resolves `localhost`, outside DNS: /etc/hosts first (if the lookup order says
 * so), then the resolver with the search domains of resolv.conf. With `search example.org` and no
 * localhost line, "localhost" is asked as localhost.example.org first, and a wildcard in that zone
 * hands daemons the public address: the failure that cost the story's author a weekend.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import type { Finding } from '../engine/types.js';
import { parseResolvConf } from './discovery.js';
import { sameIp } from './expected.js';

export interface LocalResolutionInput {
  /** Contents of /etc/hosts ('' when missing). */
  hosts: string;
  /** Contents of /etc/resolv.conf ('' when missing). */
  resolvConf: string;
  /** Contents of /etc/nsswitch.conf, when the system has one (Linux). */
  nsswitch?: string;
  hostsPath?: string;
}

export interface LocalPaths {
  hosts?: string;
  resolvConf?: string;
  nsswitch?: string;
}

export async function readLocalResolution(paths: LocalPaths = {}): Promise<LocalResolutionInput> {
  const read = async (p: string): Promise<string | undefined> => {
    try {
      return await readFile(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const hostsPath = paths.hosts ?? '/etc/hosts';
  const [hosts, resolvConf, nsswitch] = await Promise.all([read(hostsPath), read(paths.resolvConf ?? '/etc/resolv.conf'), read(paths.nsswitch ?? '/etc/nsswitch.conf')]);
  const out: LocalResolutionInput = { hosts: hosts ?? '', resolvConf: resolvConf ?? '', hostsPath };
  if (nsswitch !== undefined) out.nsswitch = nsswitch;
  return out;
}

/** Addresses /etc/hosts gives a name. */
export function hostsAddresses(hosts: string, name: string): string[] {
  const out: string[] = [];
  for (const raw of hosts.split('\n')) {
    const [addr, ...names] = raw.replace(/#.*$/, '').trim().split(/\s+/);
    if (addr === undefined || addr === '' || !net.isIP(addr.replace(/%.*$/, ''))) continue;
    if (names.some((n) => n.toLowerCase() === name.toLowerCase())) out.push(addr);
  }
  return out;
}

function isLoopback(ip: string): boolean {
  return (net.isIPv4(ip) && ip.startsWith('127.')) || (net.isIPv6(ip) && sameIp(ip, '::1'));
}

/** Does the resolver consult DNS before the hosts file? */
function dnsFirst(input: LocalResolutionInput): string | null {
  const rc = parseResolvConf(input.resolvConf);
  if (rc.lookup && rc.lookup.length > 0) {
    // OpenBSD: "lookup file bind" is the default; "bind file" asks DNS first
    const f = rc.lookup.indexOf('file');
    const b = rc.lookup.indexOf('bind');
    if (b >= 0 && (f < 0 || b < f)) return `resolv.conf says "lookup ${rc.lookup.join(' ')}"`;
  }
  if (input.nsswitch !== undefined) {
    const line = input.nsswitch.split('\n').find((l) => /^\s*hosts\s*:/.test(l));
    if (line) {
      const srcs = line.replace(/^\s*hosts\s*:/, '').replace(/\[[^\]]*\]/g, '').trim().split(/\s+/);
      const f = srcs.indexOf('files');
      const d = srcs.findIndex((s) => s === 'dns' || s === 'resolve');
      if (d >= 0 && (f < 0 || d < f)) return `nsswitch.conf says "${line.trim()}"`;
    }
  }
  return null;
}

/** The names the resolver tries for "localhost" before the bare name (ndots rule). */
export function localhostSearchNames(resolvConf: string): string[] {
  const rc = parseResolvConf(resolvConf);
  // "localhost" has 0 dots, fewer than ndots (≥1): the search list is tried first
  return rc.ndots >= 1 ? rc.search.map((s) => `localhost.${s}`) : [];
}

/**
 * The local check. `dnsAnswers` holds what DNS says for each localhost.<search> name (from
 * localhostSearchNames), when it was asked; it turns "could" into "does".
 */
export function checkLocalResolution(input: LocalResolutionInput, dnsAnswers: ReadonlyMap<string, string[]> = new Map()): Finding[] {
  const hostsPath = input.hostsPath ?? '/etc/hosts';
  const out: Finding[] = [];
  const addrs = hostsAddresses(input.hosts, 'localhost');
  const bad = addrs.filter((a) => !isLoopback(a));
  const fixHosts = `${hostsPath} should map localhost to loopback only: "127.0.0.1 localhost" and "::1 localhost"`;
  if (bad.length > 0) {
    out.push({
      status: 'fail',
      check: 'local-localhost',
      summary: `${hostsPath} maps localhost to ${bad.join(', ')}, which is not a loopback address`,
      evidence: input.hosts.split('\n').filter((l) => /\blocalhost\b/i.test(l.replace(/#.*$/, ''))).join('\n'),
      fix: fixHosts,
    });
  }
  const searchNames = localhostSearchNames(input.resolvConf);
  const leaking = searchNames
    .map((n) => ({ n, a: (dnsAnswers.get(n) ?? []).filter((x) => !isLoopback(x)) }))
    .filter((x) => x.a.length > 0);
  const order = dnsFirst(input);
  if (addrs.length === 0 || order) {
    const why = addrs.length === 0 ? `localhost is not in ${hostsPath}` : `${order}, so DNS is asked before ${hostsPath}`;
    if (leaking.length > 0) {
      out.push({
        status: 'fail',
        check: 'local-localhost',
        summary: `${why}, and with the search domains "localhost" is looked up as ${leaking.map((x) => `${x.n} (→ ${x.a.join(', ')})`).join(', ')}`,
        evidence: leaking.map((x) => `${x.n} → ${x.a.join(', ')}`).join('\n'),
        fix: `${fixHosts}${order ? '; and put the hosts file before DNS in the lookup order' : ''}; delete the wildcard or localhost record in DNS`,
      });
    } else if (searchNames.length > 0) {
      out.push({
        status: 'warn',
        check: 'local-localhost',
        summary: `${why}: "localhost" is first looked up in DNS as ${searchNames.join(', ')}`,
        fix: fixHosts,
      });
    } else if (addrs.length === 0) {
      out.push({ status: 'warn', check: 'local-localhost', summary: `${why}: it is resolved through DNS`, fix: fixHosts });
    }
  }
  if (out.length === 0) {
    out.push({
      status: 'pass',
      check: 'local-localhost',
      summary: `${hostsPath} maps localhost to ${addrs.join(', ')}${addrs.some((a) => net.isIPv6(a)) ? '' : ' (no ::1 line; fine without IPv6)'}`,
    });
  }
  return out;
}
