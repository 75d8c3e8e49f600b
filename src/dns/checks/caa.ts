/**
 * The CAA check (warn-level): CAA records, when there are any, let the certificate's CA issue.
 */
import { acmeDirectory } from '../../answers/schema.js';
import { recordsOf } from '../client.js';
import { normalizeName } from '../records.js';
import { finding, answered, seen, couldNotCheck } from './shared.js';
import type { CheckFn } from './types.js';

export const checkCaa: CheckFn = async (input) => {
  const host = normalizeName(input.answers.hostname);
  const domain = normalizeName(input.answers.domain);
  // RFC 8659 §3: the closest name with a CAA RRset (climbing to the parent) decides
  let name = host;
  for (;;) {
    const r = await input.lookup.ask(name, 'CAA');
    if (!answered(r)) return [couldNotCheck('caa', `CAA at ${name}`, r)];
    const caa = recordsOf(r, 'CAA');
    if (caa.length > 0) {
      const issuers = caa.filter((c) => c.tag.toLowerCase() === 'issue').map((c) => c.value.split(';')[0]?.trim().toLowerCase() ?? '');
      const directory = acmeDirectory(input.answers.tls);
      // Let's Encrypt (production and staging) is "letsencrypt.org" (letsencrypt.org/docs/caa); another
      // CA's CAA name is its own to document: not guessed here.
      const letsEncrypt = /(^|\.)api\.letsencrypt\.org$/.test(new URL(directory).hostname);
      if (input.answers.tls.mode === 'acme' && !letsEncrypt && issuers.length > 0) {
        return [
          finding('caa', 'pass', `CAA at ${name} allows ${issuers.join(', ')}: one of these must be the CAA name of the CA at ${directory} (its documentation gives it)`, { evidence: seen(r) }),
        ];
      }
      if (input.answers.tls.mode === 'acme' && issuers.length > 0 && !issuers.includes('letsencrypt.org')) {
        return [
          finding('caa', 'warn', `CAA at ${name} allows only ${issuers.join(', ')}; the certificate for ${host} comes from Let's Encrypt (acme)`, {
            evidence: seen(r),
            fix: `add: ${name}. CAA 0 issue "letsencrypt.org"`,
          }),
        ];
      }
      return [finding('caa', 'pass', `CAA at ${name}: ${issuers.join(', ') || 'no issue tag'}`, { evidence: seen(r) })];
    }
    if (name === domain || !name.includes('.') || !name.endsWith(domain)) break;
    name = name.slice(name.indexOf('.') + 1);
  }
  return [finding('caa', 'pass', `no CAA record (optional: it limits which CAs may issue certificates for ${domain})`)];
};
