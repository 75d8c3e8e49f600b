/**
 * The DNS doctor: finds the authoritative servers of the mail domain (or takes the given ones), asks
 * each of them directly and in parallel, runs every check against every server's view under one
 * time budget, and merges the findings ("at all servers" or "at ns2 only"). When MTA-STS is on, it
 * also fetches what the web server publishes, once per zone under the same budget
 * (src/published/web-checks.ts: mta-sts.policy, autoconfig.file). Also what the setup
 * flow polls: each expected record as each server publishes it, with the TTLs caches will keep.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import net from 'node:net';
import type { Answers } from '../answers/schema.js';
import type { Finding, FindingStatus } from '../engine/types.js';
import { describeResult, negativeTtl, query, recordsOf, serverLabel, type DnsServer, type QueryOptions, type QueryResult } from './client.js';
import {
  CHECK_IDS,
  consistencyFindings,
  nsFindings,
  PER_SERVER_CHECKS,
  rrsetForm,
  serverUsable,
  type CheckId,
  type Lookup,
  type ServerAnswers,
  type ServerProbe,
} from './checks/index.js';
import { checkTlsaAnswer, tlsaName, withTlsa, type LocalCertificate } from './dane.js';
import { looksLikeDkim, parseDkimRecord } from './dkim-record.js';
import { answeredByChild, assessDnssec, parentName, type DnssecAssessment, type ParentDs } from './dnssec.js';
import { checkOtherDkim, type OtherDkimKey } from './dkim-selectors.js';
import { discoverAuthority, inZone, parseNameserverArgs, parseResolvConf, readResolvConf, resolveNameserverSpecs, type ResolvConf } from './discovery.js';
import { expectedRecords, sameIp, type ExpectedRecord } from './expected.js';
import { checkLocalResolution, localhostSearchNames, readLocalResolution, type LocalPaths } from './local-resolution.js';
import { formatRecord, normalizeName, recordData, txtValue, type RecordType } from './records.js';
import { isSpfRecord } from './spf.js';
import { servesWeb } from '../published/mta-sts.js';
import { runWebChecks, WEB_CHECK_IDS, type WebCheckId } from '../published/web-checks.js';

/** Input that cannot work (a bad --nameserver): the CLI prints the message and exits 2. */
export class DnsInputError extends Error {}

export interface DnsCheckResult extends Finding {
  /** A DNS check, or one of what the web server publishes (src/published/web-checks.ts). */
  id: CheckId | WebCheckId;
  /** The servers this finding was seen at, when not at all of them. */
  servers?: string[];
}

export interface ServerInfo {
  label: string;
  host: string;
  port: number;
  name?: string;
  /** Answers with authority for the zone. */
  usable: boolean;
  serial?: number;
  /** What the SOA probe got: "SOA serial 2024010101", "REFUSED (…)". */
  status: string;
}

export interface AskedQuestion {
  host: string;
  port: number;
  name: string;
  type: RecordType;
}

export interface DoctorOptions {
  answers: Answers;
  /** HOST[:PORT] values: ask these instead of discovering the authoritative servers. */
  nameservers?: readonly string[];
  /** The public key the server signs with (PEM), to compare with the published one. */
  dkimPublicKeyPem?: string;
  /** Other selectors still published during a key rotation (retired, or next), with their keys. */
  otherDkim?: OtherDkimKey[];
  /** Time budget of the whole run in ms (default 15000). */
  timeoutMs?: number;
  /** Per attempt of one query in ms (default 1500, never more than the budget). */
  queryTimeoutMs?: number;
  /** Further attempts after a timeout (default 2). */
  retries?: number;
  /** The system resolver, for discovery (default /etc/resolv.conf). */
  resolvConfPath?: string;
  /** resolv.conf contents instead of a path (tests). */
  resolvConf?: string;
  /** Port of discovered authoritative servers (default 53; tests use a high port). */
  authPort?: number;
  /** The local localhost check: paths of hosts/resolv.conf/nsswitch, or false to skip it. */
  local?: false | LocalPaths;
  /** The TLS certificate on the box (its path and PEM): the key a TLSA record must name. */
  tlsCertificate?: LocalCertificate;
  /**
   * Fetching what the web server publishes (MTA-STS policy, autoconfig), when MTA-STS is on:
   * the HTTPS port (default 443) and extra trusted CA (PEM) for tests, or false to skip it.
   */
  web?: false | { port?: number; extraCa?: string };
}

