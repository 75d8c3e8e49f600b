/**
 * `ipv6-ptr`: a box with a global IPv6 address sends to IPv6 receivers from it (smtpd's relay picks
 * no source address), and Gmail rejects mail from an IPv6 address without a matching PTR. The
 * addresses come from the box itself, not only from the answers: a provider may have given it one
 * nobody wrote down.
 */
import net from 'node:net';
import type { Finding } from '../engine/types.js';
import { sameIp } from '../dns/expected.js';
import type { DeliveryCheck, DeliveryContext } from './index.js';
import { finding, reverseDns } from './common.js';

const ID = 'ipv6-ptr';

/** Global unicast: not loopback, link-local (fe80::/10) or unique-local (fc00::/7), which no receiver sees. */
function isGlobal(ip: string): boolean {
  const first = parseInt(ip.split(':')[0] || '0', 16);
  return net.isIPv6(ip) && !sameIp(ip, '::1') && (first & 0xffc0) !== 0xfe80 && (first & 0xfe00) !== 0xfc00 && first !== 0;
}

/** The global IPv6 addresses in `ip -6 addr` or `ifconfig` output. */
export function globalIpv6In(output: string): string[] {
  return [...output.matchAll(/\binet6\s+([0-9a-fA-F:]+)(?=[/%\s]|$)/g)].map((m) => m[1]!.toLowerCase()).filter(isGlobal);
}

/**
 * The box's IPv6 addresses. Debian: `ip -6 -o addr show scope global` (iproute2) prints
 * "2: eth0    inet6 2001:db8::25/64 scope global ...". OpenBSD: `ifconfig -a` prints
 * "\tinet6 2001:db8::25 prefixlen 64" per address, the address numeric from getnameinfo (a
 * link-local one with its scope, fe80::1%em0): openbsd/src sbin/ifconfig/ifconfig.c, in6_alias().
 */
export async function boxIpv6(ctx: DeliveryContext): Promise<{ addresses: string[]; evidence: string }> {
  const argv = ctx.platform.name === 'openbsd' ? ['ifconfig', '-a'] : ['ip', '-6', '-o', 'addr', 'show', 'scope', 'global'];
  const r = await ctx.host.run(argv, { timeoutMs: 10_000, readOnly: true });
  if (r.exitCode !== 0) return { addresses: [], evidence: `${argv.join(' ')}: ${r.notFound ? 'not found' : r.recorded ? 'not run (dry-run)' : `exit ${r.exitCode}`}` };
  const found = globalIpv6In(r.stdout);
  return { addresses: [...new Set(found)], evidence: `${argv.join(' ')}: ${found.length ? found.join(', ') : 'no global IPv6 address'}` };
}

export const ipv6PtrCheck: DeliveryCheck = {
  id: ID,
  async run(ctx) {
    const host = ctx.answers.hostname.replace(/\.$/, '').toLowerCase();
    const box = await boxIpv6(ctx);
    const addresses = [...box.addresses];
    if (ctx.answers.ipv6 && !addresses.some((a) => sameIp(a, ctx.answers.ipv6!))) addresses.push(ctx.answers.ipv6);
    if (addresses.length === 0) return finding(ID, 'pass', 'no global IPv6 address: mail leaves over IPv4', { evidence: box.evidence });
    const out: Finding[] = [];
    for (const ip of addresses) {
      const r = await reverseDns(ctx.dns, ip, host);
      const evidence = `${box.evidence}\n${r.evidence}`;
      if (r.ok) out.push(finding(ID, 'pass', `${r.text}: mail sent over IPv6 has a matching PTR`, { evidence }));
      else if (r.unknown) out.push(finding(ID, 'warn', r.text, { evidence, fix: 'Check again; see the resolver check.' }));
      else {
        out.push(
          finding(ID, 'fail', `${r.text}; smtpd may send from it, and Gmail rejects mail from an IPv6 address without a matching PTR`, {
            evidence,
            fix: [
              `1. Ask your hosting provider (panel: "reverse DNS", or a ticket) to set the PTR of ${ip} to ${host}, and publish ${host}. AAAA ${ip}.`,
              `2. Or send over IPv4 only: smtpd.conf's relay action with the IPv4 source, action "outbound" relay src ${ctx.answers.ipv4} helo ${host}.`,
            ].join('\n'),
          }),
        );
      }
    }
    return out;
  },
};
