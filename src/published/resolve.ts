/**
 * The addresses of a web name (mta-sts.<domain>, autoconfig.<domain>) as the domain's own
 * authoritative servers publish them: A and AAAA, through a CNAME chain (at most 8 links).
 */
import { describeResult, recordsOf, type QueryResult } from '../dns/client.js';
import type { Lookup } from '../dns/checks/types.js';
import { formatRecord, normalizeName } from '../dns/records.js';

export interface WebAddresses {
  addresses: string[];
  /** The names followed, the asked name first. */
  chain: string[];
  /** Why there is no address: "NXDOMAIN (the name does not exist)", "no reply after 3 attempt(s)". */
  problem?: string;
  /** The answers, as dig-like lines. */
  evidence: string;
}

const MAX_CHAIN = 8;

function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

export async function resolveWebName(name: string, lookup: Lookup): Promise<WebAddresses> {
  const chain = [normalizeName(name)];
  const evidence: string[] = [];
  for (let i = 0; i < MAX_CHAIN; i++) {
    const current = chain[chain.length - 1]!;
    const [a, aaaa] = await Promise.all([lookup.ask(current, 'A'), lookup.ask(current, 'AAAA')]);
    for (const r of [a, aaaa]) evidence.push(...(r.kind === 'answer' ? r.records.map(formatRecord) : [`${current}. ${r.type}: ${describeResult(r)}`]));
    const addresses = [...recordsOf(a, 'A').map((x) => x.address), ...recordsOf(aaaa, 'AAAA').map((x) => x.address)];
    const lines = [...new Set(evidence)].join('\n');
    if (addresses.length > 0) return { addresses: [...new Set(addresses)], chain, evidence: lines };
    if (!answered(a)) return { addresses: [], chain, problem: `${current}: ${describeResult(a)}`, evidence: lines };
    // the server gave the CNAME (and maybe more links) but not the last target's addresses: ask there
    const cnames = [...recordsOf(a, 'CNAME'), ...recordsOf(aaaa, 'CNAME')];
    let next = cnames.find((c) => c.name === current)?.target;
    if (next === undefined) {
      const why = a.kind === 'nxdomain' ? 'NXDOMAIN (the name does not exist)' : 'no A or AAAA record';
      return { addresses: [], chain, problem: `${current}: ${why}`, evidence: lines };
    }
    while (next !== undefined) {
      if (chain.includes(next)) return { addresses: [], chain, problem: `a CNAME loop at ${next}`, evidence: lines };
      chain.push(next);
      const from: string = next;
      next = cnames.find((c) => c.name === from)?.target;
    }
  }
  return { addresses: [], chain, problem: `a CNAME chain longer than ${MAX_CHAIN} links`, evidence: [...new Set(evidence)].join('\n') };
}