export interface DoctorReport {
  checks: DnsCheckResult[];
  servers: ServerInfo[];
  zone?: string;
  mode: 'discovered' | 'given';
  elapsedMs: number;
  /** Every question sent over the network (after de-duplication), for the benchmark. */
  questions: AskedQuestion[];
  /** The zone is signed (every server) and secure (the parent's DS matches): DANE can hold. */
  dnssec?: { signed: boolean; secure: boolean };
}

// ---------------------------------------------------------------------------------------------
// asking, with one answer per (server, name, type) per run

class Asker {
  private readonly cache = new Map<string, Promise<QueryResult>>();
  readonly asked: AskedQuestion[] = [];
  constructor(private readonly opts: QueryOptions) {}

  ask(server: DnsServer, name: string, type: RecordType, rd = false, dnssecOk = false): Promise<QueryResult> {
    const n = normalizeName(name);
    const key = `${server.host}|${server.port}|${rd ? 'rd' : ''}|${dnssecOk ? 'do' : ''}|${n}|${type}`;
    let p = this.cache.get(key);
    if (!p) {
      this.asked.push({ host: server.host, port: server.port, name: n, type });
      p = query(server, n, type, { ...this.opts, recursionDesired: rd, dnssecOk });
      this.cache.set(key, p);
    }
    return p;
  }
}

function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

interface Prepared {
  mode: 'discovered' | 'given';
  zone?: string;
  probes: ServerProbe[];
  problems: string[];
  /** Servers for a name outside the main zone (discovery), or the given servers. */
  serversFor(name: string): Promise<DnsServer[]>;
  resolvConf: ResolvConf;
}

async function loadResolvConf(opts: DoctorOptions): Promise<ResolvConf> {
  return opts.resolvConf !== undefined ? parseResolvConf(opts.resolvConf) : readResolvConf(opts.resolvConfPath);
}

/** The SOA probe of a given server: finds the zone from the answer or the authority section. */
async function probeGiven(asker: Asker, server: DnsServer, domain: string): Promise<{ probe: ServerProbe; zone?: string }> {
  const r = await asker.ask(server, domain, 'SOA');
  if (r.kind === 'answer') {
    const soa = recordsOf(r, 'SOA').find((s) => s.name === domain);
    if (soa) return { probe: { server, soa: r }, zone: soa.name };
  }
  if (r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain') {
    const auth = r.authority.find((x) => x.type === 'SOA');
    if (auth) {
      const z = await asker.ask(server, auth.name, 'SOA');
      return { probe: { server, soa: z }, zone: auth.name };
    }
  }
  return { probe: { server, soa: r } };
}

async function prepare(opts: DoctorOptions, asker: Asker, qopts: QueryOptions): Promise<Prepared> {
  const domain = normalizeName(opts.answers.domain);
  if (opts.nameservers && opts.nameservers.length > 0) {
    const { specs, errors } = parseNameserverArgs(opts.nameservers);
    if (errors.length > 0) throw new DnsInputError(errors.join('\n'));
    const needsResolver = specs.some((s) => !net.isIP(s.host));
    const resolvConf = needsResolver ? await loadResolvConf(opts) : parseResolvConf('');
    const { servers, errors: resolveErrors } = needsResolver ? await resolveNameserverSpecs(specs, resolvConf.nameservers, qopts) : { servers: specs.map((s) => ({ host: s.host, port: s.port })), errors: [] };
    if (resolveErrors.length > 0) throw new DnsInputError(resolveErrors.join('\n'));
    const probed = await Promise.all(servers.map((s) => probeGiven(asker, s, domain)));
    const zone = probed.find((p) => p.zone !== undefined && serverUsable(p.probe))?.zone ?? probed.find((p) => p.zone)?.zone;
    return { mode: 'given', zone, probes: probed.map((p) => p.probe), problems: [], serversFor: async () => servers, resolvConf };
  }
  const resolvConf = await loadResolvConf(opts);
  const dopts = { ...qopts, authPort: opts.authPort };
  const authorities = new Map<string, Promise<DnsServer[]>>();
  const auth = await discoverAuthority(domain, resolvConf.nameservers, dopts);
  if ('error' in auth) {
    return { mode: 'discovered', probes: [], problems: [`could not find the authoritative servers of ${domain}: ${auth.error}`], serversFor: async () => [], resolvConf };
  }
  authorities.set(auth.zone, Promise.resolve(auth.servers));
  const probes = await Promise.all(auth.servers.map(async (server) => ({ server, soa: await asker.ask(server, auth.zone, 'SOA') })));
  const byName = new Map<string, Promise<DnsServer[]>>();
  const serversFor = (name: string): Promise<DnsServer[]> => {
    const n = normalizeName(name);
    if (inZone(n, auth.zone)) return Promise.resolve(auth.servers);
    // another zone (reverse DNS, an SPF include, a host name elsewhere): discover it once per name
    let p = byName.get(n);
    if (!p) {
      p = discoverAuthority(n, resolvConf.nameservers, dopts).then((a) => {
        if ('error' in a) return [];
        const known = authorities.get(a.zone);
        if (known) return known;
        authorities.set(a.zone, Promise.resolve(a.servers));
        return a.servers;
      });
      byName.set(n, p);
    }
    return p;
  };
  return { mode: 'discovered', zone: auth.zone, probes, problems: auth.problems, serversFor, resolvConf };
}

