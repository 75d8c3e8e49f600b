/**
 * The verdict's DNS: mailauth asks its questions through a resolver function shaped like Node's
 * `dns.promises.resolve` (arrays of values; errors carrying ENOTFOUND, ENODATA, ETIMEOUT, ...).
 * This one answers them from the domain's own authoritative servers (found through NS records, as
 * `check dns` does), or from the `--nameserver` servers when given, never from a cache: a record
 * just published is judged as it is now. Every question and what was said is kept for the evidence.
 */
import { describeResult, query, recordsOf, serverLabel, type DnsServer, type QueryOptions, type QueryResult } from '../dns/client.js';
import { discoverAuthority } from '../dns/discovery.js';
import { normalizeName, type RecordType } from '../dns/records.js';

/** What mailauth's resolver may be asked (SPF: TXT, A, AAAA, MX, PTR; DKIM and DMARC: TXT). */
const TYPES: ReadonlySet<string> = new Set<RecordType>(['A', 'AAAA', 'MX', 'TXT', 'PTR', 'NS', 'CNAME']);

/** How far a CNAME chain that leaves the zone is followed (RFC 1034 leaves it to the resolver). */
const MAX_CNAME_HOPS = 8;

export interface Lookup {
  name: string;
  type: string;
  /** The server that answered (or the last one asked), "ns.example.net (192.0.2.53)". */
  server?: string;
  /** "2 record(s)", "NXDOMAIN (the name does not exist)", ... */
  said: string;
}

export interface ResolverOptions {
  /** Servers that answer every question (--nameserver); when empty, each name's zone is discovered. */
  given: readonly DnsServer[];
  /** The system resolver, only to find zones and their NS records. */
  resolvers: readonly DnsServer[];
  /** Port of discovered authoritative servers (53; tests use another). */
  authPort?: number;
  query: QueryOptions;
}

/** The value shapes of dns.promises.resolve, which mailauth reads. */
export type ResolvedValues = string[] | string[][] | Array<{ exchange: string; priority: number }>;

export type MailauthResolver = (name: string, type: string) => Promise<ResolvedValues>;

/** An Error with the code Node's resolver would give, so mailauth reads it as it reads those. */
export function dnsError(code: string, type: string, name: string, detail: string): Error {
  return Object.assign(new Error(`query${type} ${code} ${name}: ${detail}`), { code, hostname: name });
}

/** The code Node's resolver gives for each outcome that carries no records. */
export function errorCode(result: QueryResult): string {
  switch (result.kind) {
    case 'nxdomain':
      return 'ENOTFOUND';
    case 'nodata':
    case 'answer':
      return 'ENODATA';
    case 'timeout':
      return 'ETIMEOUT';
    case 'refused':
      return 'EREFUSED';
    case 'servfail':
      return 'ESERVFAIL';
    case 'error':
      return 'ECONNREFUSED';
  }
}

/** Records of `type` in an answer, in dns.promises.resolve's shapes. */
export function valuesOf(result: QueryResult, type: string): ResolvedValues {
  switch (type) {
    case 'A':
      return recordsOf(result, 'A').map((r) => r.address);
    case 'AAAA':
      return recordsOf(result, 'AAAA').map((r) => r.address);
    case 'TXT':
      return recordsOf(result, 'TXT').map((r) => r.strings);
    case 'MX':
      return recordsOf(result, 'MX').map((r) => ({ exchange: r.exchange, priority: r.preference }));
    case 'PTR':
      return recordsOf(result, 'PTR').map((r) => r.target);
    case 'NS':
      return recordsOf(result, 'NS').map((r) => r.target);
    case 'CNAME':
      return recordsOf(result, 'CNAME').map((r) => r.target);
    default:
      return [];
  }
}

function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

/** Where a CNAME chain in the answer ends without records of the wanted type (out of the zone). */
function danglingCname(result: QueryResult, name: string): string | undefined {
  if (result.kind !== 'answer') return undefined;
  let at = normalizeName(name);
  for (let i = 0; i < MAX_CNAME_HOPS; i++) {
    const next = recordsOf(result, 'CNAME').find((c) => c.name === at);
    if (!next) break;
    at = normalizeName(next.target);
  }
  return at === normalizeName(name) ? undefined : at;
}

export class AuthoritativeResolver {
  readonly lookups: Lookup[] = [];
  private readonly zones = new Map<string, Promise<DnsServer[] | string>>();

  constructor(private readonly opts: ResolverOptions) {}

  private readonly answers = new Map<string, Promise<ResolvedValues>>();

  /** For mailauth's `resolver` option. One question is asked once per verdict (each address is judged alike). */
  readonly resolve: MailauthResolver = (name, type) => {
    const key = `${normalizeName(name)} ${type.toUpperCase()}`;
    let p = this.answers.get(key);
    if (!p) {
      p = this.ask(normalizeName(name), type.toUpperCase(), 0);
      this.answers.set(key, p);
    }
    return p;
  };

  private serversFor(name: string): Promise<DnsServer[] | string> {
    if (this.opts.given.length > 0) return Promise.resolve([...this.opts.given]);
    let p = this.zones.get(name);
    if (!p) {
      p = discoverAuthority(name, this.opts.resolvers, { ...this.opts.query, authPort: this.opts.authPort }).then((a) =>
        'error' in a ? a.error : a.servers.length > 0 ? a.servers : `no NS of ${a.zone} has an address (${a.problems.join('; ')})`,
      );
      this.zones.set(name, p);
    }
    return p;
  }

  private async ask(name: string, type: string, hops: number): Promise<ResolvedValues> {
    if (!TYPES.has(type)) throw dnsError('ENOTIMP', type, name, `mail-wizard does not ask for ${type} records`);
    const servers = await this.serversFor(name);
    if (typeof servers === 'string') {
      this.lookups.push({ name, type, said: `no authoritative server found: ${servers}` });
      throw dnsError('ESERVFAIL', type, name, servers);
    }
    let last: QueryResult | undefined;
    for (const server of servers) {
      last = await query(server, name, type as RecordType, this.opts.query);
      if (answered(last)) break;
    }
    if (!last) throw dnsError('ESERVFAIL', type, name, 'no server to ask');
    this.lookups.push({ name, type, server: serverLabel(last.server), said: describeResult(last) });
    const values = valuesOf(last, type);
    if (values.length > 0) return values;
    const target = danglingCname(last, name);
    if (target !== undefined && hops < MAX_CNAME_HOPS) return this.ask(target, type, hops + 1);
    throw dnsError(errorCode(last), type, name, describeResult(last));
  }
}
