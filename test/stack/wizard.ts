/**
 * The wizard inside a test host, put there the way the README tells an admin to: the one release
 * file (release/mail-wizard.mjs, made by `npm run bundle`) copied to /usr/local/bin with its
 * checksum, checked with sha256sum -c, and run with the server's own node. No checkout, no
 * node_modules. Every stack test boots its server with startWizardHost() and runs the wizard with
 * wizardArgv(), so how the wizard reaches the box is decided here and nowhere else.
 */
import * as fs from 'node:fs/promises';
import { freshRelease } from '../release/release.js';
import { startTestHost, type TestHost, type TestHostOptions } from './testhost.js';

const DIR = '/usr/local/bin';
const FILE = `${DIR}/mail-wizard.mjs`;

/** The command that runs the wizard inside the server. */
export const WIZARD: readonly string[] = ['node', FILE];

/** argv for one wizard command inside the server. */
export function wizardArgv(...args: string[]): string[] {
  return [...WIZARD, ...args];
}

/** Boots a test host whose server has the release file on it, its checksum verified there. */
export async function startWizardHost(options: TestHostOptions = {}): Promise<TestHost> {
  const release = freshRelease();
  const [code, sum] = await Promise.all([fs.readFile(release), fs.readFile(`${release}.sha256`)]);
  const host = await startTestHost(options);
  try {
    await host.writeFile(FILE, code, { mode: 0o755 });
    await host.writeFile(`${FILE}.sha256`, sum);
    const check = await host.exec(['sh', '-c', 'cd "$1" && sha256sum -c mail-wizard.mjs.sha256', 'sh', DIR]);
    if (check.exitCode !== 0) throw new Error(`the release file's checksum does not verify in the server: ${check.stdout}${check.stderr}`);
  } catch (err) {
    await host.stop();
    throw err;
  }
  return host;
}
