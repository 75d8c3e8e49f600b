/**
 * A test CA and the certificates the HTTPS checks meet: good, expired, for another name, and from
 * a CA nobody trusts. Keys from node's crypto, certificates signed with node-forge.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface Pem {
  cert: string;
  key: string;
}

function keyPair(): { forgePublic: forge.pki.PublicKey; forgePrivate: forge.pki.rsa.PrivateKey; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { forgePublic: forge.pki.publicKeyFromPem(pubPem), forgePrivate: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, keyPem };
}

let serial = 1;
const DAY = 86_400_000;

interface Issuer {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

export interface TestCa extends Pem {
  issue(names: string[], opts?: { expired?: boolean }): Pem;
}

export function makeCa(cn: string): TestCa {
  const kp = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = kp.forgePublic;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY);
  const subject = [{ name: 'commonName', value: cn }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(kp.forgePrivate, forge.md.sha256.create());
  const issuer: Issuer = { cert, key: kp.forgePrivate };
  return { cert: forge.pki.certificateToPem(cert), key: kp.keyPem, issue: (names, opts) => issue(issuer, names, opts) };
}

function issue(ca: Issuer, names: string[], opts: { expired?: boolean } = {}): Pem {
  const kp = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = kp.forgePublic;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - (opts.expired ? 30 : 1) * DAY);
  cert.validity.notAfter = new Date(Date.now() + (opts.expired ? -DAY : 90 * DAY));
  cert.setSubject([{ name: 'commonName', value: names[0]! }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: kp.keyPem };
}
