/**
 * The wizard inside a test host, put there the way the README tells an admin to. Every stack test
 * boots its server with startWizardHost() and runs the wizard with wizardArgv(), so how the wizard
 * reaches the box (today: the checkout, mounted read-only) is decided here and nowhere else.
 */
import { fileURLToPath } from 'node:url';
import { startTestHost, type TestHost, type TestHostOptions } from './testhost.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The command that runs the wizard inside the server. */
export const WIZARD: readonly string[] = ['node', '/opt/mail-wizard/dist/src/cli.js'];

/** argv for one wizard command inside the server. */
export function wizardArgv(...args: string[]): string[] {
  return [...WIZARD, ...args];
}

/** Boots a test host whose server has the wizard on it. */
export async function startWizardHost(options: TestHostOptions = {}): Promise<TestHost> {
  return startTestHost({
    ...options,
    mounts: [...(options.mounts ?? []), { source: REPO, target: '/opt/mail-wizard', readOnly: true }],
  });
}
