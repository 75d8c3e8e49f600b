/** The public halves of the rotation's other selectors, as this server has them (never a private key). */
import { dkimPaths } from '../../recipes/templates/input.js';
import type { Answers } from '../answers/schema.js';
import type { OtherDkimKey } from '../dns/dkim-selectors.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import { otherSelectors } from './rotation.js';

export async function otherDkimKeys(host: Host, answers: Answers, platform: Platform): Promise<OtherDkimKey[]> {
  return Promise.all(
    otherSelectors(answers).map(async ({ selector, role }) => {
      const pem = await host.readFile(dkimPaths({ answers: { ...answers, dkimSelector: selector }, platform }).pub);
      return pem ? { selector, role, publicKeyPem: pem } : { selector, role };
    }),
  );
}
