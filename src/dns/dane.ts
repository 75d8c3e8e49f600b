/**
 * DANE for SMTP (RFC 7672): the TLSA record `_25._tcp.<host>` that tells sending servers which key
 * the MX serves on port 25, offered only when the zone is signed and delegated securely (dnssec.ts).
 * The record is `3 1 1` (RFC 7671 §5.1: DANE-EE, the SubjectPublicKeyInfo, SHA-256): it names the
 * key, not the certificate, so it stays true across renewals that keep the key.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Answers } from '../answers/schema.js';
import type { Finding } from '../engine/types.js';
import { describeResult, recordsOf, serverLabel, type QueryResult } from './client.js';
import { DEFAULT_TTL, type ExpectedRecord } from './expected.js';
import { formatRecord, normalizeName, type RecordOf } from './records.js';
import { recordLine } from './zone-export.js';

export const DANE_PORT = 25;

export function tlsaName(hostname: string): string {
  return `_${DANE_PORT}._tcp.${normalizeName(hostname)}`;
}

/** The certificates of a PEM file (a fullchain: the leaf first). */
export function pemCertificates(text: string): X509Certificate[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}

function spkiDer(cert: X509Certificate): Buffer {
  return cert.publicKey.export({ type: 'spki', format: 'der' });
}

/** SHA-256 of the certificate's SubjectPublicKeyInfo, hex: the data of a `3 1 1` record. */
export function spkiSha256(cert: X509Certificate): string {
  return createHash('sha256').update(spkiDer(cert)).digest('hex');
}

/** The `3 1 1` value for the leaf of a PEM (null when it holds no certificate). */
export function tlsaValue(pem: string): string | null {
  const leaf = pemCertificates(pem)[0];
  return leaf ? `3 1 1 ${spkiSha256(leaf)}` : null;
}

export function tlsaRecord(answers: Pick<Answers, 'hostname'>, pem: string, ttl = DEFAULT_TTL): ExpectedRecord | null {
  const value = tlsaValue(pem);
  if (!value) return null;
  return {
    check: 'tlsa',
    name: tlsaName(answers.hostname),
    type: 'TLSA',
    value,
    ttl,
    where: 'zone',
    note: `DANE: the key ${normalizeName(answers.hostname)} serves on port 25 (3 1 1: SHA-256 of the public key; publish only in a DNSSEC-signed zone)`,
  };
}

type Tlsa = Pick<RecordOf<'TLSA'>, 'usage' | 'selector' | 'matchingType' | 'data'>;

/** The association data a certificate gives for a selector and matching type (null: unknown). */
function association(cert: X509Certificate, selector: number, matchingType: number): string | null {
  const bytes = selector === 0 ? cert.raw : selector === 1 ? spkiDer(cert) : null;
  if (!bytes) return null;
  if (matchingType === 0) return bytes.toString('hex');
  if (matchingType === 1) return createHash('sha256').update(bytes).digest('hex');
  if (matchingType === 2) return createHash('sha512').update(bytes).digest('hex');
  return null;
}

/**
 * Does a TLSA record match the chain a server shows (leaf first)? DANE-EE (3) matches the leaf,
 * DANE-TA (2) a certificate of the chain above it (RFC 7671 §5). PKIX usages (0, 1) are not for
 * SMTP (RFC 7672 §3.1.3) and never match here.
 */
export function tlsaMatches(t: Tlsa, chain: readonly X509Certificate[]): boolean {
  const candidates = t.usage === 3 ? chain.slice(0, 1) : t.usage === 2 ? chain.slice(1) : [];
  return candidates.some((c) => association(c, t.selector, t.matchingType) === t.data.toLowerCase());
}

export function tlsaText(t: Tlsa): string {
  return `${t.usage} ${t.selector} ${t.matchingType} ${t.data}`;
}

const F = (status: Finding['status'], summary: string, more: { evidence?: string; fix?: string } = {}): Finding => ({ status, check: 'tlsa', summary, ...more });

export interface LocalCertificate {
  path: string;
  pem: string;
}

/**
 * The `tlsa` findings for one server's answer (asked with the DO bit) in a zone that is signed and
 * delegated securely: the TLSA is there, signed, and matches the key of the certificate on disk.
 */
export function checkTlsaAnswer(r: QueryResult, answers: Pick<Answers, 'hostname'>, cert: LocalCertificate | undefined): Finding[] {
  const name = tlsaName(answers.hostname);
  if (r.kind !== 'answer' && r.kind !== 'nodata' && r.kind !== 'nxdomain') {
    return [F('warn', `could not check the TLSA at ${name}: ${serverLabel(r.server)} gave ${describeResult(r)}`, { fix: 'run the check again; if it persists, see the ns check' })];
  }
  const chain = cert ? pemCertificates(cert.pem) : [];
  const want = cert && chain[0] ? tlsaRecord(answers, cert.pem) : null;
  const publish = want ? `publish: ${recordLine(want)}` : 'setup makes the certificate; then run `mail-wizard records --dane` for the TLSA record';
  const tlsa = recordsOf(r, 'TLSA').filter((t) => t.name === name);
  const evidence = r.records.map(formatRecord).join('\n');
  if (tlsa.length === 0) {
    return [F('warn', `the zone is signed but has no TLSA at ${name}: sending servers cannot use DANE`, { fix: publish })];
  }
  if (!want) {
    return [F('warn', `the TLSA at ${name} cannot be compared: no certificate at ${cert?.path ?? 'its path'} yet`, { evidence, fix: publish })];
  }
  const local = `${cert!.path}: 3 1 1 ${spkiSha256(chain[0]!)}`;
  const matching = tlsa.filter((t) => tlsaMatches(t, chain));
  if (matching.length === 0) {
    return [
      F('fail', `the TLSA at ${name} (${tlsa.map(tlsaText).join('; ')}) does not match the key on this box (3 1 1 ${spkiSha256(chain[0]!)}): DANE senders will not deliver`, {
        evidence: `${evidence}\n${local}`,
        fix: `${publish}; serve that key (see tls.25 of \`mail-wizard check delivery\`), and remove the old TLSA once the new one has been published for a TTL`,
      }),
    ];
  }
  if (!recordsOf(r, 'RRSIG').some((s) => s.typeCovered === 'TLSA')) {
    return [
      F('fail', `the TLSA at ${name} has no signature (RRSIG): it was added without signing the zone again, and DANE senders treat it as bogus`, {
        evidence,
        fix: 'sign the zone again (ldns-signzone or dnssec-signzone, or your provider\'s signer) and reload the name server',
      }),
    ];
  }
  const others = tlsa.length - matching.length;
  return [F('pass', `${name}: ${tlsaText(matching[0]!)} matches the key in ${cert!.path}${others ? ` (and ${others} more record(s), such as the next key)` : ''}`, { evidence: `${evidence}\n${local}` })];
}

/** The records to publish: the expected ones, and the TLSA when the zone is secure and the certificate is on the box. */
export function withTlsa(records: ExpectedRecord[], opts: { answers: Pick<Answers, 'hostname'>; tlsCertificate?: LocalCertificate | undefined }, secure: boolean): ExpectedRecord[] {
  if (!secure || !opts.tlsCertificate) return records;
  const t = tlsaRecord(opts.answers, opts.tlsCertificate.pem);
  return t ? [...records, t] : records;
}
