/**
 * MTA-STS (RFC 8461): a policy, served over HTTPS at mta-sts.<domain>, that tells sending servers
 * to deliver to our MX only over TLS with a valid certificate; the TXT record at _mta-sts.<domain>
 * carries an id that changes whenever the policy does, so senders know to fetch it again.
 */
import { createHash } from 'node:crypto';
import type { Answers, MtaStsMode } from '../answers/schema.js';
import { normalizeName } from '../dns/records.js';

/**
 * Absent in the answers means `testing` (senders report failures through TLS-RPT but still
 * deliver), except with an existing certificate: that one is the admin's, mail-wizard cannot add
 * the web names to it, so MTA-STS waits until the answers ask for it.
 */
export function mtaStsMode(answers: MtaStsAnswers): MtaStsMode {
  return answers.mtaSts ?? (answers.tls.mode === 'existing' ? 'off' : 'testing');
}

/** What decides the mode: the answer itself, and the kind of certificate. */
export type MtaStsAnswers = Pick<Answers, 'mtaSts' | 'tls'>;

/** The web server (MTA-STS policy, mail client autoconfig) runs only when MTA-STS is on. */
export function servesWeb(answers: MtaStsAnswers): boolean {
  return mtaStsMode(answers) !== 'off';
}

export function mtaStsHost(domain: string): string {
  return `mta-sts.${normalizeName(domain)}`;
}

/** RFC 8461 §3.3: the policy's fixed place. */
export const MTA_STS_PATH = '/.well-known/mta-sts.txt';

/** One week: long enough to protect between fetches, short enough to move the MX (RFC 8461 §3.2 allows up to a year). */
export const MTA_STS_MAX_AGE = 604800;

/** The policy file, CRLF lines as RFC 8461 §3.2 writes them; null when MTA-STS is off. */
export function mtaStsPolicy(answers: MtaStsAnswers & Pick<Answers, 'hostname'>): string | null {
  const mode = mtaStsMode(answers);
  if (mode === 'off') return null;
  return ['version: STSv1', `mode: ${mode}`, `mx: ${normalizeName(answers.hostname)}`, `max_age: ${MTA_STS_MAX_AGE}`, ''].join('\r\n');
}

/**
 * The id of a policy: 20 hex digits of its SHA-256 (RFC 8461 §3.1: 1–32 alphanumerics). Any change
 * to the policy changes it; the same policy always has the same id, so a rerun never makes senders
 * fetch again for nothing.
 */
export function mtaStsId(policy: string): string {
  return createHash('sha256').update(policy).digest('hex').slice(0, 20);
}

export function mtaStsTxtName(domain: string): string {
  return `_mta-sts.${normalizeName(domain)}`;
}

/** The TXT value at _mta-sts.<domain>; null when MTA-STS is off. */
export function mtaStsTxt(answers: MtaStsAnswers & Pick<Answers, 'hostname'>): string | null {
  const policy = mtaStsPolicy(answers);
  return policy === null ? null : `v=STSv1; id=${mtaStsId(policy)}`;
}

export interface ParsedPolicy {
  version?: string;
  mode?: string;
  mx: string[];
  maxAge?: number;
  /** Lines that are not `key: value`. */
  bad: string[];
}

/** A fetched policy file, read as senders read it (RFC 8461 §3.2: key: value lines, CRLF or LF). */
export function parsePolicy(text: string): ParsedPolicy {
  const out: ParsedPolicy = { mx: [], bad: [] };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([A-Za-z0-9_]+)\s*:\s*(.*)$/.exec(line);
    if (!m) {
      out.bad.push(line);
      continue;
    }
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'version') out.version = value;
    else if (key === 'mode') out.mode = value;
    else if (key === 'mx') out.mx.push(value.toLowerCase());
    else if (key === 'max_age') out.maxAge = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  }
  return out;
}
