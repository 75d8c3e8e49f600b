/**
 * A TLS handshake with a mail port, implicit (465, 993) or after STARTTLS (587 SMTP, 143 IMAP):
 * returns the certificate the server shows, so a check can see whether it names the host. The
 * connection itself is connect.ts's (the Host's `connect` for this machine); this reads the names.
 */
import { X509Certificate } from 'node:crypto';
import { connectProbe } from './connect.js';

export type StartTls = 'smtp' | 'imap' | null;

export interface CertificateNames {
  subject: string;
  altNames: string;
  namesHost: boolean;
}

export type TlsProbeResult = ({ ok: true; protocol: string } & CertificateNames) | { ok: false; error: string };

/** The names of a certificate (PEM) and whether it names `servername`. */
export function certificateNames(pem: string, servername: string): CertificateNames {
  const x509 = new X509Certificate(pem);
  // subject is undefined when empty: certificates from ACME CAs may name the host in the SAN only (pebble does).
  return { subject: (x509.subject ?? '').replace(/\n/g, ', '), altNames: x509.subjectAltName ?? '', namesHost: x509.checkHost(servername) !== undefined };
}

export async function tlsProbe(host: string, port: number, starttls: StartTls, servername: string, timeoutMs = 8000): Promise<TlsProbeResult> {
  const r = await connectProbe({ host, port, protocol: starttls ?? 'none', tls: starttls ? 'starttls' : 'implicit', servername, timeoutMs });
  if (!r.ok || !r.tls) return { ok: false, error: r.error ?? `${host}:${port} showed no certificate` };
  const leaf = r.tls.chain[0];
  if (!leaf) return { ok: false, error: `${host}:${port} showed no certificate` };
  return { ok: true, protocol: r.tls.protocol, ...certificateNames(leaf, servername) };
}
