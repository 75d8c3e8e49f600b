/**
 * What this server needs published, derived from the answers (and the DKIM public key once setup
 * has made it). `records` prints these; the checks and the setup screen compare against them.
 */
import net from 'node:net';
import type { Answers } from '../answers/schema.js';
import { dkimRecordValue } from '../dkim/keys.js';
import { autoconfigHost, clientSrvNotOffered, clientSrvRecords, srvData } from '../published/autoconfig.js';
import { mtaStsHost, mtaStsMode, mtaStsTxt, mtaStsTxtName, servesWeb } from '../published/mta-sts.js';
import { TLSRPT_ALIAS, tlsRptName, tlsRptValue } from '../published/tls-rpt.js';
import { normalizeName } from './records.js';

export type ExpectedType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME' | 'SRV' | 'TLSA';

export interface ExpectedRecord {
  /** The check that looks at it. */
  check: 'a' | 'aaaa' | 'mx' | 'spf' | 'dkim' | 'dmarc' | 'ptr' | 'mta-sts' | 'tls-rpt' | 'srv' | 'autoconfig' | 'tlsa';
  /** Owner name, no trailing dot. */
  name: string;
  type: ExpectedType;
  /** Data in presentation form; for TXT the value itself, unquoted and unsplit. */
  value: string;
  ttl: number;
  /** Who publishes it: the mail domain's DNS, or the hosting provider (reverse DNS). */
  where: 'zone' | 'provider';
  /** One line for people: what the record is for. */
  note: string;
  /** The value is not known yet (DKIM before setup made the key). */
  placeholder?: boolean;
}

export const DEFAULT_TTL = 3600;

/**
 * SPF at the mail domain: `mx` rather than `ip4:`/`ip6:`. The server that receives for the domain
 * (the MX) is the one that sends, so `mx` stays right when the machine moves to a new address
 * (only the A/AAAA change) and costs one of the ten lookups. A single-sender domain that wants zero
 * lookups can use ip4:/ip6: instead; the spf check accepts either as long as our IPs pass.
 */
export const SPF_DOMAIN = 'v=spf1 mx -all';
/** SPF for the HELO name (RFC 7208 §2.3): the host itself, by its own A/AAAA. */
export const SPF_HELO = 'v=spf1 a -all';

export const DKIM_PLACEHOLDER = 'v=DKIM1; k=rsa; p=<PUBLIC-KEY: setup creates the DKIM key; run `mail-wizard records` again afterwards>';

export function dkimName(answers: Pick<Answers, 'dkimSelector' | 'domain'>): string {
  return `${answers.dkimSelector}._domainkey.${normalizeName(answers.domain)}`;
}

export function dmarcName(domain: string): string {
  return `_dmarc.${normalizeName(domain)}`;
}

/** DMARC per RFC 9989: no pct/rf/ri (removed); rua only when reports are wanted. */
export function dmarcValue(answers: Pick<Answers, 'dmarcPolicy' | 'dmarcReports'> & { domain?: string }): string {
  const parts = ['v=DMARC1', `p=${answers.dmarcPolicy}`];
  let rua = answers.dmarcReports?.trim().replace(/^mailto:/i, '');
  // a bare local user receives at the mail domain
  if (rua && !rua.includes('@') && answers.domain) rua = `${rua}@${normalizeName(answers.domain)}`;
  if (rua) parts.push(`rua=mailto:${rua}`);
  return parts.join('; ');
}

