/**
 * The release is one file that runs with `node` alone: copied by itself into an empty folder (no
 * node_modules, no package.json, nothing of the checkout), it prints the help and the plans, draws
 * the TUI in a real terminal (tmux), and checks DNS against a real NSD; what it prints is what the
 * unbundled build prints. Its checksum file verifies, and `npm pack` gives a package that installs
 * with --omit=dev and no network.
 */
import { execa } from 'execa';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { startCheckDnsTarget, type CheckDnsTarget } from '../dns/cli-target.js';
import { STEPS } from '../../recipes/index.js';
import { NSD_AVAILABLE } from '../dns/with-nsd.js';
import { maskScreen, Tmux, tmuxAvailable } from '../tui/tmux.js';
import { freshRelease, REPO } from './release.js';

const TIMEOUT = 60_000;

describe('the release file, alone in an empty folder', () => {
  let dir: string;
  let wizard: string;
  const run = (args: string[], cwd = dir) => execa('node', [wizard, ...args], { cwd, reject: false, timeout: TIMEOUT, stdin: 'ignore' });
  const unbundled = (args: string[]) => execa('node', [CLI, ...args], { cwd: REPO, reject: false, timeout: TIMEOUT, stdin: 'ignore' });

  beforeAll(async () => {
    const release = freshRelease();
    dir = await tempDir('mail-wizard-release-');
    wizard = path.join(dir, 'mail-wizard.mjs');
    await fs.copyFile(release, wizard);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is the only file there', async () => {
    expect(await fs.readdir(dir)).toEqual(['mail-wizard.mjs']);
  });

  it('--help and --version (the version is built in, not read from a package.json)', async () => {
    const help = await run(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toBe((await unbundled(['--help'])).stdout);
    const { version } = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const v = await run(['--version']);
    expect([v.exitCode, v.stdout]).toEqual([0, version]);
  });

  for (const args of [
    ['plan', '--demo'],
    ['plan', '--demo', '--platform', 'openbsd', '--format', 'sh'],
    ['plan', '--demo', '--platform', 'debian', '--json'],
    ['records', '--demo'],
  ]) {
    it(`${args.join(' ')}: the same output as the unbundled build`, async () => {
      const [r, u] = await Promise.all([run(args), unbundled(args)]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(500);
      expect(r.stdout).toBe(u.stdout);
    }, TIMEOUT);
  }

  it('plan --demo --format sh is a script sh accepts', async () => {
    const r = await run(['plan', '--demo', '--platform', 'openbsd', '--format', 'sh']);
    const check = await execa('sh', ['-n'], { input: r.stdout, reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
  });

  // The platform is checked inside the commands' embedded part, whose InputError cli.ts recognises.
  it('bad input: one line naming the value, exit 2', async () => {
    const r = await run(['plan', '--demo', '--platform', 'plan9']);
    expect([r.exitCode, r.stderr]).toEqual([2, 'mail-wizard: --platform: "plan9" is not a platform (openbsd or debian)']);
  });

  describe.runIf(NSD_AVAILABLE)('check dns against a real NSD', () => {
    let target: CheckDnsTarget;
    beforeAll(async () => {
      target = await startCheckDnsTarget();
    }, 30_000);
    afterAll(async () => {
      await target?.stop();
    });

    it('passes every check, and says the DKIM record matches the local key', async () => {
      const r = await run(['check', 'dns', ...target.args]);
      expect(r.stdout).toMatch(/^PASS {2}dkim .*matches the local key$/m);
      expect(r.stdout).toMatch(/^0 failed, 0 warnings, \d+ passed/m);
      expect(r.exitCode).toBe(0);
    }, TIMEOUT);
  });

  describe.runIf(tmuxAvailable())('the TUI in a terminal (tmux)', () => {
    const tmux = new Tmux();
    afterAll(async () => {
      await tmux.kill();
    });
    const mask = (s: string) => maskScreen(s, [dir, REPO]);

    it('draws the dry-run checklist, and q leaves the same summary as the unbundled build', async () => {
      // DEV=true would turn on Ink's development mode, which needs files the release does not have.
      await tmux.start('release', ['DEV=true', 'node', wizard, '--dry-run', '--demo'], dir);
      await tmux.start('unbundled', ['node', CLI, '--dry-run', '--demo'], REPO);
      const done = new RegExp(`Dry-run: \\d+ of ${STEPS.length} steps would change something`);
      const screen = await tmux.waitFor('release', done, mask, 30_000);
      expect(screen).toContain('mail-wizard dry-run · nothing is changed · openbsd');
      expect(screen).toMatch(/◆ Host names \(\/etc\/hosts\) +planned/);
      expect(screen).toBe(await tmux.waitFor('unbundled', done, mask, 30_000));
      for (const session of ['release', 'unbundled']) {
        await tmux.keys(session, 'q');
        expect(await tmux.waitForExit(session, 30_000)).toBe(0);
      }
      const last = await tmux.lastFrame('release', mask);
      expect(last).toContain('Summary');
      expect(last).toBe(await tmux.lastFrame('unbundled', mask));
    }, 120_000);
  });

  it.runIf(tmuxAvailable())('with no answers, asks them (enquirer), saves them, then draws the checklist (Ink)', async () => {
    const tmux = new Tmux();
    const root = await tempDir('mail-wizard-release-ask-');
    const same = (x: string) => x;
    try {
      // Port 9 on loopback: the plan's DNS step asks nothing beyond this machine.
      await tmux.start('ask', ['node', wizard, 'plan', '--root', root, '--platform', 'debian', '--nameserver', '127.0.0.1:9'], dir);
      const answer = async (question: RegExp, text: string) => {
        await tmux.waitFor('ask', question, same, 30_000);
        if (text) await tmux.keys('ask', '-l', text);
        await tmux.keys('ask', 'Enter');
      };
      await answer(/Mail domain/, 'example.net');
      await answer(/Server host name/, '');
      await answer(/Public IPv4 address/, '198.51.100.7');
      await answer(/Public IPv6 address/, '');
      await answer(/Local users/, 'carol');
      for (const q of [/Who reads postmaster/, /DKIM selector/, /DMARC policy/, /DMARC aggregate reports/, /TLS certificate \(acme/, /MTA-STS/]) await answer(q, '');
      await tmux.waitFor('ask', new RegExp(`Dry-run: \\d+ of ${STEPS.length} steps would change something`), same, 30_000);
      await tmux.keys('ask', 'q');
      expect(await tmux.waitForExit('ask', 30_000)).toBe(0);
      const saved = JSON.parse(await fs.readFile(path.join(root, 'etc/mail-wizard.json'), 'utf8')) as Record<string, unknown>;
      expect(saved).toMatchObject({ domain: 'example.net', hostname: 'mail.example.net', ipv4: '198.51.100.7', users: ['carol'] });
    } finally {
      await tmux.kill();
      await fs.rm(root, { recursive: true, force: true });
    }
  }, 120_000);

  it('its checksum file verifies (sha256sum -c reads the tagged line OpenBSD sha256 -C reads)', async () => {
    await fs.copyFile(`${freshRelease()}.sha256`, path.join(dir, 'mail-wizard.mjs.sha256'));
    try {
      const r = await execa('sha256sum', ['-c', 'mail-wizard.mjs.sha256'], { cwd: dir, reject: false });
      expect([r.exitCode, r.stdout]).toEqual([0, 'mail-wizard.mjs: OK']);
    } finally {
      await fs.rm(path.join(dir, 'mail-wizard.mjs.sha256'));
    }
  });
});

describe('npm pack', () => {
  let dir: string;
  beforeAll(async () => {
    freshRelease();
    dir = await tempDir('mail-wizard-pack-');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('gives a package of the release file that installs with --omit=dev, offline, and runs', async () => {
    // --ignore-scripts: the release is already built (prepare would build it again).
    const pack = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO, timeout: TIMEOUT });
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    expect(info!.files.map((f) => f.path).sort()).toEqual(['README.md', 'package.json', 'release/mail-wizard.mjs', 'release/mail-wizard.mjs.sha256']);
    const prefix = path.join(dir, 'prefix');
    const install = await execa('npm', ['install', '-g', '--prefix', prefix, '--omit=dev', '--offline', '--no-audit', '--no-fund', path.join(dir, info!.filename)], { reject: false, timeout: TIMEOUT });
    expect(install.exitCode, install.stderr).toBe(0);
    const r = await execa(path.join(prefix, 'bin/mail-wizard'), ['plan', '--demo', '--platform', 'openbsd', '--format', 'sh'], { reject: false, cwd: dir, timeout: TIMEOUT });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#!\/bin\/sh/);
    // Nothing else came with it: the one file needs no packages.
    expect(await fs.readdir(path.join(prefix, 'lib/node_modules/mail-wizard'))).not.toContain('node_modules');
  }, 120_000);
});
