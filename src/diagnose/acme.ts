/**
 * ACME (acme-client on OpenBSD, certbot on Debian) fails the HTTP-01 challenge: the CA fetches
 * http://HOST/.well-known/acme-challenge/... from the address HOST's A record names, on port 80.
 * Likely causes: the A record points elsewhere (or is missing), another web server holds port 80
 * (certbot --standalone must bind it), or a firewall drops port 80 (certbot: "Timeout during
 * connect (likely firewall problem)").
 */
import type { Context, Finding } from '../engine/types.js';
import { query, recordsOf } from '../dns/client.js';
import { parseNameserverArgs, parseResolvConf } from '../dns/discovery.js';
import { RESOLV_CONF, listenersOn, who } from './probes.js';
import type { Cause, CauseEntry } from './types.js';

const ACME_TEXT = /acme|challenge|certbot|letsencrypt|let's encrypt|urn:ietf:params|unauthorized|timeout during connect|likely firewall|problem binding to port 80|could not bind tcp port 80/i;
/** ACME failures that are not about reaching this box (rate limits, CAA, a refused name). */
const OTHER_REASON = /rate ?limit|too many|caa|rejectedIdentifier|badNonce|account|not found: certbot|command not found/i;
const FIREWALL_TEXT = /timeout during connect|likely firewall|connection (?:refused|timed out)|connect(?:ion)? timeout/i;

/** The A records of the host name, from the servers the run was told to ask, else the resolver. */
async function hostAddresses(ctx: Context): Promise<{ addresses: string[]; asked: string } | null> {
  const given = parseNameserverArgs(ctx.dns.nameservers).specs.filter((s) => /^[\d.:a-f]+$/i.test(s.host));
  const rc = parseResolvConf((await ctx.host.readFile(RESOLV_CONF)) ?? '');
  const servers = given.length ? given : rc.nameservers;
  for (const server of servers) {
    const r = await query(server, ctx.answers.hostname, 'A', { recursionDesired: given.length === 0, timeoutMs: 2500, retries: 1 });
    if (r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain') return { addresses: recordsOf(r, 'A').map((a) => a.address), asked: server.host };
  }
  return null;
}

export async function acmeTrouble(ctx: Context, f: Finding, text: string): Promise<Cause | null> {
  const host = ctx.answers.hostname;
  const ip = ctx.answers.ipv4;
  const a = await hostAddresses(ctx);
  if (a && !a.addresses.includes(ip)) {
    return {
      id: 'acme-a-record',
      cause: a.addresses.length
        ? `${host}'s A record points to ${a.addresses.join(', ')}, not to this server (${ip}): the CA fetches its challenge from there, so it never reaches this box.`
        : `${host} has no A record: the CA cannot find this server (${ip}) to fetch its challenge.`,
      fix: `Set the A record of ${host} to ${ip} at your DNS provider (mail-wizard records shows it), wait until \`mail-wizard check dns\` sees it, then retry.`,
    };
  }
  // certbot --standalone binds port 80 itself; on OpenBSD httpd (ours) serves the challenge.
  const ours = ctx.platform.name === 'openbsd' ? ['httpd'] : ['certbot', 'python3'];
  const holder = (await listenersOn(ctx, 80)).find((l) => !ours.includes(l.process));
  if (holder) {
    return {
      id: 'acme-port-80-held',
      cause: `Port 80 is held by ${who(holder)}, so ${ctx.platform.name === 'openbsd' ? 'httpd cannot serve' : 'certbot --standalone cannot answer'} the CA's challenge.`,
      fix: ctx.platform.name === 'openbsd'
        ? `Stop it (rcctl stop ${holder.process}; rcctl disable ${holder.process}) or serve /.well-known/acme-challenge/ from it out of /var/www/acme, then retry.`
        : `Stop it while the certificate is issued (systemctl stop ${holder.process}), or use certbot's webroot mode with that web server, then retry.`,
    };
  }
  // The A record is right and port 80 is free here: unless the CA named another reason, it could
  // not reach port 80 (the tool's first error line is all a finding keeps of its output).
  if (FIREWALL_TEXT.test(text) || (f.check === 'tls.apply' && !OTHER_REASON.test(text))) {
    return {
      id: 'acme-port-80-blocked',
      cause: `The CA could not connect to port 80 of ${ip} (${host}): a firewall drops it, on this box or at your provider.`,
      fix: `Let TCP port 80 in to ${ip}: ${ctx.platform.name === 'openbsd' ? 'pass in on egress proto tcp to port 80 in pf.conf (pfctl -f /etc/pf.conf)' : 'an accept rule for tcp dport 80 in nftables'}, and in your provider's firewall or security group; then retry.`,
    };
  }
  return null;
}

export const acmeChallenge: CauseEntry = {
  id: 'acme',
  matches: (f, text) => f.check.startsWith('tls.') && (ACME_TEXT.test(text) || f.check === 'tls.apply'),
  probe: (ctx, f, text) => (ctx.answers.tls.mode === 'acme' ? acmeTrouble(ctx, f, text) : Promise.resolve(null)),
};
