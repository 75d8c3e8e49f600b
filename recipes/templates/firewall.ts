/**
 * The firewall: let in SSH on every port the admin's sshd uses (never lock the admin out), the mail
 * ports, and 80 when ACME needs it. The rules live in a place of their own, next to whatever else
 * the box has (docker, fail2ban, libvirt, the admin's own rules):
 *   - Debian: a table `inet mail_wizard`, replaced as a whole and nothing else touched (the way
 *     fail2ban keeps its own table: fail2ban/fail2ban config/action.d/nftables.conf); the system's
 *     /etc/nftables.conf includes our file from a marked block, so nftables.service loads it at boot.
 *   - OpenBSD: an anchor `mail-wizard` that pf.conf loads from a file of ours (pf.conf(5), ANCHORS:
 *     `anchor NAME` + `load anchor NAME from FILE`), added as a marked block at the end of the
 *     admin's pf.conf. Only a stock pf.conf (which passes everything) is replaced as a whole.
 */
import { insideBlock, withBlock, type BlockSpec } from '../lib/marked-block.js';
import { header, type TemplateInput } from './input.js';
import { servesWeb } from '../../src/published/mta-sts.js';
import type { Platform } from '../../src/platform/types.js';

export interface OpenPort {
  port: number;
  why: string;
}

export const NFT_TABLE = 'mail_wizard';
export const PF_ANCHOR = 'mail-wizard';

/** SSH when nothing better is known: sshd's default port. */
export const DEFAULT_SSH: OpenPort[] = [{ port: 22, why: 'SSH, so you keep your way in' }];

/**
 * SSH, the mail ports, then `kept` (other services that listen on a public address now); a port
 * is listed once, with the first reason that names it.
 */
export function openPorts({ answers, platform }: Pick<TemplateInput, 'answers'> & { platform?: Pick<Platform, 'name'> }, ssh: OpenPort[] = DEFAULT_SSH, kept: OpenPort[] = []): OpenPort[] {
  const ports: OpenPort[] = [
    ...ssh,
    { port: 25, why: 'SMTP from other mail servers' },
    { port: 143, why: 'IMAP with STARTTLS' },
    { port: 465, why: 'SMTP submission over TLS' },
    { port: 587, why: 'SMTP submission with STARTTLS' },
    { port: 993, why: 'IMAP over TLS' },
  ];
  if (answers.tls.mode === 'acme') ports.push({ port: 80, why: 'HTTP, for ACME certificate challenges' });
  if (servesWeb(answers)) {
    ports.push({ port: 443, why: 'HTTPS, for the MTA-STS policy and mail client autoconfig' });
    // Debian's nginx package enables its default site on port 80 (sites-enabled/default): the
    // next run would see it listening and keep it reachable, so the first run opens it too, and a
    // second setup changes nothing.
    if (platform?.name === 'debian') ports.push({ port: 80, why: 'HTTP (nginx: its default site, and ACME challenges)' });
  }
  ports.push(...kept);
  const seen = new Set<number>();
  return ports.filter((p) => !seen.has(p.port) && seen.add(p.port)).sort((a, b) => a.port - b.port);
}

function portComments(ports: OpenPort[]): string {
  return ports.map((p) => `#   ${String(p.port).padEnd(5)} ${p.why}`).join('\n');
}

/** What the loaded ruleset must show for each port (the nft listing, or the pf rule's label). */
export function loadedMarks(platform: Pick<Platform, 'name'>, ports: OpenPort[]): string[] {
  if (platform.name === 'openbsd') return ports.map((p) => `label "${PF_ANCHOR} ${p.port}"`);
  return ['ct state established,related accept', ...ports.map((p) => `tcp dport ${p.port} accept`)];
}

// --- Debian: nftables ---------------------------------------------------------------------------

/**
 * Our table, as a file that replaces it atomically: the first line makes the table if it is missing
 * (so the delete cannot fail), the second deletes it, the rest defines it anew; `nft -f` applies
 * the three as one transaction. No other table is named, so none is touched.
 */
