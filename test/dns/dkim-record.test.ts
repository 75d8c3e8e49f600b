/** DKIM key records: table-driven parsing, key sizes, and the comparison with the local key. */
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { dkimRecordValue, spkiBase64 } from '../../src/dkim/keys.js';
import { compareDkimKey, looksLikeDkim, parseDkimRecord } from '../../src/dns/dkim-record.js';

function pair(bits: number): { pub: string; priv: string } {
  const k = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    pub: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

let k2048: { pub: string; priv: string };
let k1024: { pub: string; priv: string };
let k512: { pub: string; priv: string };
let other: { pub: string; priv: string };
let pkcs1: string;
let ed: string;

beforeAll(() => {
  k2048 = pair(2048);
  k1024 = pair(1024);
  k512 = pair(512);
  other = pair(2048);
  pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
  // an ed25519 DKIM key is the raw 32 bytes (RFC 8463), the tail of the SPKI
  ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
});

function status(value: string): string {
  const p = parseDkimRecord(value).problems;
  if (p.some((x) => x.severity === 'fail')) return 'fail';
  return p.length ? 'warn' : 'pass';
}

describe('parseDkimRecord', () => {
  it.each<[string, () => string, string, string?]>([
    ['our own record (dkimRecordValue)', () => dkimRecordValue(k2048.pub), 'pass'],
    ['no v=, minimal', () => `p=${spkiBase64(k2048.pub)}`, 'pass'],
    ['FWS inside p= (as some panels split it)', () => `v=DKIM1; k=rsa; p=${spkiBase64(k2048.pub).replace(/(.{60})/g, '$1 ')}`, 'pass'],
    ['trailing semicolon, h=sha256, s=email', () => `v=DKIM1; h=sha256; k=rsa; s=email; p=${spkiBase64(k2048.pub)};`, 'pass'],
    ['1024-bit key', () => dkimRecordValue(k1024.pub), 'warn', '1024 bits; use 2048'],
    ['512-bit key', () => dkimRecordValue(k512.pub), 'fail', '512 bits; verifiers reject keys under 1024'],
    ['revoked (empty p=)', () => 'v=DKIM1; k=rsa; p=', 'fail', 'revoked'],
    ['no p=', () => 'v=DKIM1; k=rsa', 'fail', 'no p= tag'],
    ['cut off when pasted', () => dkimRecordValue(k2048.pub).slice(0, 200), 'fail', 'not valid base64'],
    ['base64 but not a key', () => 'v=DKIM1; p=SGVsbG8gd29ybGQ=', 'fail', 'does not decode to an RSA public key'],
    ['wrong version', () => `v=DKIM2; p=${spkiBase64(k2048.pub)}`, 'fail', 'must be DKIM1'],
    ['v= not first', () => `k=rsa; v=DKIM1; p=${spkiBase64(k2048.pub)}`, 'fail', 'must be the first tag'],
    ['duplicate tag', () => `v=DKIM1; k=rsa; k=rsa; p=${spkiBase64(k2048.pub)}`, 'fail', 'appears twice'],
    ['literal quotes', () => `"${dkimRecordValue(k2048.pub)}"`, 'fail', 'literal quote characters'],
    ['not a tag list', () => `v=DKIM1; rsa; p=${spkiBase64(k2048.pub)}`, 'fail', 'is not a tag=value pair'],
    ['unknown key type', () => `v=DKIM1; k=dsa; p=${spkiBase64(k2048.pub)}`, 'fail', 'unknown key type'],
    ['sha1 only', () => `v=DKIM1; h=sha1; p=${spkiBase64(k2048.pub)}`, 'fail', 'does not allow sha256'],
    ['testing mode', () => `v=DKIM1; t=y; p=${spkiBase64(k2048.pub)}`, 'warn', 'testing mode'],
    ['PKCS#1 instead of SPKI', () => `v=DKIM1; p=${pkcs1}`, 'warn', 'bare RSAPublicKey'],
    ['ed25519', () => `v=DKIM1; k=ed25519; p=${ed}`, 'warn', 'not verified by every receiver'],
    ['ed25519 of the wrong length', () => 'v=DKIM1; k=ed25519; p=AAAA', 'fail', 'an ed25519 key is 32'],
  ])('%s → %s', (_name, value, want, words) => {
    const v = value();
    expect(status(v)).toBe(want);
    if (words) expect(parseDkimRecord(v).problems.map((p) => p.message).join('\n')).toContain(words);
  });

  it('measures the key', () => {
    expect(parseDkimRecord(dkimRecordValue(k2048.pub)).keyBits).toBe(2048);
    expect(parseDkimRecord(dkimRecordValue(k1024.pub)).keyBits).toBe(1024);
  });

  it.each([
    ['v=DKIM1; k=rsa; p=MIIB', true],
    ['"v=DKIM1; p="', true],
    ['k=rsa; p=abc', true],
    ['v=spf1 -all', false],
    ['google-site-verification=abc', false],
  ])('looksLikeDkim(%s) = %s', (v, want) => expect(looksLikeDkim(v)).toBe(want));
});

describe('compareDkimKey', () => {
  it('same key (public or private PEM), different key, unreadable', () => {
    const rec = parseDkimRecord(dkimRecordValue(k2048.pub));
    expect(compareDkimKey(rec, k2048.pub)).toBe('same');
    expect(compareDkimKey(rec, k2048.priv)).toBe('same');
    expect(compareDkimKey(rec, other.pub)).toBe('different');
    expect(compareDkimKey(rec, 'not a pem')).toBe('unknown');
    expect(compareDkimKey(parseDkimRecord('v=DKIM1; p='), k2048.pub)).toBe('unknown');
  });

  it('a PKCS#1 record of the same key still compares as the same key', () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = k.publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    const pem = k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(compareDkimKey(parseDkimRecord(`v=DKIM1; p=${der}`), pem)).toBe('same');
  });
});
