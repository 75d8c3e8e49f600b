/**
 * The certificate or its key is missing, or the key is not the certificate's: smtpd and Dovecot
 * refuse to start (OpenSSL: "key values mismatch"), the TLS check fails. The files are read and
 * compared here (node:crypto), through the host.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Context } from '../engine/types.js';
import { tlsPaths } from '../../recipes/templates/input.js';
import { checkIs, type Cause, type CauseEntry } from './types.js';

const TLS_TROUBLE = /certificate|private key|\.pem|\.key|\.crt|key values mismatch|SSL_CTX_use|ssl_load|PEM_read|tls/i;

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The fix that gives back a matching pair, for how this box gets its certificate. */
function renewFix(ctx: Context, cert: string, key: string): string {
  const tls = ctx.answers.tls;
  const host = ctx.answers.hostname;
  const compare = `(openssl x509 -noout -pubkey -in ${cert} | openssl sha256 and openssl pkey -pubout -in ${key} | openssl sha256 must print the same)`;
  if (tls.mode === 'self-signed') return `Move both aside (mv ${cert} ${cert}.old; mv ${key} ${key}.old) and run \`mail-wizard repair\`: it makes a new matching pair.`;
  if (tls.mode === 'acme') {
    const renew = ctx.platform.name === 'openbsd' ? `acme-client -F ${host}` : `certbot certonly --standalone --force-renewal -d ${host}`;
    return `Put back the key the certificate was issued for, or get a new certificate for the key that is there: ${renew}; then retry ${compare}.`;
  }
  return `Put the key that belongs to ${cert} at ${key} ${compare}, then retry.`;
}

export async function certificateTrouble(ctx: Context): Promise<Cause | null> {
  const { cert, key } = tlsPaths(ctx);
  const certPem = await ctx.host.readFile(cert);
  const keyPem = await ctx.host.readFile(key);
  const missing = [certPem === null ? `the certificate ${cert}` : '', keyPem === null ? `the private key ${key}` : ''].filter(Boolean);
  if (missing.length) {
    return {
      id: 'certificate-missing',
      cause: `${capital(missing.join(' and '))} ${missing.length > 1 ? 'do' : 'does'} not exist: smtpd and Dovecot cannot start TLS without ${missing.length > 1 ? 'them' : 'it'}.`,
      fix: ctx.answers.tls.mode === 'existing' ? `Copy your certificate to ${cert} and its key to ${key} (or fix the paths in the answers), then retry.` : `Run \`mail-wizard repair\`: it ${ctx.answers.tls.mode === 'acme' ? 'asks the CA for' : 'makes'} a new certificate and key.`,
    };
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem!);
  } catch {
    return null; // not a certificate at all: the TLS step already says so
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(keyPem!));
  } catch {
    return null;
  }
  if (matches) return null;
  return {
    id: 'certificate-key-mismatch',
    cause: `The private key ${key} does not belong to the certificate ${cert}: the certificate's public key is another key's, so TLS cannot start with this pair.`,
    fix: renewFix(ctx, cert, key),
  };
}

export const certificateKey: CauseEntry = {
  id: 'certificate-key',
  matches: (f, text) => checkIs(f, 'tls') || (TLS_TROUBLE.test(text) && checkIs(f, 'services', 'smtpd', 'dovecot')),
  probe: (ctx) => certificateTrouble(ctx),
};
