/**
 * Self-signed certificates must be readable by OpenSSL 3 every time. The serial used to be `0` +
 * 15 random bytes, which node-forge wrote with a needless leading zero about once in 256 draws;
 * OpenSSL then refuses the whole certificate ("illegal padding"), and so would smtpd. Seen in a
 * stack test under load, reproduced here at the same rate before the fix.
 */
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomSerialHex, selfSignedCertificatePem } from '../../src/tls/certificate.js';

describe('self-signed certificate serials', () => {
  it('are 16 bytes, positive, and need no leading zero (minimal DER INTEGER)', () => {
    for (let i = 0; i < 20_000; i++) {
      const hex = randomSerialHex();
      expect(hex).toMatch(/^[4-7][0-9a-f]{31}$/);
    }
  });

  it('1,000 certificates in a row are all readable by OpenSSL, with the serial they were given', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const unreadable: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const cert = selfSignedCertificatePem(pem, 'mail.example.org', [], 10);
      try {
        expect(new X509Certificate(cert).serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
      } catch (err) {
        unreadable.push((err as Error).message);
      }
    }
    expect(unreadable).toEqual([]);
  }, 120_000);
});
