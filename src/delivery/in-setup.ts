/**
 * The delivery checks in setup's final verification (and `check --send-test`): run once the test
 * messages arrived, with the defaults and the run's --nameserver. What they find is mostly outside
 * the box (the provider's port 25 block and PTRs, a blocklist): shown as warnings with their fix,
 * so a finished setup is not reported as a broken one; `check delivery` fails on them.
 */
import type { Context, Finding } from '../engine/types.js';
import { deliveryReport } from './options.js';

export async function receiverView(ctx: Context): Promise<Finding[]> {
  if (ctx.host.kind === 'recorder' || ctx.dns.offline) return [];
  const report = await deliveryReport({ ...ctx, nameservers: ctx.dns.nameservers }, { probe: [], dnsbl: [], dnsblDomain: [] });
  return report.checks.map(({ id, ...f }) => ({
    ...f,
    check: `delivery.${id}`,
    status: f.status === 'fail' ? 'warn' : f.status,
    ...(f.status === 'fail' ? { summary: `${f.summary} (\`mail-wizard check delivery\` fails on this)` } : {}),
  }));
}
