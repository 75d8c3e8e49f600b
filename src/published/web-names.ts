/**
 * The names the web server answers for, and so the names the certificate must carry besides the
 * host name: mta-sts.<domain> (the policy) and autoconfig.<domain> (mail clients).
 */
import type { Answers } from '../answers/schema.js';
import { normalizeName } from '../dns/records.js';
import { autoconfigHost } from './autoconfig.js';
import { mtaStsHost, servesWeb } from './mta-sts.js';

export function webNames(answers: Pick<Answers, 'domain' | 'mtaSts' | 'tls'>): string[] {
  return servesWeb(answers) ? [mtaStsHost(answers.domain), autoconfigHost(answers.domain)] : [];
}

/** Every name on the certificate, the host name first. */
export function certificateNames(answers: Pick<Answers, 'domain' | 'hostname' | 'mtaSts' | 'tls'>): string[] {
  return [normalizeName(answers.hostname), ...webNames(answers)];
}
