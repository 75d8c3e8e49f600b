/** `check` changes nothing and sends nothing: the final mail test runs only with --send-test. */
import * as fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

let root: string;
beforeEach(async () => {
  root = await tempDir('mail-wizard-check-');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const ids = (stdout: string) => (JSON.parse(stdout) as { steps: { id: string }[] }).steps.map((s) => s.id);

describe('check and the final mail test', () => {
  it('check verifies every step but the mail test, and says how to run it', async () => {
    const plain = await cli(['check', '--demo', '--root', root, '--platform', 'debian']);
    expect(plain.stdout).toContain('Services');
    expect(plain.stdout).not.toContain('Final mail test');
    expect(plain.stdout).toContain('`mail-wizard check --send-test` runs them too');
  }, 60_000);

  it('check --send-test runs it (here it cannot send: the root holds no system)', async () => {
    const { stdout } = await cli(['check', '--json', '--send-test', '--demo', '--root', root, '--platform', 'debian']);
    expect(ids(stdout)).toContain('services');
    const steps = (JSON.parse(stdout) as { steps: { id: string; findings: { check: string; status: string }[] }[] }).steps;
    expect(steps.find((s) => s.id === 'mail-test')?.findings.length).toBeGreaterThan(0);
  }, 60_000);

  it('--send-test goes with check only', async () => {
    const { code, stderr } = await cli(['plan', '--demo', '--send-test']);
    expect(code).toBe(2);
    expect(stderr).toBe('mail-wizard: --send-test goes with check');
  });
});