/** Asks servers in turn until one answers (for names outside the zone under test). */
async function askFirst(asker: Asker, servers: readonly DnsServer[], name: string, type: RecordType): Promise<QueryResult | undefined> {
  let last: QueryResult | undefined;
  for (const s of servers) {
    last = await asker.ask(s, name, type);
    if (answered(last)) return last;
  }
  return last;
}

function serverInfo(p: ServerProbe): ServerInfo {
  const soa = recordsOf(p.soa, 'SOA')[0];
  const info: ServerInfo = {
    label: serverLabel(p.server),
    host: p.server.host,
    port: p.server.port,
    usable: serverUsable(p),
    status: soa ? `SOA serial ${soa.serial}${p.soa.kind === 'answer' && !p.soa.authoritative ? ' (not authoritative)' : ''}` : describeResult(p.soa),
  };
  if (p.server.name) info.name = p.server.name;
  if (soa) info.serial = soa.serial;
  return info;
}

const ORDER: Record<FindingStatus, number> = { fail: 0, warn: 1, pass: 2 };

/** Findings of the same check with the same words at several servers become one, tagged when not at all. */
function mergeAcross(id: CheckId, perServer: ReadonlyArray<{ label: string; findings: Finding[] }>): DnsCheckResult[] {
  const groups = new Map<string, { f: Finding; labels: string[] }>();
  for (const { label, findings } of perServer) {
    for (const f of findings) {
      const key = `${f.status}\u0000${f.summary}\u0000${f.fix ?? ''}`;
      const g = groups.get(key);
      if (g) {
        if (!g.labels.includes(label)) g.labels.push(label);
      } else groups.set(key, { f, labels: [label] });
    }
  }
  const out: DnsCheckResult[] = [];
  for (const { f, labels } of groups.values()) {
    const all = labels.length === perServer.length;
    const r: DnsCheckResult = { ...f, id, check: id, summary: all || perServer.length < 2 ? f.summary : `${f.summary} (at ${labels.join(', ')})` };
    if (!all && perServer.length > 1) r.servers = labels;
    out.push(r);
  }
  return out.sort((a, b) => ORDER[a.status] - ORDER[b.status]);
}

function tag(id: CheckId, findings: Finding[]): DnsCheckResult[] {
  return findings.map((f) => ({ ...f, id, check: id }));
}

export function worstStatus(checks: readonly Pick<Finding, 'status'>[]): FindingStatus {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  return checks.some((c) => c.status === 'warn') ? 'warn' : 'pass';
}

function queryOptions(opts: DoctorOptions, signal: AbortSignal): QueryOptions {
  const budget = opts.timeoutMs ?? 15000;
  return { timeoutMs: Math.min(opts.queryTimeoutMs ?? 1500, budget), retries: opts.retries ?? 2, signal };
}

