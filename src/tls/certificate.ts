/** Self-signed X.509 certificates with node-forge, for tests and for boxes without ACME. */
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * A random positive serial of 16 bytes (RFC 5280 §4.1.2.2), in its minimal DER form: the top bit
 * clear (positive) and the next one set, so no leading zero byte is ever needed. node-forge writes
 * the bytes as they are, and OpenSSL 3 refuses an INTEGER with a needless leading zero ("illegal
 * padding"): the former `0` + 15 random bytes made about one certificate in 256 unreadable.
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export function selfSignedCertificatePem(privateKeyPem: string, hostname: string, altNames: string[], days: number): string {
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  cert.serialNumber = randomSerialHex();
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  const subject = [{ name: 'commonName', value: hostname }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [hostname, ...altNames].map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
