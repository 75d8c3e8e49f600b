/** What the delivery checks share: findings, the DNS view, and connections to the server itself. */
import type { Finding, FindingStatus } from '../engine/types.js';
import type { ConnectRequest, ConnectResult, Host } from '../host/host.js';
import { describeResult, query, recordsOf, serverLabel, type DnsServer, type QueryResult } from '../dns/client.js';
import type { RecordType } from '../dns/records.js';
import type { DeliveryContext, DnsView } from './index.js';

export function finding(check: string, status: FindingStatus, summary: string, more: { evidence?: string | undefined; fix?: string | undefined } = {}): Finding {
  const f: Finding = { status, check, summary };
  if (more.evidence) f.evidence = more.evidence;
  if (more.fix) f.fix = more.fix;
  return f;
}

export function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

export { describeResult, recordsOf };

/** `--nameserver` servers when given (asked in turn, recursion desired), else the box's own resolver. */
export function dnsView(host: Host, servers: readonly DnsServer[], signal?: AbortSignal): DnsView {
  const cache = new Map<string, Promise<QueryResult>>();
  const once = (name: string, type: RecordType, ask: () => Promise<QueryResult>) => {
    const key = `${name.toLowerCase()} ${type}`;
    let p = cache.get(key);
    if (!p) cache.set(key, (p = ask()));
    return p;
  };
  if (servers.length === 0) {
    return {
      label: "the box's resolver",
      ask: (name, type) => once(name, type, () => host.resolve(name, type, signal ? { signal } : {})),
    };
  }
  return {
    label: servers.map(serverLabel).join(', '),
    ask: (name, type) =>
      once(name, type, async () => {
        let last: QueryResult | undefined;
        for (const s of servers) {
          last = await query(s, name, type, { recursionDesired: true, timeoutMs: 2000, retries: 1, ...(signal ? { signal } : {}) });
          if (answered(last)) return last;
        }
        return last!;
      }),
  };
}

/** The reverse name of an IPv4 or IPv6 address, without the suffix (4.3.2.1 / nibbles). */
export function reversedLabels(ip: string): string {
  if (ip.includes(':')) {
    const [head = '', tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return groups
      .map((g) => g.padStart(4, '0'))
      .join('')
      .split('')
      .reverse()
      .join('.');
  }
  return ip.split('.').reverse().join('.');
}

/**
 * A connection to one of the server's own ports, from the box: at its public IPv4 address (what
 * receivers and clients reach); when that does not answer from the box itself (a provider's 1:1
 * NAT), at 127.0.0.1, and the result says so.
 */
export async function connectToServer(ctx: DeliveryContext, req: Omit<ConnectRequest, 'host' | 'timeoutMs' | 'signal'>): Promise<{ result: ConnectResult; address: string; note?: string }> {
  const base = { ...req, timeoutMs: ctx.connectTimeoutMs, signal: ctx.signal };
  const result = await ctx.host.connect({ ...base, host: ctx.answers.ipv4 });
  if (result.connected || result.notProbed || ctx.signal.aborted) return { result, address: ctx.answers.ipv4 };
  const local = await ctx.host.connect({ ...base, host: '127.0.0.1' });
  if (!local.connected) return { result, address: ctx.answers.ipv4 };
  return { result: local, address: '127.0.0.1', note: `${ctx.answers.ipv4}:${req.port} did not answer from the box itself (${result.error ?? 'no connection'}); probed on 127.0.0.1` };
}

export const NOT_PROBED = 'not probed: a dry-run of a fresh box has no server to connect to';

export interface ReverseDns {
  /** ip → host → ip */
  ok: boolean;
  /** The lookups could not be made (no answer): not a mismatch. */
  unknown?: boolean;
  text: string;
  evidence: string;
}

/** Forward-confirmed reverse DNS of one address, as a receiver checks it on the connection. */
export async function reverseDns(dns: DnsView, ip: string, host: string): Promise<ReverseDns> {
  const rev = `${reversedLabels(ip)}.${ip.includes(':') ? 'ip6.arpa' : 'in-addr.arpa'}`;
  const r = await dns.ask(rev, 'PTR');
  const lines = [`${rev} PTR at ${dns.label}: ${r.kind === 'answer' ? recordsOf(r, 'PTR').map((p) => p.target).join(', ') : describeResult(r)}`];
  if (!answered(r)) return { ok: false, unknown: true, text: `could not look up the PTR of ${ip}: ${describeResult(r)}`, evidence: lines.join('\n') };
  const names = recordsOf(r, 'PTR').map((p) => p.target.replace(/\.$/, '').toLowerCase());
  const want = host.replace(/\.$/, '').toLowerCase();
  if (names.length === 0) return { ok: false, text: `${ip} has no PTR`, evidence: lines.join('\n') };
  if (!names.includes(want)) return { ok: false, text: `the PTR of ${ip} is ${names.join(', ')}, not ${want}`, evidence: lines.join('\n') };
  const type = ip.includes(':') ? 'AAAA' : 'A';
  const fwd = await dns.ask(want, type);
  const back = recordsOf(fwd, type).map((a) => a.address);
  lines.push(`${want} ${type} at ${dns.label}: ${back.length ? back.join(', ') : describeResult(fwd)}`);
  if (!answered(fwd)) return { ok: false, unknown: true, text: `could not check that ${want} resolves back to ${ip}: ${describeResult(fwd)}`, evidence: lines.join('\n') };
  const { sameIp } = await import('../dns/expected.js');
  if (!back.some((a) => sameIp(a, ip))) return { ok: false, text: `the PTR of ${ip} names ${want}, but ${want} does not resolve back to ${ip}`, evidence: lines.join('\n') };
  return { ok: true, text: `${ip} → ${want} → ${ip}`, evidence: lines.join('\n') };
}