/** Runs fn with one time budget that every query it asks listens to, after finding the servers. */
async function withBudget<T>(
  opts: Omit<DoctorOptions, 'local'>,
  fn: (asker: Asker, prep: Awaited<ReturnType<typeof prepare>>, qopts: QueryOptions) => Promise<T>,
): Promise<T> {
  const ctrl = new AbortController();
  setMaxListeners(0, ctrl.signal); // every query in flight listens to the one budget
  const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? 15000);
  try {
    const qopts = queryOptions(opts, ctrl.signal);
    const asker = new Asker(qopts);
    return await fn(asker, await prepare(opts, asker, qopts), qopts);
  } finally {
    clearTimeout(timer);
  }
}

export async function runDnsChecks(opts: DoctorOptions): Promise<DoctorReport> {
  const started = performance.now();
  return withBudget(opts, async (asker, prep, qopts) => {
    const usable = prep.probes.filter(serverUsable);
    const probeLabel = `mw-probe-${randomBytes(5).toString('hex')}`;
    const zone = prep.zone;

    const danePending = daneFindings(opts, asker, prep, qopts);
    // What the web server publishes, fetched once per zone, alongside the per-server checks.
    const web = opts.web !== false && servesWeb(opts.answers) && usable.length > 0 ? webChecks(opts, asker, prep, usable.map((p) => p.server), qopts) : undefined;

    const views: ServerAnswers[] = [];
    const perServer = await Promise.all(
      usable.map(async (p) => {
        const results = new Map<string, QueryResult>();
        views.push({ server: p.server, results, soa: p.soa });
        const lookup: Lookup = {
          ask: async (name, type) => {
            const own = prep.mode === 'given' || (zone !== undefined && inZone(name, zone));
            if (own) {
              const r = await asker.ask(p.server, name, type);
              results.set(`${normalizeName(name)} ${type}`, r);
              return r;
            }
            const servers = await prep.serversFor(name);
            const r = await askFirst(asker, servers, name, type);
            return r ?? (await asker.ask(p.server, name, type));
          },
        };
        const label = serverLabel(p.server);
        const byCheck = await Promise.all(
          PER_SERVER_CHECKS.map(async (c) => {
            try {
              const input = { answers: opts.answers, lookup, dkimPublicKeyPem: opts.dkimPublicKeyPem, probeLabel };
              const findings = await c.run(input);
              if (c.id === 'dkim' && opts.otherDkim?.length) findings.push(...(await checkOtherDkim(input, opts.otherDkim)));
              return { id: c.id, findings };
            } catch (err) {
              // a bug in one check must not hide the others
              const msg = err instanceof Error ? err.message : String(err);
              return { id: c.id, findings: [{ status: 'warn' as const, check: c.id, summary: `the check failed internally: ${msg}` }] };
            }
          }),
        );
        return { label, byCheck };
      }),
    );

    const localFindings = opts.local === false ? [] : await localCheck(opts, asker);
    const dane = await danePending;

    const checks: DnsCheckResult[] = [];
    for (const id of CHECK_IDS) {
      if (id === 'ns') checks.push(...tag('ns', nsFindings(zone, prep.probes, prep.problems, prep.mode === 'discovered')));
      else if (id === 'consistency') checks.push(...tag('consistency', consistencyFindings(zone, views)));
      else if (id === 'local-localhost') checks.push(...tag('local-localhost', localFindings));
      else if (id === 'dnssec') checks.push(...tag('dnssec', dane.dnssec));
      else if (id === 'tlsa') checks.push(...dane.tlsa);
      else if (usable.length > 0) {
        checks.push(...mergeAcross(id, perServer.map((s) => ({ label: s.label, findings: s.byCheck.find((c) => c.id === id)?.findings ?? [] }))));
      } else if (id !== 'aaaa' || opts.answers.ipv6) {
        checks.push({ id, check: id, status: 'warn', summary: 'not checked: no authoritative server answered (see ns)' });
      }
    }
    if (web) for (const { id, findings } of await web) checks.push(...findings.map((f) => ({ ...f, id, check: id })));
    else if (opts.web !== false && servesWeb(opts.answers)) {
      for (const id of WEB_CHECK_IDS) checks.push({ id, check: id, status: 'warn', summary: 'not checked: no authoritative server answered (see ns)' });
    }
    if (qopts.signal?.aborted) {
      checks.unshift({ id: 'ns', check: 'ns', status: 'warn', summary: `the time budget (${opts.timeoutMs ?? 15000} ms) ran out; some answers are missing`, fix: 'run again, or raise the budget' });
    }
    const report: DoctorReport = {
      checks,
      servers: prep.probes.map(serverInfo),
      mode: prep.mode,
      elapsedMs: Math.round(performance.now() - started),
      questions: asker.asked,
    };
    if (zone !== undefined) report.zone = zone;
    if (dane.assessment) report.dnssec = { signed: dane.assessment.signed, secure: dane.assessment.secure };
    return report;
  });
}

