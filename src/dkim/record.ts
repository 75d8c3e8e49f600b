/**
 * DKIM TXT records beyond the key helpers: splitting a long value into the 255-byte
 * character-strings of one TXT record, and comparing a published key with the local one.
 */
import { createPublicKey } from 'node:crypto';

/** RFC 1035 §3.3: a character-string holds at most 255 bytes. */
export const TXT_STRING_MAX = 255;

/**
 * Splits a TXT value into strings of at most `max` bytes, never inside a UTF-8 sequence. Receivers
 * concatenate them without spaces (RFC 6376 §3.6.2.2, RFC 7208 §3.3), so the value is unchanged.
 */
export function splitTxtValue(value: string, max = TXT_STRING_MAX): string[] {
  if (max < 4) throw new Error('max must be at least 4 bytes');
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  if (current !== '' || out.length === 0) out.push(current);
  return out;
}

/** DER SubjectPublicKeyInfo of a PEM public (or private) key; null when it cannot be read. */
export function spkiDerFromPem(pem: string): Buffer | null {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
}

/** True when the DER key bytes of a record (SPKI) are the public half of the local key. */
export function sameSpki(recordDer: Buffer, localPem: string): boolean | null {
  const local = spkiDerFromPem(localPem);
  return local === null ? null : local.equals(recordDer);
}
