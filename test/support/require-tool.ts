/**
 * Suites that need a program from Debian's packages: skip loudly where it is missing, but fail in
 * CI (CI=true), where `npm test` has installed everything and a skip would hide a broken setup.
 */
import { accessSync, constants } from 'node:fs';

export function hasProgram(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when the suite must be skipped; throws in CI. */
export function missingTools(suite: string, paths: string[]): boolean {
  const missing = paths.filter((p) => !hasProgram(p));
  if (missing.length === 0) return false;
  const message = `${suite}: SKIPPED, missing ${missing.join(', ')} (run npm test as root to install them)`;
  if (process.env.CI) throw new Error(message.replace('SKIPPED', 'cannot run in CI'));
  console.warn(`\n*** ${message} ***\n`);
  return true;
}
