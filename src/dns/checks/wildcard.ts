/**
 * The wildcard check: a name that surely does not exist must not resolve (a wildcard hides mistakes).
 */
import type { QueryResult } from '../client.js';
import { formatRecord, normalizeName } from '../records.js';
import { finding, answered, seen, couldNotCheck } from './shared.js';
import type { CheckFn } from './types.js';

export const checkWildcard: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const probe = `${input.probeLabel}.${domain}`;
  const [a, aaaa, txt, mx] = await Promise.all(
    (['A', 'AAAA', 'TXT', 'MX'] as const).map((t) => input.lookup.ask(probe, t)),
  );
  const results = [a, aaaa, txt, mx].filter((x): x is QueryResult => x !== undefined);
  const bad = results.find((x) => !answered(x));
  if (bad) return [couldNotCheck('wildcard', `a random name (${probe})`, bad)];
  const addr = [a, aaaa].filter((x): x is QueryResult => x !== undefined).flatMap((x) => x.kind === 'answer' ? x.records : []);
  if (addr.length > 0) {
    const cname = addr.find((x) => x.type === 'CNAME');
    return [
      finding('wildcard', 'fail', `a wildcard record answers for names that do not exist: ${probe} resolves${cname && cname.type === 'CNAME' ? ` (CNAME to ${cname.target})` : ''} to ${addr.filter((x) => x.type === 'A' || x.type === 'AAAA').map((x) => (x.type === 'A' || x.type === 'AAAA' ? x.address : '')).join(', ') || 'something'}`, {
        evidence: [...new Set(addr.map(formatRecord))].join('\n'),
        fix: `delete the wildcard record (*.${domain}) at your DNS provider (some, like Vultr, create one by default); it also makes localhost.${domain} resolve`,
      }),
    ];
  }
  const other = [txt, mx].filter((x): x is QueryResult => x !== undefined && x.kind === 'answer');
  if (other.length > 0) {
    return [
      finding('wildcard', 'warn', `a wildcard ${other.map((x) => x.type).join('/')} record answers for ${probe}`, {
        evidence: other.map(seen).join('\n'),
        fix: `fine if intended (e.g. "v=spf1 -all" for every subdomain); otherwise delete *.${domain}`,
      }),
    ];
  }
  return [finding('wildcard', 'pass', `no wildcard: ${probe} is ${a?.kind === 'nxdomain' ? 'NXDOMAIN' : 'without records'}`, { evidence: seen(a ?? txt!) })];
};