// ---------------------------------------------------------------------------------------------
// DNSSEC and DANE (dnssec.ts, dane.ts)

/** The DS of the zone, from its parent's servers: the given ones when they serve the parent, else found. */
async function askParentDs(opts: DoctorOptions, asker: Asker, prep: Prepared, zone: string, qopts: QueryOptions): Promise<ParentDs | undefined> {
  const parent = parentName(zone);
  const fromServers = async (servers: readonly DnsServer[]): Promise<QueryResult | undefined> => {
    let last: QueryResult | undefined;
    for (const s of servers) {
      const r = await asker.ask(s, zone, 'DS', false, true);
      if (answered(r) && !answeredByChild(r, zone)) return r;
      last ??= answered(r) ? undefined : r;
    }
    return last;
  };
  if (prep.mode === 'given') {
    const r = await fromServers(prep.probes.map((p) => p.server));
    if (r) return { parent: parentZoneOf(r, parent), result: r };
  }
  // given servers that do not serve the parent: the system resolver finds the parent's servers
  const resolvers = prep.mode === 'given' ? (await loadResolvConf(opts)).nameservers : prep.resolvConf.nameservers;
  const auth = await discoverAuthority(parent === '' ? '.' : parent, resolvers, { ...qopts, authPort: opts.authPort });
  if ('error' in auth) return { parent, result: { error: auth.error } };
  const r = await fromServers(auth.servers);
  return r ? { parent: auth.zone, result: r } : { parent: auth.zone, result: { error: `no server of ${auth.zone || 'the root'} answered` } };
}

function parentZoneOf(r: QueryResult, fallback: string): string {
  const soa = r.kind === 'nodata' || r.kind === 'nxdomain' ? r.authority.find((x) => x.type === 'SOA') : undefined;
  return soa ? soa.name : fallback;
}

/** Whether the zone is signed and delegated securely: every usable server asked with the DO bit, and the parent. */
async function assessZone(opts: DoctorOptions, asker: Asker, prep: Prepared, qopts: QueryOptions): Promise<DnssecAssessment | undefined> {
  const zone = prep.zone;
  if (zone === undefined) return undefined;
  const domain = normalizeName(opts.answers.domain);
  const usable = prep.probes.filter(serverUsable);
  const views = await Promise.all(
    usable.map(async (p) => ({
      server: p.server,
      dnskey: await asker.ask(p.server, zone, 'DNSKEY', false, true),
      signed: await Promise.all([asker.ask(p.server, zone, 'SOA', false, true), ...(inZone(domain, zone) ? [asker.ask(p.server, domain, 'MX', false, true)] : [])]),
    })),
  );
  const signedSomewhere = views.some((v) => recordsOf(v.dnskey, 'DNSKEY').length > 0);
  const ds = signedSomewhere ? await askParentDs(opts, asker, prep, zone, qopts) : undefined;
  return assessDnssec(zone, views, () => ds);
}

