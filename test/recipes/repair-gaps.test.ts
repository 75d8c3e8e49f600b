/**
 * The two file checks test/recipes/repair-findings.test.ts does not reach, broken for real under a
 * sandbox root and repaired: Dovecot 2.3's learn-socket directory (this machine's Dovecot is 2.3;
 * the trixie test host's 2.4 needs none), and the renewal files of an ACME certificate on OpenBSD
 * (acme-client and httpd blocks, daily.local), which only a box with a certificate has.
 */
import * as fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dovecotStep, pipeSocketDir } from '../../recipes/dovecot.js';
import { ownInclude } from '../../recipes/templates/acme.js';
import { tlsPaths } from '../../recipes/templates/input.js';
import { tlsStep } from '../../recipes/tls.js';
import { runSteps } from '../../src/engine/runner.js';
import type { AnyStep, Context } from '../../src/engine/types.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { missingTools } from '../support/require-tool.js';
import { makeCa } from '../support/test-ca.js';
import { sandbox, type Sandbox } from '../support/sandbox.js';
import { webNames } from '../../src/published/web-names.js';

/** The check ids this file breaks and repairs (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = ['dovecot.pipe-dir', 'tls.renewal'] as const;

const skip = missingTools('repair of the learn-socket directory and the renewal files', ['/usr/bin/doveconf', '/usr/bin/unshare']);

let box: Sandbox;
afterEach(async () => {
  await box?.cleanup();
});

async function status(step: AnyStep, ctx: Context, id: string): Promise<string> {
  const found = (await step.verify(ctx)).filter((f) => f.check === id);
  return found.some((f) => f.status === 'fail') ? 'fail' : found.some((f) => f.status === 'warn') ? 'warn' : found.length ? 'pass' : 'absent';
}

async function repair(ctx: Context, steps: AnyStep[]): Promise<Record<string, string>> {
  const summary = await runSteps({ steps, ctx, listener: () => undefined });
  return Object.fromEntries(summary.results.map((r) => [r.id, r.status]));
}

describe.skipIf(skip)('repair fixes the learn-socket directory and the renewal files', () => {
  it('dovecot.pipe-dir: the directory removed; repair makes it again', async () => {
    box = await sandbox();
    const setup = await repair(box.ctx(), [tlsStep, dovecotStep]);
    expect(setup).toEqual({ tls: 'changed', dovecot: 'changed' });
    const ctx = box.ctx('repair');
    expect(await status(dovecotStep, ctx, 'dovecot.pipe-dir')).toBe('absent'); // there: no finding
    const dir = pipeSocketDir(ctx)?.path; // known once the check has read Dovecot's version
    expect(dir, 'this machine\'s Dovecot needs the directory (2.3)').toBeDefined();
    await fs.rm(dir!, { recursive: true });
    expect(await status(dovecotStep, ctx, 'dovecot.pipe-dir')).toBe('fail');
    expect((await repair(box.ctx('repair'), [dovecotStep])).dovecot).toBe('changed');
    expect(await status(dovecotStep, box.ctx('repair'), 'dovecot.pipe-dir')).toBe('absent');
    expect((await fs.stat(dir!)).isDirectory()).toBe(true);
  }, 60_000);

  it('tls.renewal (OpenBSD, acme): a renewal file removed and a marked block cut out; repair writes each again', async () => {
    box = await sandbox(openbsd);
    const ctx = (mode: 'setup' | 'repair' = 'repair') => box.ctx(mode, { tls: { mode: 'acme' } });
    // The certificate acme-client got earlier from the CA (a test CA here): valid, for the host
    // name and the web server's names (MTA-STS is on): else the step would ask acme-client again.
    const { cert, key } = tlsPaths(ctx());
    const issued = makeCa('Test ACME CA').issue([ctx().answers.hostname, ...webNames(ctx().answers)]);
    await fs.mkdir(key.slice(0, key.lastIndexOf('/')), { recursive: true });
    await fs.mkdir(cert.slice(0, cert.lastIndexOf('/')), { recursive: true });
    await fs.writeFile(key, issued.key, { mode: 0o600 });
    await fs.writeFile(cert, issued.cert);
    expect((await repair(ctx('setup'), [tlsStep])).tls).toBe('changed');
    expect(await status(tlsStep, ctx(), 'tls.renewal')).toBe('pass');

    const acmeConf = box.platform.paths.acmeClientConf;
    await fs.rm(ownInclude(acmeConf));
    expect(await status(tlsStep, ctx(), 'tls.renewal')).toBe('fail');
    expect((await repair(ctx(), [tlsStep])).tls).toBe('changed');
    expect(await status(tlsStep, ctx(), 'tls.renewal')).toBe('pass');

    // The marked block in the shared acme-client.conf, cut out by hand: written again, the rest kept.
    const shared = await fs.readFile(acmeConf, 'utf8');
    const mine = '# the admin\'s own line\n';
    const cut = shared.replace(/^# BEGIN mail-wizard[\s\S]*?# END mail-wizard[^\n]*\n/m, '');
    expect(cut).not.toBe(shared);
    await fs.writeFile(acmeConf, `${mine}${cut}`);
    expect(await status(tlsStep, ctx(), 'tls.renewal')).toBe('fail');
    expect((await repair(ctx(), [tlsStep])).tls).toBe('changed');
    expect(await status(tlsStep, ctx(), 'tls.renewal')).toBe('pass');
    expect(await fs.readFile(acmeConf, 'utf8')).toContain(mine);
  }, 60_000);
});
