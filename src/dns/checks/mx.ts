/**
 * The MX check: the domain's MX names the mail host, and that host has an address.
 */
import type { Finding } from '../../engine/types.js';
import { describeResult, recordsOf } from '../client.js';
import { sameIp } from '../expected.js';
import { normalizeName } from '../records.js';
import { recordLine } from '../zone-export.js';
import { finding, answered, seen, couldNotCheck, absence, addresses, cnameAt, expectedOf, publish, looksLikeIp } from './shared.js';
import type { CheckFn } from './types.js';

export const checkMx: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const exp = expectedOf(input, 'mx', domain);
  const r = await input.lookup.ask(domain, 'MX');
  if (!answered(r)) return [couldNotCheck('mx', `the MX of ${domain}`, r)];
  const mxs = recordsOf(r, 'MX').filter((m) => m.name === domain);
  if (mxs.length === 0) {
    if (host !== domain) {
      const alt = await input.lookup.ask(host, 'MX');
      const altMx = recordsOf(alt, 'MX');
      if (altMx.length > 0) {
        return [
          finding('mx', 'fail', `no MX at ${domain}: found at ${host}, must be at ${domain}`, {
            evidence: `${seen(r)}\n${seen(alt)}`,
            fix: `${publish(exp)}; mail for user@${domain} is routed by the MX of ${domain}, not of ${host} (delete the MX at ${host})`,
          }),
        ];
      }
    }
    return [
      finding('mx', 'fail', `no MX record at ${domain}: ${absence(r)}`, {
        evidence: seen(r),
        fix: `${publish(exp)} (without an MX, senders fall back to the A record of ${domain} itself)`,
      }),
    ];
  }
  if (mxs.some((m) => m.exchange === '')) {
    return [
      finding('mx', 'fail', `${domain} has a null MX ("MX 0 ."), which says it accepts no mail (RFC 7505)`, {
        evidence: seen(r),
        fix: `delete the null MX and ${publish(exp)}`,
      }),
    ];
  }
  const out: Finding[] = [];
  let oursOk = false;
  for (const mx of mxs) {
    const target = mx.exchange;
    if (looksLikeIp(target)) {
      out.push(
        finding('mx', 'fail', `the MX of ${domain} points at an IP address (${target}); an MX must name a host`, {
          evidence: seen(r),
          fix: `replace it with ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })} and give ${host} the A record ${input.answers.ipv4} (a zone file turns "MX 10 ${input.answers.ipv4}" into the name ${input.answers.ipv4}.${domain}.)`,
        }),
      );
      continue;
    }
    const [a, aaaa] = await Promise.all([input.lookup.ask(target, 'A'), input.lookup.ask(target, 'AAAA')]);
    const cname = cnameAt(a, target) ?? cnameAt(aaaa, target);
    if (cname !== undefined) {
      out.push(
        finding('mx', 'fail', `the MX target ${target} is a CNAME (to ${cname}); an MX must name a host with its own address (RFC 2181 §10.3)`, {
          evidence: `${seen(r)}\n${seen(a)}`,
          fix: target === host ? `replace the CNAME at ${host} with an A record: ${input.answers.ipv4}` : `point the MX at ${host}: ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })}`,
        }),
      );
      continue;
    }
    if (!answered(a) && !answered(aaaa)) {
      out.push(couldNotCheck('mx', `the address of the MX target ${target}`, a));
      continue;
    }
    const addrs = [...addresses(a, 'A'), ...addresses(aaaa, 'AAAA')];
    if (addrs.length === 0) {
      out.push(
        finding('mx', 'fail', `the MX target ${target} has no address (A: ${describeResult(a)}; AAAA: ${describeResult(aaaa)})`, {
          evidence: `${seen(r)}\n${seen(a)}\n${seen(aaaa)}`,
          fix: target === host ? `publish: ${host}. A ${input.answers.ipv4}` : `point the MX at ${host}: ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })}`,
        }),
      );
      continue;
    }
    if (target === host) oursOk = true;
    else if (addrs.some((x) => sameIp(x, input.answers.ipv4) || (input.answers.ipv6 !== undefined && sameIp(x, input.answers.ipv6)))) {
      out.push(
        finding('mx', 'warn', `the MX of ${domain} is ${target}, which has this server's address but is not its host name ${host}`, {
          evidence: seen(r),
          fix: `use the host name so that the TLS certificate and HELO name match: ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })}`,
        }),
      );
      oursOk = true;
    }
  }
  if (!oursOk && !out.some((f) => f.status === 'fail')) {
    out.push(
      finding('mx', 'fail', `the MX of ${domain} points at ${mxs.map((m) => m.exchange).join(', ')}, not at this server ${host}`, {
        evidence: seen(r),
        fix: `${publish(exp)} (keep other MX hosts only if they are backups that forward to ${host})`,
      }),
    );
  }
  if (out.length === 0) {
    out.push(finding('mx', 'pass', `${domain} MX → ${host}, which has an address`, { evidence: seen(r) }));
  }
  return out;
};
