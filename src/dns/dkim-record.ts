/**
 * DKIM key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463): parse the tag list, decode the key,
 * measure it, and compare it with the key this server signs with.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { sameSpki } from '../dkim/record.js';
import { hasLiteralQuotes, parseTagList, withoutQuotes, type Problem } from './problems.js';

export interface DkimRecord {
  tags: Map<string, string>;
  keyType: string;
  /** The p= value with blanks removed ('' = revoked). */
  publicKeyB64?: string;
  /** DER SubjectPublicKeyInfo (RSA) or the raw 32 bytes (ed25519), when p= decodes. */
  keyDer?: Buffer;
  keyBits?: number;
  revoked: boolean;
  testing: boolean;
  problems: Problem[];
}

export const DKIM_MIN_BITS = 1024;
export const DKIM_GOOD_BITS = 2048;

/** A TXT value that was meant as a DKIM key: worth checking even when broken. */
export function looksLikeDkim(value: string): boolean {
  const v = withoutQuotes(value);
  return /^v\s*=\s*DKIM1/i.test(v) || /(^|;)\s*p\s*=/.test(v) || /(^|;)\s*k\s*=/.test(v);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function rsaKey(der: Buffer): { key: KeyObject; form: 'spki' | 'pkcs1' } | null {
  try {
    return { key: createPublicKey({ key: der, format: 'der', type: 'spki' }), form: 'spki' };
  } catch {
    try {
      return { key: createPublicKey({ key: der, format: 'der', type: 'pkcs1' }), form: 'pkcs1' };
    } catch {
      return null;
    }
  }
}

export function parseDkimRecord(value: string): DkimRecord {
  const problems: Problem[] = [];
  const fail = (message: string, code: string): void => void problems.push({ severity: 'fail', message, code });
  const warn = (message: string, code: string): void => void problems.push({ severity: 'warn', message, code });
  const rec: DkimRecord = { tags: new Map(), keyType: 'rsa', revoked: false, testing: false, problems };

  if (hasLiteralQuotes(value)) {
    fail('the value contains literal quote characters ("): verifiers cannot read the key', 'quotes');
    value = withoutQuotes(value);
  }
  const { tags, bad } = parseTagList(value);
  for (const b of bad) fail(`"${b}" is not a tag=value pair`, 'syntax');
  for (const [name, v] of tags) {
    const key = name.toLowerCase();
    if (rec.tags.has(key)) fail(`the tag ${key}= appears twice (RFC 6376 §3.2)`, 'syntax');
    rec.tags.set(key, v);
  }
  const first = tags[0];
  const v = rec.tags.get('v');
  if (v !== undefined && (v !== 'DKIM1' || first?.[0].toLowerCase() !== 'v')) {
    fail(v !== 'DKIM1' ? `v=${v}: the version must be DKIM1` : 'v=DKIM1 must be the first tag', 'syntax');
  }
  const k = (rec.tags.get('k') ?? 'rsa').toLowerCase();
  rec.keyType = k;
  if (k !== 'rsa' && k !== 'ed25519') fail(`k=${k}: unknown key type (rsa or ed25519)`, 'key-type');
  if (k === 'ed25519') warn('k=ed25519 (RFC 8463) is not verified by every receiver; publish an RSA key too', 'ed25519');
  const t = rec.tags.get('t');
  if (t !== undefined && t.split(':').map((f) => f.trim().toLowerCase()).includes('y')) {
    rec.testing = true;
    warn('t=y: the key is in testing mode; verifiers may treat signed mail as unsigned', 'testing');
  }
  const h = rec.tags.get('h');
  if (h !== undefined && !h.split(':').some((a) => a.trim().toLowerCase() === 'sha256')) {
    fail(`h=${h}: the key does not allow sha256, the only hash verifiers accept (RFC 8301)`, 'hash');
  }
  const p = rec.tags.get('p');
  if (p === undefined) {
    fail('there is no p= tag (the public key)', 'no-key');
    return rec;
  }
  const b64 = p.replace(/\s+/g, '');
  rec.publicKeyB64 = b64;
  if (b64 === '') {
    rec.revoked = true;
    fail('p= is empty: the key is revoked (RFC 6376 §3.6.1)', 'revoked');
    return rec;
  }
  if (!BASE64.test(b64)) {
    fail(`p= is not valid base64 (${b64.length} characters${b64.length % 4 ? ', length not a multiple of 4: cut off?' : ''})`, 'malformed');
    return rec;
  }
  const der = Buffer.from(b64, 'base64');
  if (k === 'ed25519') {
    if (der.length !== 32) fail(`p= holds ${der.length} bytes; an ed25519 key is 32`, 'malformed');
    else {
      rec.keyDer = der;
      rec.keyBits = 256;
    }
    return rec;
  }
  const parsed = rsaKey(der);
  if (!parsed || parsed.key.asymmetricKeyType !== 'rsa') {
    fail('p= does not decode to an RSA public key (cut off or mangled when pasted?)', 'malformed');
    return rec;
  }
  if (parsed.form === 'pkcs1') {
    warn('p= is a bare RSAPublicKey; RFC 6376 wants SubjectPublicKeyInfo, which some verifiers require', 'pkcs1');
  }
  rec.keyDer = parsed.key.export({ type: 'spki', format: 'der' });
  const bits = parsed.key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined) {
    rec.keyBits = bits;
    if (bits < DKIM_MIN_BITS) fail(`the RSA key has ${bits} bits; verifiers reject keys under ${DKIM_MIN_BITS} (RFC 8301)`, 'weak');
    else if (bits < DKIM_GOOD_BITS) warn(`the RSA key has ${bits} bits; use ${DKIM_GOOD_BITS} (RFC 8301 §3.2)`, 'short');
  }
  return rec;
}

/** 'same' / 'different' from the local public (or private) key PEM; 'unknown' when either side is unreadable. */
export function compareDkimKey(rec: DkimRecord, localPem: string): 'same' | 'different' | 'unknown' {
  if (!rec.keyDer || rec.keyType !== 'rsa') return rec.keyDer ? 'different' : 'unknown';
  const same = sameSpki(rec.keyDer, localPem);
  return same === null ? 'unknown' : same ? 'same' : 'different';
}
