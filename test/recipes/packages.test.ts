/**
 * The packages step on a box that already has a mail server: what `apt-get -s` says an install
 * would remove (live, on this machine's own apt: bookworm's opensmtpd is installed here, and
 * exim4-daemon-light conflicts with it, as opensmtpd conflicts with an admin's exim4), how --yes,
 * --allow-remove and the interactive confirm treat it, and when the package lists are refreshed.
 * Nothing is installed or removed here: the removal itself runs in the stack suite.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packagesStep, removalsFromSimulation } from '../../recipes/packages.js';
import type { PlannedAction } from '../../src/engine/events.js';
import { runSteps } from '../../src/engine/runner.js';
import type { Context } from '../../src/engine/types.js';
import { execArgv } from '../../src/host/exec.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { createContext } from '../../src/engine/context.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { hasProgram } from '../support/require-tool.js';
import { sandbox, type Sandbox } from '../support/sandbox.js';
import { tempDir } from '../support/tmp.js';

/** The check ids whose manual step (the mirror line, the --allow-remove) this file shows named and carried out (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = [
  'packages.source',
  'packages.removals',
  'packages.partial',
] as const;

const conflictHere = hasProgram('/usr/bin/apt-get') && (await execArgv(['dpkg-query', '--show', '--showformat=${db:Status-Status}', 'opensmtpd'], { timeoutMs: 20_000 })).stdout === 'installed';
if (!conflictHere) console.warn('packages removal tests: SKIPPED, opensmtpd is not installed on this machine (test/support/system-deps.sh installs it)');

let box: Sandbox;
beforeEach(async () => {
  box = await sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

/** A context whose wanted packages conflict with what this machine has installed. */
function conflicting(removals: Context['removals']): Context {
  // mtaSts off: no web server package joins the install.
  const ctx = box.ctx('setup', { mtaSts: 'off' });
  ctx.platform = { ...ctx.platform, packages: ['exim4-daemon-light'], packageLists: undefined };
  ctx.removals = removals;
  return ctx;
}

