/**
 * The firewall: let in SSH (never lock the admin out), the mail ports, and 80 when ACME needs it;
 * drop the rest. pf on OpenBSD, nftables on Debian.
 */
import { header, type TemplateInput } from './input.js';

export interface OpenPort {
  port: number;
  why: string;
}

export function openPorts({ answers }: Pick<TemplateInput, 'answers'>): OpenPort[] {
  const ports: OpenPort[] = [
    { port: 22, why: 'SSH, so you keep your way in' },
    { port: 25, why: 'SMTP from other mail servers' },
    { port: 143, why: 'IMAP with STARTTLS' },
    { port: 465, why: 'SMTP submission over TLS' },
    { port: 587, why: 'SMTP submission with STARTTLS' },
    { port: 993, why: 'IMAP over TLS' },
  ];
  if (answers.tls.mode === 'acme') ports.push({ port: 80, why: 'HTTP, for ACME certificate challenges' });
  return ports.sort((a, b) => a.port - b.port);
}

export function renderFirewall(input: TemplateInput): string {
  return input.platform.name === 'openbsd' ? renderPf(input) : renderNftables(input);
}

function portComments(input: TemplateInput): string {
  return openPorts(input)
    .map((p) => `#   ${String(p.port).padEnd(4)} ${p.why}`)
    .join('\n');
}

function renderPf(input: TemplateInput): string {
  const ports = openPorts(input).map((p) => p.port).join(' ');
  return `${header(input.platform.paths.firewallConf, 'pf rules for a mail server')}
#
# Open ports:
${portComments(input)}

set skip on lo
block return log
pass out
pass in proto tcp to port { ${ports} }
# ICMP that keeps the network working (path MTU discovery, IPv6 neighbour discovery).
pass in inet proto icmp icmp-type { echoreq unreach timex }
pass in inet6 proto icmp6
`;
}

function renderNftables(input: TemplateInput): string {
  const ports = openPorts(input).map((p) => p.port).join(', ');
  return `#!/usr/sbin/nft -f
${header(input.platform.paths.firewallConf, 'nftables rules for a mail server')}
#
# Open ports:
${portComments(input)}

flush ruleset

table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif "lo" accept
    meta l4proto icmp accept
    meta l4proto ipv6-icmp accept
    tcp dport { ${ports} } accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
  }
  chain output {
    type filter hook output priority filter; policy accept;
  }
}
`;
}
