/**
 * `banner`: what a receiver checks on the connection itself: the SMTP greeting and the EHLO name
 * are the host name, the PTR of each public address is the host name, and the host name resolves
 * back to that address (forward-confirmed reverse DNS).
 */
import type { Finding } from '../engine/types.js';
import type { DeliveryCheck } from './index.js';
import { connectToServer, finding, NOT_PROBED, reverseDns } from './common.js';

const ID = 'banner';

/**
 * The name smtpd gives in its own EHLO when it sends (what the receiver checks against the PTR):
 * the `helo` of smtpd.conf's relay actions (smtpd.conf(5): "helo heloname"); without one, smtpd
 * says the machine's name. null when smtpd.conf cannot be read.
 */
export function outgoingHelo(conf: string): string[] | null {
  const actions = conf.split('\n').filter((l) => /^\s*action\s+\S+\s+relay\b/.test(l.replace(/#.*$/, '')));
  return actions.map((l) => /\shelo\s+"?([^"\s]+)"?/.exec(l)?.[1]?.replace(/\.$/, '').toLowerCase() ?? '');
}

/** The name a greeting or EHLO reply announces: the word after the code. */
function announced(line: string | undefined): string {
  return (/^\d{3}[- ](\S+)/.exec(line ?? '')?.[1] ?? '').replace(/\.$/, '').toLowerCase();
}

export const bannerCheck: DeliveryCheck = {
  id: ID,
  async run(ctx) {
    const host = ctx.answers.hostname.replace(/\.$/, '').toLowerCase();
    const out: Finding[] = [];
    const smtpFix = `smtpd.conf names the host in each listener ("hostname ${host}") and in the relay ("helo ${host}"): \`mail-wizard repair\` writes it, then restart smtpd.`;
    const { result, address, note } = await connectToServer(ctx, { port: 25, protocol: 'smtp', ehlo: host });
    if (result.notProbed) out.push(finding(ID, 'warn', NOT_PROBED));
    else if (!result.ok) {
      out.push(finding(ID, 'fail', `no SMTP greeting and EHLO on ${address}:25`, { evidence: [result.error, note].filter(Boolean).join('\n'), fix: 'See the services check: smtpd must listen on port 25.' }));
    } else {
      const greeting = announced(result.greeting);
      const ehlo = announced(result.ehlo?.[0]);
      const evidence = [result.greeting, ...(result.ehlo ?? []), note].filter(Boolean).join('\n');
      const wrong = [greeting !== host ? `the greeting names ${greeting || 'nothing'}` : '', ehlo !== host ? `the EHLO reply names ${ehlo || 'nothing'}` : ''].filter(Boolean);
      if (wrong.length) out.push(finding(ID, 'fail', `${wrong.join(' and ')}, not ${host}`, { evidence, fix: smtpFix }));
      else out.push(finding(ID, 'pass', `the SMTP greeting and EHLO name are ${host}`, { evidence }));
    }
    const conf = await ctx.host.readFile(ctx.platform.paths.smtpdConf);
    const helos = conf === null ? null : outgoingHelo(conf);
    if (helos && helos.some((h) => h !== '' && h !== host)) {
      out.push(
        finding(ID, 'fail', `smtpd sends mail saying EHLO ${helos.find((h) => h !== '' && h !== host)}, not ${host}`, {
          evidence: `${ctx.platform.paths.smtpdConf}: ${conf!.split('\n').filter((l) => /^\s*action\s+\S+\s+relay\b/.test(l)).join(' | ')}`,
          fix: smtpFix,
        }),
      );
    } else if (helos && helos.includes(host)) {
      out.push(finding(ID, 'pass', `smtpd sends mail saying EHLO ${host} (${ctx.platform.paths.smtpdConf})`));
    }
    const ips = [ctx.answers.ipv4, ...(ctx.answers.ipv6 ? [ctx.answers.ipv6] : [])];
    for (const ip of ips) {
      const r = await reverseDns(ctx.dns, ip, host);
      if (r.ok) out.push(finding(ID, 'pass', `reverse DNS: ${r.text}`, { evidence: r.evidence }));
      else if (r.unknown) out.push(finding(ID, 'warn', r.text, { evidence: r.evidence, fix: 'Check again; see the resolver check.' }));
      else {
        out.push(
          finding(ID, 'fail', `${r.text}: receivers reject or junk mail whose address does not name the host`, {
            evidence: r.evidence,
            fix: `Ask whoever owns ${ip} (your hosting provider's panel, "reverse DNS", or a ticket) to set its PTR to ${host}, and publish ${host}. ${ip.includes(':') ? 'AAAA' : 'A'} ${ip}.`,
          }),
        );
      }
    }
    return out;
  },
};
