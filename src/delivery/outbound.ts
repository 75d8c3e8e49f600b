/**
 * `outbound-25`: a connection from the box to each probe (by default the MX hosts of two large
 * receivers) on port 25 gets a 220 greeting in time. Many hosting providers block outbound 25 on
 * new servers; then nothing the box sends ever leaves, and nothing on the box says why.
 */
import net from 'node:net';
import type { DeliveryCheck, Endpoint } from './index.js';
import { describeResult, finding, recordsOf } from './common.js';

const ID = 'outbound-25';

/** gmail.com's and outlook.com's MX hosts (`dig MX gmail.com`, `dig MX outlook.com`). */
export const DEFAULT_PROBES: readonly Endpoint[] = [
  { host: 'gmail-smtp-in.l.google.com', port: 25 },
  { host: 'outlook-com.olc.protection.outlook.com', port: 25 },
];

function label(e: Endpoint): string {
  return `${net.isIPv6(e.host) ? `[${e.host}]` : e.host}:${e.port}`;
}

export const RELAY_FIX =
  'or send through a relay host that accepts this server\'s mail without a login (your provider\'s smarthost): set "relayHost": "HOST:PORT" in the answers and run `mail-wizard repair`; smtpd.conf then relays outgoing mail through it (STARTTLS required)';

export const outboundCheck: DeliveryCheck = {
  id: ID,
  async run(ctx) {
    if (ctx.probes.length === 0) return finding(ID, 'warn', 'not checked: no --probe given');
    const tries = await Promise.all(
      ctx.probes.map(async (p) => {
        let address = p.host;
        if (!net.isIP(p.host)) {
          const r = await ctx.host.resolve(p.host, 'A', { signal: ctx.signal });
          const a = recordsOf(r, 'A')[0]?.address;
          if (!a) return { p, resolved: false, line: `${label(p)}: the box's resolver gave no address (${describeResult(r)})` };
          address = a;
        }
        const c = await ctx.host.connect({ host: address, port: p.port, protocol: 'smtp', timeoutMs: ctx.connectTimeoutMs, signal: ctx.signal });
        const via = address === p.host ? '' : ` (${address})`;
        if (c.notProbed) return { p, resolved: true, notProbed: true, line: `${label(p)}: ${c.error}` };
        return { p, resolved: true, greeted: c.ok, line: c.ok ? `${label(p)}${via}: ${c.greeting} (${c.elapsedMs} ms)` : `${via ? `${label(p)}${via} → ` : ""}${c.error}` };
      }),
    );
    const evidence = tries.map((t) => t.line).join('\n');
    if (tries.some((t) => t.notProbed)) return finding(ID, 'warn', 'not checked: a dry-run of a fresh box', { evidence });
    const greeted = tries.filter((t) => t.greeted);
    if (greeted.length > 0) {
      return finding(ID, 'pass', `outbound port 25 is open: ${greeted.map((t) => label(t.p)).join(', ')} greeted`, { evidence });
    }
    if (!tries.some((t) => t.resolved)) {
      return finding(ID, 'warn', 'could not check: no probe host resolved (see the resolver check)', { evidence, fix: 'Fix the box\'s resolver first, then check again.' });
    }
    return finding(ID, 'fail', 'no probe greeted on port 25: the hosting provider most likely blocks outbound port 25, so mail from this box never leaves', {
      evidence,
      fix: `Ask your hosting provider to lift the block on outbound port 25 (many do on request, for a server with a matching PTR); ${RELAY_FIX}`,
    });
  },
};
