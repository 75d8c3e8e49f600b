/**
 * The web names (mta-sts.<domain>, autoconfig.<domain>) reach this server: a CNAME to the host name
 * (what `records` prints), or the server's own A/AAAA records put there instead. A CNAME to the host
 * name passes at once: whether the host name has the right address is the a/aaaa checks' finding,
 * not said twice. Shared by the mta-sts and autoconfig checks.
 */
import type { Finding, FindingStatus } from '../../engine/types.js';
import { recordsOf } from '../client.js';
import { sameIp, webNameRecord } from '../expected.js';
import { normalizeName } from '../records.js';
import { answered, addresses, cnameAt, couldNotCheck, finding, publish, seen } from './shared.js';
import type { CheckInput } from './types.js';

export interface WebNameSpec {
  check: 'mta-sts' | 'autoconfig';
  /** What stops working when the name does not reach the server, for the summary. */
  why: string;
  /** How bad a missing or wrong name is. */
  status: FindingStatus;
}

export async function webNameFindings(input: CheckInput, spec: WebNameSpec): Promise<Finding[]> {
  const { check, why, status } = spec;
  const host = normalizeName(input.answers.hostname);
  const exp = webNameRecord(input.answers, check);
  if (!exp) return [finding(check, 'pass', `${host} is the host name itself: its own A/AAAA records serve it`)];
  const name = exp.name;
  const [a, aaaa] = await Promise.all([input.lookup.ask(name, 'A'), input.lookup.ask(name, 'AAAA')]);
  if (!answered(a)) return [couldNotCheck(check, `${name}`, a)];
  const cname = cnameAt(a, name);
  if (cname === host) return [finding(check, 'pass', `${name} is a CNAME to ${host}`, { evidence: seen(a) })];
  if (cname !== undefined) {
    // a CNAME elsewhere: follow it (the answer holds the chain when the target is in the zone)
    let target = addresses(a, 'A');
    let evidence = seen(a);
    if (target.length === 0) {
      const t = await input.lookup.ask(cname, 'A');
      target = addresses(t, 'A');
      evidence += `\n${seen(t)}`;
    }
    if (target.some((ip) => sameIp(ip, input.answers.ipv4))) {
      return [finding(check, 'pass', `${name} is a CNAME to ${cname}, which has this server's address ${input.answers.ipv4}`, { evidence })];
    }
    return [
      finding(check, status, `${name} is a CNAME to ${cname} (${target.join(', ') || 'no address'}), not to this server: ${why}`, {
        evidence,
        fix: `replace it: ${publish(exp)}`,
      }),
    ];
  }
  const v4 = recordsOf(a, 'A').filter((x) => x.name === name).map((x) => x.address);
  const v6 = answered(aaaa) ? recordsOf(aaaa, 'AAAA').filter((x) => x.name === name).map((x) => x.address) : [];
  const evidence = [seen(a), ...(v6.length > 0 ? [seen(aaaa)] : [])].join('\n');
  if (v4.length === 0 && v6.length === 0) {
    // the usual slip: the name made under the host name (mta-sts.mail.example.org)
    const underHost = `${name.split('.')[0]}.${host}`;
    const slip = host === normalizeName(input.answers.domain) ? undefined : await input.lookup.ask(underHost, 'A');
    const found = slip && (recordsOf(slip, 'A').length > 0 || recordsOf(slip, 'CNAME').length > 0);
    return [
      finding(check, status, `no ${name}: ${found ? `found at ${underHost}, must be at ${name}` : a.kind === 'nxdomain' ? 'the name does not exist' : 'the name has no address'}; ${why}`, {
        evidence: found ? `${evidence}\n${seen(slip)}` : evidence,
        fix: publish(exp),
      }),
    ];
  }
  const wrong4 = v4.filter((ip) => !sameIp(ip, input.answers.ipv4));
  const wrong6 = v6.filter((ip) => !input.answers.ipv6 || !sameIp(ip, input.answers.ipv6));
  if (wrong4.length > 0 || wrong6.length > 0 || v4.length === 0) {
    const deletes = [
      ...(wrong4.length > 0 ? [`delete the A record(s) ${wrong4.join(', ')} of ${name} unless they are this server too`] : []),
      ...(wrong6.length > 0 ? [`delete the AAAA record(s) ${wrong6.join(', ')} of ${name} unless they are this server too`] : []),
    ];
    const rest = [...v4, ...v6].filter((ip) => !wrong4.includes(ip) && !wrong6.includes(ip));
    // a CNAME cannot sit beside addresses (RFC 1034 §3.6.2): when every address goes, the CNAME comes
    const then = rest.length === 0 ? `; then ${publish(exp)}` : '';
    return [
      finding(check, status, `${name} has the address(es) ${[...wrong4, ...wrong6].join(', ') || 'of IPv6 only'}, not this server (${input.answers.ipv4}): ${why}`, {
        evidence,
        fix: `${deletes.join('; ') || `give ${name} the A record ${input.answers.ipv4}`}${then}`,
      }),
    ];
  }
  if (input.answers.ipv6 && v6.length === 0) {
    return [
      finding(check, 'warn', `${name} has this server's IPv4 address but no AAAA: IPv6-only senders and clients cannot reach it`, {
        evidence,
        fix: `delete the A record(s) ${v4.join(', ')} of ${name}; then ${publish(exp)} (it follows both addresses of ${host})`,
      }),
    ];
  }
  return [finding(check, 'pass', `${name} has this server's address(es) (${[...v4, ...v6].join(', ')}); a CNAME to ${host} would follow it when it moves`, { evidence })];
}
