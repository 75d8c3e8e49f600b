/** Certificates that expire soon: always in the report, changed or not. */
import { X509Certificate } from 'node:crypto';
import type { Host } from '../host/host.js';
import { EXPIRY_DAYS, type Expiry } from './report.js';

const DAY_MS = 86_400_000;

/** The certificate at `path` when it expires within EXPIRY_DAYS of `at` (a missing or unreadable one is the tls check's finding). */
export async function expiringCertificates(host: Host, paths: readonly string[], at: Date): Promise<Expiry[]> {
  const out: Expiry[] = [];
  for (const path of paths) {
    const pem = await host.readFile(path);
    if (pem === null) continue;
    let x: X509Certificate;
    try {
      x = new X509Certificate(pem);
    } catch {
      continue;
    }
    const notAfter = new Date(x.validTo);
    const days = Math.floor((notAfter.getTime() - at.getTime()) / DAY_MS);
    if (days <= EXPIRY_DAYS) out.push({ path, subject: x.subject.replace(/\n/g, ', '), notAfter: notAfter.toISOString(), days });
  }
  return out;
}