/** The dnssec findings, and the tlsa findings at each server when the zone is secure (nothing about TLSA otherwise). */
async function daneFindings(opts: DoctorOptions, asker: Asker, prep: Prepared, qopts: QueryOptions): Promise<{ assessment?: DnssecAssessment; dnssec: Finding[]; tlsa: DnsCheckResult[] }> {
  const assessment = await assessZone(opts, asker, prep, qopts);
  if (!assessment) return { dnssec: [{ status: 'warn', check: 'dnssec', summary: 'not checked: the zone of the domain is not known (see ns)' }], tlsa: [] };
  if (!assessment.secure) return { assessment, dnssec: assessment.findings, tlsa: [] };
  const name = tlsaName(opts.answers.hostname);
  const inMain = prep.mode === 'given' || (prep.zone !== undefined && inZone(name, prep.zone));
  if (!inMain) {
    return { assessment, dnssec: assessment.findings, tlsa: tag('tlsa', [{ status: 'warn', check: 'tlsa', summary: `not checked: ${opts.answers.hostname} is in another zone than ${prep.zone}; its own zone must be signed for DANE` }]) };
  }
  const perServer = await Promise.all(
    prep.probes.filter(serverUsable).map(async (p) => ({ label: serverLabel(p.server), findings: checkTlsaAnswer(await asker.ask(p.server, name, 'TLSA', false, true), opts.answers, opts.tlsCertificate) })),
  );
  return { assessment, dnssec: assessment.findings, tlsa: mergeAcross('tlsa', perServer) };
}

/**
 * Only whether the zone is signed and secure, for `records --dane` and `check dns --wait`: the
 * TLSA record is offered only then.
 */
export async function zoneSecurity(opts: Omit<DoctorOptions, 'local'>): Promise<{ zone?: string; signed: boolean; secure: boolean; findings: Finding[] }> {
  return withBudget(opts, async (asker, prep, qopts) => {
    const a = await assessZone(opts, asker, prep, qopts);
    if (!a) return { signed: false, secure: false, findings: [{ status: 'warn', check: 'dnssec', summary: `could not find the zone of ${opts.answers.domain}: ${prep.problems.join('; ') || 'no server answered'}` }] };
    return { ...(prep.zone !== undefined ? { zone: prep.zone } : {}), signed: a.signed, secure: a.secure, findings: a.findings };
  });
}

/** The longest one HTTPS fetch may take: two thirds of the budget, so a hung web server is named before the budget ends. */
function fetchTimeout(opts: DoctorOptions): number {
  return Math.min(10_000, Math.round(((opts.timeoutMs ?? 15000) * 2) / 3));
}

/** The web checks, resolving names through the zone's usable servers (other zones through theirs). */
function webChecks(opts: DoctorOptions, asker: Asker, prep: Prepared, usable: DnsServer[], qopts: QueryOptions) {
  const lookup: Lookup = {
    ask: async (name, type) => {
      const own = prep.mode === 'given' || (prep.zone !== undefined && inZone(name, prep.zone));
      const servers = own ? usable : await prep.serversFor(name);
      return (await askFirst(asker, servers.length > 0 ? servers : usable, name, type))!;
    },
  };
  const web = opts.web || {};
  const internal = (err: unknown) => {
    // a bug in the web checks must not hide the DNS findings
    const msg = err instanceof Error ? err.message : String(err);
    return WEB_CHECK_IDS.map((id) => ({ id, findings: [{ status: 'warn' as const, check: id, summary: `the check failed internally: ${msg}` }] }));
  };
  return runWebChecks({
    answers: opts.answers,
    lookup,
    timeoutMs: fetchTimeout(opts),
    ...(qopts.signal ? { signal: qopts.signal } : {}),
    ...(web.port !== undefined ? { port: web.port } : {}),
    ...(web.extraCa !== undefined ? { extraCa: web.extraCa } : {}),
  }).catch(internal);
}

async function localCheck(opts: DoctorOptions, asker: Asker): Promise<Finding[]> {
  const given: LocalPaths = opts.local || {};
  const paths: LocalPaths = { ...given };
  if (paths.resolvConf === undefined && opts.resolvConfPath !== undefined) paths.resolvConf = opts.resolvConfPath;
  const input = await readLocalResolution(paths);
  if (opts.resolvConf !== undefined && given.resolvConf === undefined) input.resolvConf = opts.resolvConf;
  const dnsAnswers = new Map<string, string[]>();
  // What DNS says for localhost.<search domain>, through the system resolver, as libc would ask it.
  {
    const resolvers = parseResolvConf(input.resolvConf).nameservers;
    await Promise.all(
      localhostSearchNames(input.resolvConf).map(async (name) => {
        const addrs: string[] = [];
        for (const type of ['A', 'AAAA'] as const) {
          const r = await askFirstRd(asker, resolvers, name, type);
          if (r) addrs.push(...recordsOf(r, type).map((x) => x.address));
        }
        dnsAnswers.set(name, addrs);
      }),
    );
  }
  return checkLocalResolution(input, dnsAnswers);
}

