/**
 * The TLS-RPT check (warn-level): its TXT record at _smtp._tls, when there is one, is well formed.
 */
import { normalizeName } from '../records.js';
import { policyTxt } from './shared.js';
import type { CheckFn } from './types.js';

export const checkTlsRpt: CheckFn = (input) => {
  const domain = normalizeName(input.answers.domain);
  return policyTxt(input, 'tls-rpt', `_smtp._tls.${domain}`, /^v=TLSRPTv1/i, /^v=TLSRPTv1;\s*rua=(mailto:[^,;\s]+|https:[^,;\s]+)(,\s*(mailto:[^,;\s]+|https:[^,;\s]+))*;?\s*$/, 'TLS-RPT', `v=TLSRPTv1; rua=mailto:postmaster@${domain}`);
};
