/**
 * The MTA-STS check (warn-level): its TXT record at _mta-sts, when there is one, is well formed.
 */
import { normalizeName } from '../records.js';
import { policyTxt } from './shared.js';
import type { CheckFn } from './types.js';

export const checkMtaSts: CheckFn = (input) => {
  const domain = normalizeName(input.answers.domain);
  return policyTxt(input, 'mta-sts', `_mta-sts.${domain}`, /^v=STSv1/i, /^v=STSv1;\s*id=[A-Za-z0-9]{1,32};?\s*$/, 'MTA-STS', 'v=STSv1; id=20240101T000000');
};
