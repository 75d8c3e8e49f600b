/**
 * `resolver`: the box's own resolver answers, and answers the truth for the host name. A box that
 * cannot resolve cannot deliver (no MX lookups), and smtpd waits on it before greeting anyone.
 */
import type { Finding } from '../engine/types.js';
import { sameIp } from '../dns/expected.js';
import type { DeliveryCheck } from './index.js';
import { describeResult, finding, recordsOf } from './common.js';

const ID = 'resolver';
const FIX_SILENT =
  'Put a resolver that answers in /etc/resolv.conf ("nameserver ADDRESS": your provider\'s, or a local unbound on 127.0.0.1) and check it answers (dig @ADDRESS example.org).';

export const resolverCheck: DeliveryCheck = {
  id: ID,
  async run(ctx) {
    const host = ctx.answers.hostname;
    const wanted: { type: 'A' | 'AAAA'; ip: string }[] = [{ type: 'A', ip: ctx.answers.ipv4 }];
    if (ctx.answers.ipv6) wanted.push({ type: 'AAAA', ip: ctx.answers.ipv6 });
    const out: Finding[] = [];
    for (const { type, ip } of wanted) {
      const r = await ctx.host.resolve(host, type, { signal: ctx.signal, timeoutMs: Math.min(2000, ctx.connectTimeoutMs) });
      const where = `the box's resolver (${r.server.host === 'none' ? 'none' : `${r.server.host}${r.server.port === 53 ? '' : `:${r.server.port}`}`})`;
      const evidence = `${host} ${type} at ${where}: ${describeResult(r)}`;
      if (r.kind === 'error' && /not asked/.test(r.message)) {
        out.push(finding(ID, 'warn', `not checked: ${r.message}`));
      } else if (r.kind === 'timeout' || r.kind === 'error') {
        out.push(finding(ID, 'fail', `the box's resolver does not answer: it cannot look up MX hosts, and smtpd waits on it before greeting`, { evidence, fix: FIX_SILENT }));
      } else if (r.kind === 'servfail' || r.kind === 'refused') {
        out.push(finding(ID, 'fail', `the box's resolver refuses to look names up (${r.kind.toUpperCase()}): it is not a recursive resolver for this box`, { evidence, fix: FIX_SILENT }));
      } else {
        const got = recordsOf(r, type).map((x) => x.address);
        if (got.some((a) => sameIp(a, ip))) {
          out.push(finding(ID, 'pass', `the box's resolver answers: ${host} ${type} ${got.join(', ')}`, { evidence }));
        } else {
          const seen = got.length ? `${type} ${got.join(', ')}` : r.kind === 'nxdomain' ? 'no such name (NXDOMAIN)' : `no ${type} record`;
          out.push(
            finding(ID, 'fail', `the box's resolver says ${host} is ${seen}, not ${ip}`, {
              evidence,
              fix: `Publish ${host}. ${type} ${ip} (mail-wizard records); if it is published, the resolver serves an old or private answer: ask it to flush, or point /etc/resolv.conf at a resolver that sees the public DNS.`,
            }),
          );
        }
      }
    }
    return out;
  },
};
