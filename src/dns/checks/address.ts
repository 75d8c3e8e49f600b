/**
 * The A and AAAA checks: the mail host name resolves to the server's addresses.
 */
import type { Finding } from '../../engine/types.js';
import { sameIp } from '../expected.js';
import { normalizeName } from '../records.js';
import { recordLine } from '../zone-export.js';
import { finding, answered, seen, couldNotCheck, absence, addresses, cnameAt, expectedOf, publish } from './shared.js';
import type { CheckId, CheckInput, CheckFn } from './types.js';

async function hostAddress(input: CheckInput, type: 'A' | 'AAAA'): Promise<Finding[]> {
  const id: CheckId = type === 'A' ? 'a' : 'aaaa';
  const host = normalizeName(input.answers.hostname);
  const want = type === 'A' ? input.answers.ipv4 : input.answers.ipv6;
  const r = await input.lookup.ask(host, type);
  if (!answered(r)) return [couldNotCheck(id, `${type} of ${host}`, r)];
  const have = addresses(r, type);
  const via = cnameAt(r, host);
  if (want === undefined) {
    // only reached for AAAA: an address the answers do not know about
    if (have.length === 0) return [];
    return [
      finding(id, 'warn', `${host} has AAAA ${have.join(', ')}, but the answers give no IPv6 address`, {
        evidence: seen(r),
        fix: `set ipv6 in the answers to ${have[0]} if this server has it (then SPF and PTR cover it), or delete the AAAA record of ${host}`,
      }),
    ];
  }
  const exp = expectedOf(input, id, host);
  if (have.length === 0) {
    return [
      finding(id, 'fail', `no ${type} record for ${host}: ${absence(r)}`, {
        evidence: seen(r),
        fix: `${publish(exp)} (the MX, the HELO name and the PTR all point at ${host})`,
      }),
    ];
  }
  if (!have.some((a) => sameIp(a, want))) {
    return [
      finding(id, 'fail', `${host} has ${type} ${have.join(', ')}, not this server's ${want}`, {
        evidence: seen(r),
        fix: `change the ${type} record of ${host} to ${want}: ${recordLine(exp ?? { name: host, type, value: want, ttl: 3600 })}`,
      }),
    ];
  }
  const out: Finding[] = [];
  if (via !== undefined) {
    out.push(
      finding(id, 'warn', `${host} is a CNAME to ${via}; a mail host name should have its own ${type} record`, {
        evidence: seen(r),
        fix: `replace the CNAME at ${host} with: ${recordLine(exp ?? { name: host, type, value: want, ttl: 3600 })}`,
      }),
    );
  }
  const extra = have.filter((a) => !sameIp(a, want));
  if (extra.length > 0) {
    out.push(
      finding(id, 'warn', `${host} has ${type} ${want} and also ${extra.join(', ')}: senders will also try the other address(es)`, {
        evidence: seen(r),
        fix: `delete the ${type} record(s) ${extra.join(', ')} of ${host} unless they are this server too`,
      }),
    );
  }
  if (out.length === 0) out.push(finding(id, 'pass', `${host} ${type} ${want}`, { evidence: seen(r) }));
  return out;
}

export const checkA: CheckFn = (input) => hostAddress(input, 'A');
export const checkAaaa: CheckFn = (input) => hostAddress(input, 'AAAA');