/** The full 32-nibble form of an IPv6 address. */
export function expandIPv6(ip: string): string {
  const [head = '', tail] = ip.toLowerCase().split('::');
  let headParts = head === '' ? [] : head.split(':');
  let tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  // an embedded IPv4 tail (::ffff:192.0.2.1) is two groups
  const fix = (parts: string[]): string[] =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [p];
      const o = p.split('.').map(Number);
      return [(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16), (((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)];
    });
  headParts = fix(headParts);
  tailParts = fix(tailParts);
  const missing = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** Two IP addresses are the same address (IPv6 in any spelling). */
export function sameIp(a: string, b: string): boolean {
  if (net.isIPv6(a) && net.isIPv6(b)) return expandIPv6(a) === expandIPv6(b);
  return a === b;
}

/** The PTR owner of an address: 10.2.0.192.in-addr.arpa / …ip6.arpa. */
export function reverseName(ip: string): string {
  if (net.isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (net.isIPv6(ip)) return `${expandIPv6(ip).replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`;
  throw new Error(`${ip} is not an IP address`);
}

export function expectedRecords(answers: Answers, dkimPublicKeyPem?: string, ttl = DEFAULT_TTL): ExpectedRecord[] {
  const domain = normalizeName(answers.domain);
  const host = normalizeName(answers.hostname);
  const out: ExpectedRecord[] = [
    { check: 'mx', name: domain, type: 'MX', value: `10 ${host}.`, ttl, where: 'zone', note: `mail for @${domain} goes to ${host}` },
    { check: 'a', name: host, type: 'A', value: answers.ipv4, ttl, where: 'zone', note: 'the server\'s address (MX target, HELO name)' },
  ];
  if (answers.ipv6) {
    out.push({ check: 'aaaa', name: host, type: 'AAAA', value: answers.ipv6, ttl, where: 'zone', note: 'the server\'s IPv6 address' });
  }
  out.push({ check: 'spf', name: domain, type: 'TXT', value: SPF_DOMAIN, ttl, where: 'zone', note: `SPF: the MX of ${domain} may send its mail` });
  if (host !== domain) {
    out.push({ check: 'spf', name: host, type: 'TXT', value: SPF_HELO, ttl, where: 'zone', note: `SPF for the HELO name ${host}` });
  }
  out.push(
    dkimPublicKeyPem
      ? { check: 'dkim', name: dkimName(answers), type: 'TXT', value: dkimRecordValue(dkimPublicKeyPem), ttl, where: 'zone', note: 'DKIM public key (rspamd signs with d=' + domain + ')' }
      : { check: 'dkim', name: dkimName(answers), type: 'TXT', value: DKIM_PLACEHOLDER, ttl, where: 'zone', note: 'DKIM public key: not made yet; setup creates it', placeholder: true },
  );
  out.push({ check: 'dmarc', name: dmarcName(domain), type: 'TXT', value: dmarcValue(answers), ttl, where: 'zone', note: `DMARC policy for mail from @${domain}` });
  out.push(...securityRecords(answers, ttl), ...clientRecords(answers, ttl));
  out.push({ check: 'ptr', name: reverseName(answers.ipv4), type: 'PTR', value: `${host}.`, ttl, where: 'provider', note: `reverse DNS of ${answers.ipv4}: set at your hosting provider` });
  if (answers.ipv6) {
    out.push({ check: 'ptr', name: reverseName(answers.ipv6), type: 'PTR', value: `${host}.`, ttl, where: 'provider', note: `reverse DNS of ${answers.ipv6}: set at your hosting provider` });
  }
  return out;
}

/**
 * The web names (mta-sts.<domain>, autoconfig.<domain>) as a CNAME to the host name, so they follow
 * the server when its address changes. None when the name is the host name itself (it has its own
 * A/AAAA, and a CNAME cannot sit beside them: RFC 1034 §3.6.2).
 */
export function webNameRecord(answers: Answers, check: 'mta-sts' | 'autoconfig', ttl = DEFAULT_TTL): ExpectedRecord | null {
  const domain = normalizeName(answers.domain);
  const host = normalizeName(answers.hostname);
  const name = check === 'mta-sts' ? mtaStsHost(domain) : autoconfigHost(domain);
  if (!servesWeb(answers) || name === host) return null;
  const note =
    check === 'mta-sts'
      ? `the MTA-STS policy is served at https://${name}/ (by this server)`
      : `mail clients (Thunderbird) fetch their settings from https://${name}/`;
  return { check, name, type: 'CNAME', value: `${host}.`, ttl, where: 'zone', note };
}

/** MTA-STS (the policy's name and its TXT, when on) and TLS-RPT (always). */
function securityRecords(answers: Answers, ttl: number): ExpectedRecord[] {
  const domain = normalizeName(answers.domain);
  const out: ExpectedRecord[] = [];
  const sts = mtaStsTxt(answers);
  const web = webNameRecord(answers, 'mta-sts', ttl);
  if (web) out.push(web);
  if (sts !== null) {
    out.push({ check: 'mta-sts', name: mtaStsTxtName(domain), type: 'TXT', value: sts, ttl, where: 'zone', note: `MTA-STS (${mtaStsMode(answers)}): senders must reach ${domain} over TLS; the id changes with the policy` });
  }
  out.push({ check: 'tls-rpt', name: tlsRptName(domain), type: 'TXT', value: tlsRptValue(domain), ttl, where: 'zone', note: `TLS-RPT: senders mail reports of failed TLS deliveries to ${TLSRPT_ALIAS}@${domain}` });
  return out;
}

/** Mail clients that configure themselves: RFC 6186 SRV records, and the autoconfig name when served. */
function clientRecords(answers: Answers, ttl: number): ExpectedRecord[] {
  const out: ExpectedRecord[] = [];
  const web = webNameRecord(answers, 'autoconfig', ttl);
  if (web) out.push(web);
  for (const srv of clientSrvRecords(answers)) {
    out.push({ check: 'srv', name: srv.name, type: 'SRV', value: srvData(srv), ttl, where: 'zone', note: `mail clients find ${srv.name.split('.')[0]!.slice(1)} at ${srv.target} port ${srv.port} (RFC 6186)` });
  }
  for (const srv of clientSrvNotOffered(answers)) {
    out.push({ check: 'srv', name: srv.name, type: 'SRV', value: srvData(srv), ttl, where: 'zone', note: `no ${srv.name.split('.')[0]!.slice(1)} here: "." tells mail clients not to try it (RFC 2782)` });
  }
  return out;
}
