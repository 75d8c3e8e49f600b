/**
 * The checks across servers, pure functions of what every authoritative server said: ns (each
 * answers for the zone) and consistency (all give the same records).
 */
import type { Finding } from '../../engine/types.js';
import { describeResult, recordsOf, serverLabel, type DnsServer, type QueryResult } from '../client.js';
import { formatRecord, recordKey } from '../records.js';
import { finding, answered, seen, addresses } from './shared.js';

export interface ServerProbe {
  server: DnsServer;
  /** The SOA query for the zone at this server. */
  soa: QueryResult;
}

/** Is the server usable: it answered the SOA of the zone with authority. */
export function serverUsable(p: ServerProbe): boolean {
  return p.soa.kind === 'answer' && p.soa.authoritative;
}

export function nsFindings(zone: string | undefined, probes: readonly ServerProbe[], problems: readonly string[], discovered: boolean): Finding[] {
  const out: Finding[] = [];
  for (const msg of problems) out.push(finding('ns', 'fail', msg, { fix: 'fix the NS records or the addresses of the name servers at your DNS provider / registrar' }));
  for (const p of probes) {
    const label = serverLabel(p.server);
    if (p.soa.kind === 'answer' && p.soa.authoritative) continue;
    const what = p.soa.kind === 'answer' || p.soa.kind === 'nodata' || p.soa.kind === 'nxdomain' ? 'answered without authority (a lame server: it does not serve the zone)' : `gave ${describeResult(p.soa)}`;
    out.push(
      finding('ns', 'fail', `${label} ${what} for the SOA of ${zone ?? p.soa.name}`, {
        evidence: seen(p.soa),
        fix: discovered ? `make ${label} serve the zone ${zone}, or remove it from the NS records` : `check that ${label} serves ${zone ?? p.soa.name}`,
      }),
    );
  }
  const ok = probes.filter(serverUsable);
  if (probes.length === 0 && problems.length === 0) out.push(finding('ns', 'fail', 'no authoritative server to ask', { fix: 'give --nameserver HOST[:PORT] or check /etc/resolv.conf' }));
  if (discovered && ok.length === 1 && probes.length === 1) {
    out.push(finding('ns', 'warn', `${zone} has a single name server; RFC 2182 asks for at least two, in different networks`, { fix: 'add a secondary name server (most DNS providers give several)' }));
  }
  if (out.length === 0) {
    out.push(finding('ns', 'pass', `${ok.length} server(s) answer with authority for ${zone}: ${ok.map((p) => serverLabel(p.server)).join(', ')}`));
  }
  return out;
}

/** A canonical form of what a server said, TTLs aside: equal forms mean the servers agree. */
export function rrsetForm(r: QueryResult): string {
  if (r.kind === 'answer') return r.records.map(recordKey).sort().join('\n');
  return r.kind.toUpperCase();
}

export interface ServerAnswers {
  server: DnsServer;
  /** Keyed by `${name} ${type}`. */
  results: Map<string, QueryResult>;
  soa: QueryResult;
}

export function consistencyFindings(zone: string | undefined, views: readonly ServerAnswers[]): Finding[] {
  if (views.length < 2) {
    return [finding('consistency', 'pass', views.length === 1 ? `one server (${serverLabel(views[0]!.server)}): nothing to compare` : 'no server to compare')];
  }
  const out: Finding[] = [];
  const keys = new Set<string>();
  for (const v of views) for (const k of v.results.keys()) keys.add(k);
  for (const key of [...keys].sort()) {
    const forms = views
      .map((v) => ({ v, r: v.results.get(key) }))
      .filter((x): x is { v: ServerAnswers; r: QueryResult } => x.r !== undefined && answered(x.r));
    const distinct = new Set(forms.map((x) => rrsetForm(x.r)));
    if (distinct.size > 1) {
      out.push(
        finding('consistency', 'fail', `the servers disagree about ${key}: ${forms.map((x) => `${serverLabel(x.v.server)} has ${x.r.kind === 'answer' ? x.r.records.map((rec) => formatRecord(rec).split(' ').slice(3).join(' ')).join(' | ') : describeResult(x.r)}`).join('; ')}`, {
          evidence: forms.map((x) => `at ${serverLabel(x.v.server)}:\n${seen(x.r).replace(/^/gm, '  ')}`).join('\n'),
          fix: 'make every authoritative server serve the same zone: check that zone transfers (or the provider\'s sync) work, then wait for the serials to match',
        }),
      );
    }
  }
  const serials = views.map((v) => ({ v, soa: recordsOf(v.soa, 'SOA')[0] }));
  const distinctSerials = new Set(serials.map((s) => s.soa?.serial ?? -1));
  if (distinctSerials.size > 1) {
    const line = serials.map((s) => `${serverLabel(s.v.server)}: ${s.soa?.serial ?? 'no SOA'}`).join(', ');
    out.push(
      finding('consistency', out.length > 0 ? 'fail' : 'warn', `the SOA serials of ${zone} differ (${line})`, {
        evidence: serials.map((s) => (s.soa ? formatRecord(s.soa) : `${serverLabel(s.v.server)}: no SOA`)).join('\n'),
        fix: 'the servers with the older serial have not loaded the latest zone yet: check zone transfers (NOTIFY/AXFR) from the primary',
      }),
    );
  }
  if (out.length === 0) {
    const serial = serials[0]?.soa?.serial;
    out.push(finding('consistency', 'pass', `${views.length} servers agree on every record asked${serial !== undefined ? ` (SOA serial ${serial})` : ''}`));
  }
  return out;
}
