/**
 * The PTR check, forward-confirmed: the server's addresses name the mail host, which points back.
 */
import net from 'node:net';
import type { Finding } from '../../engine/types.js';
import { recordsOf } from '../client.js';
import { reverseName, sameIp } from '../expected.js';
import { normalizeName } from '../records.js';
import { finding, answered, seen, couldNotCheck, absence, addresses, publish } from './shared.js';
import type { CheckFn } from './types.js';

export const checkPtr: CheckFn = async (input) => {
  const host = normalizeName(input.answers.hostname);
  const ips = [input.answers.ipv4, ...(input.answers.ipv6 ? [input.answers.ipv6] : [])];
  const out: Finding[] = [];
  for (const ip of ips) {
    const rev = reverseName(ip);
    const providerFix = `ask whoever owns ${ip} (your hosting provider's panel, "reverse DNS", or a ticket) to set its PTR to ${host}`;
    const r = await input.lookup.ask(rev, 'PTR');
    if (!answered(r)) {
      out.push(couldNotCheck('ptr', `the PTR of ${ip}`, r));
      continue;
    }
    const names = recordsOf(r, 'PTR').map((p) => p.target);
    if (names.length === 0) {
      out.push(finding('ptr', 'fail', `no PTR for ${ip} (${rev}: ${absence(r)})`, { evidence: seen(r), fix: providerFix }));
      continue;
    }
    if (!names.includes(host)) {
      out.push(
        finding('ptr', 'fail', `the PTR of ${ip} is ${names.join(', ')}, not ${host}`, {
          evidence: seen(r),
          fix: `${providerFix} (large receivers reject mail whose PTR does not match the HELO name)`,
        }),
      );
      continue;
    }
    const type = net.isIPv6(ip) ? 'AAAA' : 'A';
    const fwd = await input.lookup.ask(host, type);
    if (!answered(fwd)) {
      out.push(couldNotCheck('ptr', `that ${host} resolves back to ${ip}`, fwd));
      continue;
    }
    const back = addresses(fwd, type);
    if (!back.some((a) => sameIp(a, ip))) {
      out.push(
        finding('ptr', 'fail', `the PTR of ${ip} names ${host}, but ${host} does not resolve back to ${ip} (${back.length ? `${type} ${back.join(', ')}` : absence(fwd)})`, {
          evidence: `${seen(r)}\n${seen(fwd)}`,
          fix: `publish: ${host}. ${type} ${ip} (forward-confirmed reverse DNS needs both directions)`,
        }),
      );
      continue;
    }
    if (names.length > 1) {
      out.push(
        finding('ptr', 'warn', `${ip} has ${names.length} PTR records; receivers may pick any of them`, {
          evidence: seen(r),
          fix: `${providerFix}, and only that one`,
        }),
      );
      continue;
    }
    out.push(finding('ptr', 'pass', `${ip} → ${host} → ${ip} (forward-confirmed)`, { evidence: `${seen(r)}\n${seen(fwd)}` }));
  }
  return out;
};
