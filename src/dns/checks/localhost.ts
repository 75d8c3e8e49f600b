/**
 * The localhost check: no public name of the domain points at a loopback address.
 */
import net from 'node:net';
import type { Finding } from '../../engine/types.js';
import { sameIp } from '../expected.js';
import { normalizeName } from '../records.js';
import { finding, answered, seen, couldNotCheck, addresses, cnameAt } from './shared.js';
import type { CheckFn } from './types.js';

function isLoopback(ip: string): boolean {
  return (net.isIPv4(ip) && ip.startsWith('127.')) || (net.isIPv6(ip) && sameIp(ip, '::1'));
}

export const checkLocalhost: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const parent = host.includes('.') ? host.slice(host.indexOf('.') + 1) : host;
  const names = [...new Set([`localhost.${domain}`, ...(parent.includes('.') && parent !== domain ? [`localhost.${parent}`] : [])])];
  const out: Finding[] = [];
  for (const name of names) {
    const [a, aaaa] = await Promise.all([input.lookup.ask(name, 'A'), input.lookup.ask(name, 'AAAA')]);
    if (!answered(a)) {
      out.push(couldNotCheck('localhost', name, a));
      continue;
    }
    const addrs = [...addresses(a, 'A'), ...addresses(aaaa, 'AAAA')];
    const cname = cnameAt(a, name);
    const outside = addrs.filter((x) => !isLoopback(x));
    if (outside.length > 0) {
      out.push(
        finding('localhost', 'fail', `${name} resolves to ${outside.join(', ')}${cname ? ` (through a CNAME to ${cname}, probably a wildcard)` : ''}: a program that looks up "localhost" with "search ${domain}" may reach the public address`, {
          evidence: [...new Set(`${seen(a)}\n${seen(aaaa)}`.split('\n'))].join('\n'),
          fix: `delete the wildcard (*.${name.slice('localhost.'.length)}) or the record at ${name}; keep "127.0.0.1 localhost" and "::1 localhost" in /etc/hosts`,
        }),
      );
    } else if (addrs.length > 0) {
      out.push(finding('localhost', 'pass', `${name} resolves to ${addrs.join(', ')} (loopback only: harmless)`, { evidence: seen(a) }));
    } else {
      out.push(finding('localhost', 'pass', `${name} does not resolve (${a.kind === 'nxdomain' ? 'NXDOMAIN' : 'no address'})`, { evidence: seen(a) }));
    }
  }
  return out;
};