async function askFirstRd(asker: Asker, servers: readonly DnsServer[], name: string, type: RecordType): Promise<QueryResult | undefined> {
  for (const s of servers) {
    const r = await asker.ask(s, name, type, true);
    if (answered(r)) return r;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// what the setup flow shows and polls

export type PublishedState = 'ok' | 'different' | 'missing' | 'no-answer';

export interface RecordAtServer {
  server: string;
  state: PublishedState;
  /** The records as this server serves them (dig-like lines), or what it said instead. */
  seen: string[];
  /** How long resolvers may keep what they have now: the record TTL, or the negative TTL (SOA). */
  cacheTtl?: number;
}

export interface PublishedRecord {
  expected: ExpectedRecord;
  servers: RecordAtServer[];
  /** Every server that answered says the same thing. */
  agree: boolean;
  /** Every server serves the expected value. */
  ok: boolean;
}

export interface PublishedSnapshot {
  zone?: string;
  servers: ServerInfo[];
  records: PublishedRecord[];
  allAgree: boolean;
  allOk: boolean;
  /** The longest cacheTtl of a record that is not ok yet: how long old answers may linger. */
  maxCacheTtl: number;
  problems: string[];
  at: Date;
}

function matches(e: ExpectedRecord, r: QueryResult, host: string, answers: Answers): boolean {
  switch (e.type) {
    case 'A':
      return recordsOf(r, 'A').some((x) => x.address === e.value);
    case 'AAAA':
      return recordsOf(r, 'AAAA').some((x) => sameIp(x.address, e.value));
    case 'MX':
      return recordsOf(r, 'MX').some((x) => x.exchange === host);
    case 'PTR':
      return recordsOf(r, 'PTR').some((x) => x.target === host);
    case 'CNAME':
      // the web names may also carry the server's own addresses instead of the CNAME (asked as A)
      return recordsOf(r, 'CNAME').some((x) => x.name === e.name && x.target === normalizeName(e.value)) || recordsOf(r, 'A').some((x) => x.name === e.name && x.address === answers.ipv4);
    case 'SRV':
    case 'TLSA':
      // presentation form on both sides: "0 1 465 mail.example.org." / "3 1 1 <hex>"
      return recordsOf(r, e.type).some((x) => recordData(x).toLowerCase() === e.value.toLowerCase());
    case 'TXT': {
      const values = recordsOf(r, 'TXT').map(txtValue);
      if (e.check === 'dkim') {
        const keys = values.filter(looksLikeDkim).map(parseDkimRecord);
        if (e.placeholder) return keys.some((k) => k.keyDer !== undefined);
        const want = parseDkimRecord(e.value);
        return keys.some((k) => k.keyDer !== undefined && want.keyDer !== undefined && k.keyDer.equals(want.keyDer));
      }
      return values.some((v) => v.trim() === e.value);
    }
  }
}

function present(e: ExpectedRecord, r: QueryResult): boolean {
  if (e.type === 'CNAME') return recordsOf(r, 'CNAME').some((x) => x.name === e.name) || recordsOf(r, 'A').some((x) => x.name === e.name);
  if (e.type !== 'TXT') return recordsOf(r, e.type).length > 0;
  const values = recordsOf(r, 'TXT').map(txtValue);
  if (e.check === 'spf') return values.some(isSpfRecord);
  if (e.check === 'dkim') return values.some(looksLikeDkim);
  if (e.check === 'mta-sts') return values.some((v) => /^v=STSv1/i.test(v));
  if (e.check === 'tls-rpt') return values.some((v) => /^v=TLSRPTv1/i.test(v));
  return values.some((v) => /^v=DMARC1/i.test(v));
}

export async function recordsByServer(opts: Omit<DoctorOptions, 'local'>): Promise<PublishedSnapshot> {
  return withBudget(opts, async (asker, prep, qopts) => {
    const host = normalizeName(opts.answers.hostname);
    // every server of the zone, usable or not: a dead one shows as 'no-answer' on each row
    const mainServers = prep.probes.map((p) => p.server);
    // the TLSA (DANE) is awaited only in a zone that is signed and delegated securely
    const secure = opts.tlsCertificate ? (await assessZone(opts, asker, prep, qopts))?.secure === true : false;
    const expected = withTlsa(expectedRecords(opts.answers, opts.dkimPublicKeyPem), opts, secure);
    const records = await Promise.all(
      expected.map(async (e): Promise<PublishedRecord> => {
        const inMain = prep.mode === 'given' || (prep.zone !== undefined && inZone(e.name, prep.zone));
        const servers = inMain ? mainServers : await prep.serversFor(e.name);
        // A CNAME row is asked as A: the answer holds the CNAME, or the addresses put there instead
        const qtype: RecordType = e.type === 'CNAME' ? 'A' : e.type;
        const results = await Promise.all(servers.map((s) => asker.ask(s, e.name, qtype)));
        const views = results.map((r): RecordAtServer => {
          const own = e.type === 'CNAME' ? [...recordsOf(r, 'CNAME'), ...recordsOf(r, 'A')].filter((x) => x.name === e.name) : recordsOf(r, e.type).filter((x) => x.name === e.name || e.type !== 'TXT');
          const view: RecordAtServer = {
            server: serverLabel(r.server),
            state: !answered(r) ? 'no-answer' : matches(e, r, host, opts.answers) ? 'ok' : present(e, r) ? 'different' : 'missing',
            seen: answered(r) && r.kind === 'answer' ? r.records.map(formatRecord) : [`${r.kind === 'nxdomain' ? 'NXDOMAIN' : r.kind === 'nodata' ? `no ${e.type} record` : r.kind}`],
          };
          const ttl = own.length > 0 ? Math.min(...own.map((x) => x.ttl)) : negativeTtl(r);
          if (ttl !== undefined) view.cacheTtl = ttl;
          return view;
        });
        const answeredForms = results.filter(answered).map(rrsetForm);
        return {
          expected: e,
          servers: views,
          // Servers that did not answer show as "no answer"; "disagree" is for two different answers.
          agree: new Set(answeredForms).size <= 1,
          ok: views.length > 0 && views.every((v) => v.state === 'ok'),
        };
      }),
    );
    const notOk = records.filter((r) => !r.ok).flatMap((r) => r.servers.map((s) => s.cacheTtl ?? 0));
    const snap: PublishedSnapshot = {
      servers: prep.probes.map(serverInfo),
      records,
      allAgree: records.every((r) => r.agree) && new Set(prep.probes.map((p) => recordsOf(p.soa, 'SOA')[0]?.serial)).size <= 1,
      allOk: records.every((r) => r.ok || r.expected.placeholder === true),
      maxCacheTtl: notOk.length > 0 ? Math.max(...notOk) : 0,
      problems: [...prep.problems, ...prep.probes.filter((p) => !serverUsable(p)).map((p) => `${serverLabel(p.server)}: ${serverInfo(p).status}`)],
      at: new Date(),
    };
    if (prep.zone !== undefined) snap.zone = prep.zone;
    return snap;
  });
}

export interface WaitOptions extends Omit<DoctorOptions, 'local'> {
  /** Seconds between rounds, in ms (default 5000). */
  intervalMs?: number;
  /** Give up after this long, in ms (default 10 minutes). */
  maxWaitMs?: number;
  /** 'agree': all servers say the same; 'ok': and it is what we need (default). */
  until?: 'agree' | 'ok';
  onSnapshot?: (s: PublishedSnapshot) => void;
  signal?: AbortSignal;
}

/** Re-checks every few seconds until the servers agree (and serve what is needed), or time runs out. */
export async function waitForRecords(opts: WaitOptions): Promise<PublishedSnapshot> {
  const until = opts.until ?? 'ok';
  const deadline = Date.now() + (opts.maxWaitMs ?? 600_000);
  for (;;) {
    const snap = await recordsByServer(opts);
    opts.onSnapshot?.(snap);
    const done = until === 'agree' ? snap.allAgree && snap.problems.length === 0 : snap.allAgree && snap.allOk && snap.problems.length === 0;
    if (done || Date.now() >= deadline || opts.signal?.aborted) return snap;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        opts.signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.min(opts.intervalMs ?? 5000, Math.max(0, deadline - Date.now())));
      opts.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