export function renderNftRules(input: TemplateInput, ssh: OpenPort[] = DEFAULT_SSH, kept: OpenPort[] = []): string {
  const ports = openPorts(input, ssh, kept);
  const rules = ports.map((p) => `    tcp dport ${p.port} accept`).join('\n');
  return `#!/usr/sbin/nft -f
${header(input.platform.paths.firewallRules, `the mail server's nftables table (${NFT_TABLE})`)}
# Only the table inet ${NFT_TABLE} is replaced; other tables (docker, fail2ban, yours) stay as they are.
# Its input chain drops what it does not accept. It has no forward chain: what this box routes
# (containers, VMs) is for the tables that route it.
#
# Open ports:
${portComments(ports)}

table inet ${NFT_TABLE}
delete table inet ${NFT_TABLE}

table inet ${NFT_TABLE} {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif "lo" accept
    meta l4proto { icmp, ipv6-icmp } accept
${rules}
  }
}
`;
}

/** A table listing saved before a load, as a file that puts the table back as it was (or removes it). */
export function renderNftRevert(previous: string | null): string {
  const lines = [`table inet ${NFT_TABLE}`, `delete table inet ${NFT_TABLE}`];
  if (previous && previous.includes(`table inet ${NFT_TABLE}`)) lines.push(previous.trimEnd());
  return `${lines.join('\n')}\n`;
}

// --- OpenBSD: pf --------------------------------------------------------------------------------

/**
 * The rule lines of OpenBSD's stock /etc/pf.conf ($OpenBSD: pf.conf,v 1.55 2017/12/03, openbsd/src
 * etc/pf.conf): it passes everything, so replacing it takes nothing from the admin.
 */
const STOCK_PF_RULES = [
  'set skip on lo',
  'block return',
  'pass',
  'block return in on ! lo0 proto tcp to port 6000:6010',
  'block return out log proto {tcp udp} user _pbuild',
];

function ruleLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** pf.conf is the system's own (or missing, or already wholly ours): we may own it as a whole. */
export function pfConfIsOurs(current: string | null, platform: Pick<Platform, 'paths'>): boolean {
  if (current === null) return true;
  if (current.startsWith(`# ${platform.paths.firewallConf}: pf rules for a mail server`)) return true;
  const lines = ruleLines(current);
  return lines.length === STOCK_PF_RULES.length && lines.every((l, i) => l === STOCK_PF_RULES[i]);
}

function pfPassRules(ports: OpenPort[]): string {
  return ports.map((p) => `pass in proto tcp to port ${p.port} label "${PF_ANCHOR} ${p.port}"`).join('\n');
}

/** The whole pf.conf, for a box whose pf.conf was the stock one: block in, pass what mail needs. */
export function renderPfWhole(input: TemplateInput, ssh: OpenPort[] = DEFAULT_SSH, kept: OpenPort[] = []): string {
  const ports = openPorts(input, ssh, kept);
  return `${header(input.platform.paths.firewallConf, 'pf rules for a mail server')}
# It replaced the stock pf.conf (which passed everything). The stock file's own rules are kept.
#
# Open ports:
${portComments(ports)}

set skip on lo
block return log
pass out
${pfPassRules(ports)}
# ICMP that keeps the network working (path MTU discovery, IPv6 neighbour discovery).
pass in inet proto icmp icmp-type { echoreq unreach timex }
pass in inet6 proto icmp6

# From the stock pf.conf: no remote X11, no network for the port build user.
block return in on ! lo0 proto tcp to port 6000:6010
block return out log proto {tcp udp} user _pbuild
`;
}

/** The anchor's rules, for a pf.conf of the admin's: it only opens, the admin's policy decides the rest. */
export function renderPfAnchor(input: TemplateInput, ssh: OpenPort[] = DEFAULT_SSH, kept: OpenPort[] = []): string {
  const ports = openPorts(input, ssh, kept);
  return `${header(input.platform.paths.firewallRules, `pf rules of the anchor "${PF_ANCHOR}"`)}
# Loaded by the "${PF_ANCHOR}" block at the end of ${input.platform.paths.firewallConf}: the anchor
# comes last, so these passes win over an earlier block (pf: the last matching rule decides).
#
# Open ports:
${portComments(ports)}

${pfPassRules(ports)}
`;
}

// --- The block of ours in the system's firewall file -------------------------------------------

/** The block that makes the system's firewall file load our rules (a marked block: marked-block.ts). */
export function firewallBlock(platform: Pick<Platform, 'name' | 'paths'>): BlockSpec {
  return {
    what: `the mail server's rules (kept in ${platform.paths.firewallRules}); the rest of this file is yours`,
    lines:
      platform.name === 'openbsd'
        ? [`anchor "${PF_ANCHOR}"`, `load anchor "${PF_ANCHOR}" from "${platform.paths.firewallRules}"`]
        : [`include "${platform.paths.firewallRules}"`],
  };
}

/** The system's firewall file with our block in it; a missing nftables.conf starts as a script of nft. */
export function withFirewallBlock(platform: Pick<Platform, 'name' | 'paths'>, current: string | null): string {
  return withBlock(current ?? (platform.name === 'debian' ? '#!/usr/sbin/nft -f\n' : null), firewallBlock(platform));
}

/** Whether `current` holds our block exactly as wanted. */
export function hasFirewallBlock(platform: Pick<Platform, 'name' | 'paths'>, current: string | null): boolean {
  return insideBlock(current)?.join('\n') === firewallBlock(platform).lines.join('\n');
}
