/**
 * DKIM keys with node-forge: generation, the public half, and the TXT record value
 * (RFC 6376: v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>).
 */
import type forgeModule from 'node-forge';

/** node-forge (large) is loaded when a key is made or read, not by every command that shows a record. */
async function loadForge(): Promise<typeof forgeModule> {
  return (await import('node-forge')).default;
}

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Generates an RSA key pair (async: forge uses its prime workers-less path without blocking too long). */
export async function generateRsaKeyPair(bits: number): Promise<KeyPairPem> {
  const forge = await loadForge();
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits, workers: -1 }, (err, pair) => {
      if (err) reject(err);
      else resolve({ privateKeyPem: forge.pki.privateKeyToPem(pair.privateKey), publicKeyPem: forge.pki.publicKeyToPem(pair.publicKey) });
    });
  });
}

/** The public key (PEM) of a private key (PEM); throws on a malformed key. */
export async function publicKeyPemFromPrivate(privateKeyPem: string): Promise<string> {
  const forge = await loadForge();
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  return forge.pki.publicKeyToPem(forge.pki.setRsaPublicKey(key.n, key.e));
}

/** Base64 of the DER SubjectPublicKeyInfo: the p= value. */
export function spkiBase64(publicKeyPem: string): string {
  return publicKeyPem
    .replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '')
    .replace(/\s+/g, '');
}

export function dkimRecordValue(publicKeyPem: string): string {
  return `v=DKIM1; k=rsa; p=${spkiBase64(publicKeyPem)}`;
}
