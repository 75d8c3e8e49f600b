/**
 * Mail clients that configure themselves: Thunderbird's autoconfig file (served over HTTPS at
 * autoconfig.<domain>/mail/config-v1.1.xml, the "clientConfig" format of
 * https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat) and the RFC 6186 SRV
 * records. Both name the host and the ports the server really listens on: implicit TLS first
 * (RFC 8314), then STARTTLS; the password travels only inside TLS.
 */
import type { Answers } from '../answers/schema.js';
import { normalizeName } from '../dns/records.js';

export function autoconfigHost(domain: string): string {
  return `autoconfig.${normalizeName(domain)}`;
}

export const AUTOCONFIG_PATH = '/mail/config-v1.1.xml';

/** The ports clients use, with how TLS starts on each (the daemons' listeners in the templates). */
export const CLIENT_PORTS = {
  imaps: 993,
  imap: 143,
  submissions: 465,
  submission: 587,
} as const;

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function autoconfigXml(answers: Pick<Answers, 'domain' | 'hostname'>): string {
  const domain = xmlText(normalizeName(answers.domain));
  const host = xmlText(normalizeName(answers.hostname));
  const server = (kind: 'incomingServer type="imap"' | 'outgoingServer type="smtp"', port: number, socket: 'SSL' | 'STARTTLS'): string[] => [
    `    <${kind}>`,
    `      <hostname>${host}</hostname>`,
    `      <port>${port}</port>`,
    `      <socketType>${socket}</socketType>`,
    // the login is the local account: user@domain's "user" (dovecot and smtpd accept either form)
    '      <username>%EMAILLOCALPART%</username>',
    '      <authentication>password-cleartext</authentication>',
    `    </${kind.split(' ')[0]}>`,
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${domain}">`,
    `    <domain>${domain}</domain>`,
    `    <displayName>${domain}</displayName>`,
    `    <displayShortName>${domain}</displayShortName>`,
    ...server('incomingServer type="imap"', CLIENT_PORTS.imaps, 'SSL'),
    ...server('incomingServer type="imap"', CLIENT_PORTS.imap, 'STARTTLS'),
    ...server('outgoingServer type="smtp"', CLIENT_PORTS.submissions, 'SSL'),
    ...server('outgoingServer type="smtp"', CLIENT_PORTS.submission, 'STARTTLS'),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}

export interface ClientSrv {
  /** _submissions._tcp.<domain> and so on. */
  name: string;
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/**
 * RFC 6186 §3: one SRV record per service at the mail domain. RFC 6186 §3.4 and RFC 8314 §5.1:
 * clients compare the priority across the TLS and STARTTLS forms of a service and try the lowest
 * first, so implicit TLS gets 0 and STARTTLS 10.
 */
export function clientSrvRecords(answers: Pick<Answers, 'domain' | 'hostname'>): ClientSrv[] {
  const domain = normalizeName(answers.domain);
  const target = normalizeName(answers.hostname);
  const srv = (service: keyof typeof CLIENT_PORTS, priority: number): ClientSrv => ({ name: `_${service}._tcp.${domain}`, priority, weight: 1, port: CLIENT_PORTS[service], target });
  return [srv('submissions', 0), srv('submission', 10), srv('imaps', 0), srv('imap', 10)];
}

/**
 * The services the server does not offer: POP3 (RFC 6186 §3.3 names _pop3 and _pop3s). An SRV
 * with the target "." says so (RFC 2782; RFC 6186 §4), so clients do not guess and try it.
 */
export function clientSrvNotOffered(answers: Pick<Answers, 'domain'>): ClientSrv[] {
  const domain = normalizeName(answers.domain);
  return ['pop3s', 'pop3'].map((service) => ({ name: `_${service}._tcp.${domain}`, priority: 0, weight: 0, port: 0, target: '' }));
}

/** An SRV's data in presentation form: "0 1 465 mail.example.org." (the root target prints as "."). */
export function srvData(r: Pick<ClientSrv, 'priority' | 'weight' | 'port' | 'target'>): string {
  return `${r.priority} ${r.weight} ${r.port} ${r.target}.`;
}