describe.skipIf(!conflictHere)('an install that would remove a package', () => {
  it('apt-get -s names it (live output), and the parser finds it', async () => {
    const sim = await execArgv(['unshare', '--net', 'apt-get', '-s', 'install', '-y', '--no-install-recommends', 'exim4-daemon-light'], { timeoutMs: 120_000 });
    expect(sim.exitCode, sim.stderr).toBe(0);
    expect(sim.stdout).toMatch(/^Remv opensmtpd /m);
    expect(removalsFromSimulation(sim.stdout)).toContain('opensmtpd');
    expect(removalsFromSimulation(sim.stdout)).not.toContain('exim4-daemon-light');
  }, 120_000);

  it('with --yes (nobody to ask) the step stops and names what would go; nothing is run', async () => {
    const ctx = conflicting({ allowed: [], ask: false });
    const asked: PlannedAction[][] = [];
    const summary = await runSteps({ steps: [packagesStep], ctx, listener: () => undefined, confirm: async (_s, a) => (asked.push(a), true) });
    expect(summary.results[0]?.status).toBe('failed');
    expect(asked).toEqual([]);
    const [finding] = await packagesStep.verify(ctx);
    expect(finding).toMatchObject({ status: 'fail', check: 'packages.removals' });
    expect(finding?.summary).toMatch(/^installing exim4-daemon-light would remove opensmtpd\b.*: stopped, nothing was removed$/);
    expect(finding?.fix).toContain('--allow-remove opensmtpd');
  }, 120_000);

  it('--allow-remove NAME lets the install remove it (no --no-remove); other removals still stop it', async () => {
    const allowed = conflicting({ allowed: ['opensmtpd', 'opensmtpd-filter-rspamd'], ask: false });
    const [install] = packagesStep.plan(allowed, await packagesStep.probe(allowed)).actions;
    expect(install).toMatchObject({ type: 'packages', names: ['exim4-daemon-light'], removes: expect.arrayContaining(['opensmtpd']) });
    expect(install?.type === 'packages' && install.argv).not.toContain('--no-remove');
    const partly = conflicting({ allowed: ['postfix'], ask: false });
    expect(packagesStep.plan(partly, await packagesStep.probe(partly))).toMatchObject({ actions: [], reason: expect.stringContaining('would remove opensmtpd') });
  }, 120_000);

  it('in a terminal without --yes the confirm is asked, shows the removal, and "no" skips the step', async () => {
    const ctx = conflicting({ allowed: [], ask: true });
    const asked: PlannedAction[][] = [];
    const summary = await runSteps({ steps: [packagesStep], ctx, listener: () => undefined, confirm: async (_s, a) => (asked.push(a), false) });
    expect(summary.results[0]).toMatchObject({ status: 'skipped', note: 'not confirmed' });
    expect(asked[0]?.map((p) => p.describe)).toEqual([expect.stringMatching(/^run apt-get install .*exim4-daemon-light \(removes opensmtpd/)]);
  }, 120_000);
});

describe('stale package lists and the package source', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir('mail-wizard-lists-');
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  // Commands run nowhere (exec: 'none'): every package counts as missing, nothing is simulated.
  const ctxFor = (platform = debian) =>
    createContext({ answers: DEMO_ANSWERS, platform, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'lists' });

  it('refreshes lists that are missing or older than a day before installing, not fresh ones', async () => {
    const ctx = ctxFor();
    const first = (await packagesStep.probe(ctx));
    expect(first.staleLists).toBe('there are no package lists in /var/lib/apt/lists');
    expect(packagesStep.plan(ctx, first).actions.map((a) => a.type === 'run' || a.type === 'packages' ? a.argv.slice(0, 2).join(' ') : a.type)).toEqual(['apt-get update', 'apt-get install']);

    const lists = path.join(root, 'var/lib/apt/lists');
    await fs.mkdir(lists, { recursive: true });
    const index = path.join(lists, 'deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages');
    await fs.writeFile(index, '');
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await fs.utimes(index, twoDaysAgo, twoDaysAgo);
    expect((await packagesStep.probe(ctx)).staleLists).toMatch(/^the package lists are 4[78] hours old$/);

    await fs.utimes(index, new Date(), new Date());
    const fresh = await packagesStep.probe(ctx);
    expect(fresh.staleLists).toBeNull();
    expect(packagesStep.plan(ctx, fresh).actions.map((a) => a.type)).toEqual(['packages']);
  });

  it('OpenBSD without /etc/installurl: the step names it instead of failing in pkg_add', async () => {
    const ctx = ctxFor(openbsd);
    const probe = await packagesStep.probe(ctx);
    expect(packagesStep.plan(ctx, probe)).toMatchObject({ actions: [], reason: 'stopped: /etc/installurl is missing: pkg_add has no mirror to install from' });
    expect(await packagesStep.verify(ctx)).toMatchObject([{ status: 'fail', check: 'packages.source', evidence: 'no file at /etc/installurl (installurl(5))' }]);
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/installurl'), 'https://mirror.invalid/pub/OpenBSD\n');
    expect(packagesStep.plan(ctx, await packagesStep.probe(ctx)).actions.map((a) => a.type)).toEqual(['packages']);
  });

  it('OpenBSD after an interrupted pkg_add: its partial- entry in /var/db/pkg is named with the pkg_delete that removes it; pkg_add runs again', async () => {
    const ctx = ctxFor(openbsd);
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/installurl'), 'https://mirror.invalid/pub/OpenBSD\n');
    await fs.mkdir(path.join(root, 'var/db/pkg/partial-dovecot-2.3.21.1'), { recursive: true });
    await fs.mkdir(path.join(root, 'var/db/pkg/redis-7.2.4'), { recursive: true });
    const findings = await packagesStep.verify(ctx);
    expect(findings.filter((f) => f.check === 'packages.partial')).toEqual([
      {
        status: 'warn',
        check: 'packages.partial',
        summary: 'an interrupted pkg_add left partial-dovecot-2.3.21.1 behind',
        evidence: '/var/db/pkg/partial-dovecot-2.3.21.1',
        fix: 'Remove what it left: pkg_delete partial-dovecot-2.3.21.1 (the package itself is installed again by pkg_add).',
      },
    ]);
    expect(packagesStep.plan(ctx, await packagesStep.probe(ctx)).actions.map((a) => a.type)).toEqual(['packages']);
  });
});
