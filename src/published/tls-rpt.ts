/**
 * TLS-RPT (RFC 8460): the address sending servers mail their daily reports of failed TLS
 * deliveries to. It is an alias of ours (to the postmaster), so reports reach a person.
 */
import { normalizeName } from '../dns/records.js';

export const TLSRPT_ALIAS = 'tlsrpt';

export function tlsRptName(domain: string): string {
  return `_smtp._tls.${normalizeName(domain)}`;
}

export function tlsRptValue(domain: string): string {
  return `v=TLSRPTv1; rua=mailto:${TLSRPT_ALIAS}@${normalizeName(domain)}`;
}
