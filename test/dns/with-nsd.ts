/**
 * describe() for tests that need a real NSD: skipped loudly when nsd is missing on a developer's
 * machine, but a failure when CI is set (DNS tests must not silently vanish from CI).
 */
import { describe, it } from 'vitest';
import { nsdBinary } from './nsd.js';

export const NSD_AVAILABLE = nsdBinary() !== undefined;

export function describeWithNsd(name: string, body: () => void): void {
  if (NSD_AVAILABLE) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('needs nsd', () => {
        throw new Error('nsd is not installed, and CI is set: install the Debian package "nsd" (or set NSD_BINARY)');
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPED "${name}": nsd is not installed (Debian: apt-get install nsd, or set NSD_BINARY) ***\n`);
  describe.skipIf(true)(name, body);
}
