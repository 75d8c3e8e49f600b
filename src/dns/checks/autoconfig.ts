/**
 * The autoconfig name check (warn-level: clients still work when set up by hand): when the web
 * server runs, autoconfig.<domain> reaches this server, where Thunderbird and others fetch
 * /mail/config-v1.1.xml. The file served over HTTPS is the fetch check's, not this one.
 */
import { autoconfigHost } from '../../published/autoconfig.js';
import { servesWeb } from '../../published/mta-sts.js';
import { finding } from './shared.js';
import type { CheckFn } from './types.js';
import { webNameFindings } from './web-name.js';

export const checkAutoconfig: CheckFn = async (input) => {
  if (!servesWeb(input.answers)) {
    return [finding('autoconfig', 'pass', `no autoconfig file is served (mtaSts: off runs no web server); ${autoconfigHost(input.answers.domain)} is not needed, clients find the server by the SRV records or by hand`)];
  }
  return webNameFindings(input, { check: 'autoconfig', why: 'mail clients cannot fetch their settings (they still work when set up by hand)', status: 'warn' });
};
