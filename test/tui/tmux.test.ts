/**
 * The TUI in a real terminal: tmux runs the fixture programs (the real runner and the real Ink
 * UI), the test types keys and reads the screen. Each screen is kept under snapshots/tui/ (masked:
 * elapsed times, spinners, temp paths). Needs the build (npx tsc -p .) and tmux; without tmux the
 * tests are skipped loudly, except in CI where that is a failure.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { tempDir } from '../support/tmp.js';
import { MARKER } from './fixtures/scenario.js';
import { maskScreen, Tmux, tmuxAvailable } from './tmux.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(REPO, 'dist/test/tui/fixtures');
const SETUP = path.join(FIXTURES, 'failing-setup.js');
const CLI = path.join(REPO, 'dist/src/cli.js');
const snap = (name: string) => `../../snapshots/tui/${name}.txt`;
const TIMEOUT = 60_000;

const hasTmux = tmuxAvailable();
if (!hasTmux) {
  if (process.env.CI) {
    it('tmux is installed (required in CI: apt-get install tmux)', () => {
      throw new Error('tmux not found: the TUI tests cannot run');
    });
  } else {
    console.warn('\n*** SKIPPING the tmux TUI tests: tmux is not installed (apt-get install tmux) ***\n');
  }
}

describe.runIf(hasTmux)('the TUI in tmux', () => {
  const tmux = new Tmux();
  const roots: string[] = [];
  afterAll(async () => {
    await tmux.kill();
    for (const r of roots) await fs.rm(r, { recursive: true, force: true });
  });

  it('has the fixture programs built', () => {
    expect(existsSync(SETUP) && existsSync(CLI), 'run `npx tsc -p .` first (npm test does)').toBe(true);
  });

  async function newRoot(): Promise<string> {
    const root = await tempDir('mail-wizard-tui-');
    roots.push(root);
    return root;
  }
  const mask = (s: string) => maskScreen(s, roots);
  const screen = (session: string, pattern: RegExp) => tmux.waitFor(session, pattern, mask);
  const setup = async (session: string, root: string, ...args: string[]) => tmux.start(session, ['node', SETUP, '--root', root, ...args], REPO);
  const createMarker = async (root: string) => {
    await fs.mkdir(path.join(root, path.dirname(MARKER)), { recursive: true });
    await fs.writeFile(path.join(root, MARKER), '');
  };

  it(
    'dry-run of the demo: the checklist, a step with its diff, the DNS records, and q leaves the summary',
    async () => {
      await tmux.start('dry', ['node', CLI, '--dry-run', '--demo'], REPO);
      const summary = await screen('dry', new RegExp(`Dry-run: \\d+ of ${STEPS.length} steps would change something`));
      expect(summary).toContain('mail-wizard dry-run · nothing is changed · openbsd');
      expect(summary).toMatch(/◆ Host names \(\/etc\/hosts\) +planned/);
      expect(summary.split('\n').length).toBeLessThanOrEqual(24);
      await expect(summary).toMatchFileSnapshot(snap('dry-run-1-summary'));

      await tmux.select('dry', 'OpenSMTPD', mask);
      const smtpd = await screen('dry', /@@ -0,0 \+1,\d+ @@/);
      expect(smtpd).toContain('+ write /etc/mail/smtpd.conf (0644 root)');
      expect(smtpd).toMatch(/\+listen on|\+# \/etc\/mail\/smtpd.conf/);
      await expect(smtpd).toMatchFileSnapshot(snap('dry-run-2-smtpd-diff'));

      await tmux.select('dry', 'DNS records', mask);
      const records = await screen('dry', /you: publish these records/);
      expect(records).toContain('example.org. 3600 IN MX 10 mail.example.org.');
      await expect(records).toMatchFileSnapshot(snap('dry-run-3-dns-records'));

      await tmux.keys('dry', 'q');
      expect(await tmux.waitForExit('dry')).toBe(0);
      const last = await tmux.lastFrame('dry', mask);
      expect(last).toContain('Summary');
      expect(last).not.toContain('q exit');
      await expect(last).toMatchFileSnapshot(snap('dry-run-4-exit'));
    },
    TIMEOUT,
  );

  it(
    'NO_COLOR: the same screen without a colour (tmux keeps the colours of each cell)',
    async () => {
      // A foreground colour other than the default (39), or dim (2): tmux writes them as SGR codes.
      const colour = /\u001B\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7]|2)m/;
      await tmux.start('colour', ['node', CLI, '--dry-run', '--demo'], REPO);
      await tmux.start('mono', ['NO_COLOR=1', 'node', CLI, '--dry-run', '--demo'], REPO);
      await screen('colour', /Dry-run:/);
      await screen('mono', /Dry-run:/);
      expect(await tmux.capture('colour', false, true)).toMatch(colour);
      expect(await tmux.capture('mono', false, true)).not.toMatch(colour);
      expect(mask(await tmux.capture('mono'))).toBe(mask(await tmux.capture('colour')));
      await tmux.keys('colour', 'q');
      await tmux.keys('mono', 'q');
    },
    TIMEOUT,
  );

  it(
    'setup: confirm, failure, details, then retry after the cause is fixed',
    async () => {
      const root = await newRoot();
      await setup('retry', root, '--prepare');
      const confirm = await screen('retry', /go ahead\?/);
      expect(confirm).toMatch(/\? OpenSMTPD \(smtpd.conf\) +confirm\?/);
      expect(confirm).toContain('  -listen on localhost');
      await expect(confirm).toMatchFileSnapshot(snap('setup-1-confirm'));

      await tmux.keys('retry', 'y');
      const failure = await screen('retry', /did not pass/);
      expect(failure).toMatch(/✖ Start smtpd +FAILED/);
      expect(failure).toContain('✖ What we saw   no /run/smtpd.ready');
      expect(failure).toContain('  Fix           create /run/smtpd.ready');
      expect(failure.trimEnd().split('\n').at(-1)).toBe('r retry  s skip  d details  ↑↓ scroll  q quit');
      await expect(failure).toMatchFileSnapshot(snap('setup-2-failure'));

      await tmux.keys('retry', 'd');
      const details = await screen('retry', /Start smtpd: details/);
      expect(details).toContain('Verification');
      expect(details).toMatch(/✔ run sh -c echo "starting smtpd"/);
      await expect(details).toMatchFileSnapshot(snap('setup-3-details'));
      await tmux.keys('retry', 'G');
      const output = await screen('retry', /smtpd: listening on 0\.0\.0\.0:25/);
      expect(output).toContain('Output (2 lines)');
      await expect(output).toMatchFileSnapshot(snap('setup-4-details-output'));

      await createMarker(root);
      await tmux.keys('retry', 'r');
      const done = await screen('retry', /Setup finished/);
      expect(done).toMatch(/✚ Start smtpd +changed/);
      expect(done).toMatch(/✚ Aliases \(postmaster, abuse\) +changed/);
      expect(done).toContain('Backups   /var/backups/mail-wizard/2026-01-02T03-04-05-000Z/etc/smtpd.conf');
      await expect(done).toMatchFileSnapshot(snap('setup-5-retried-summary'));

      await tmux.keys('retry', 'q');
      expect(await tmux.waitForExit('retry')).toBe(0);
      expect(await fs.readFile(path.join(root, 'etc/aliases'), 'utf8')).toContain('postmaster: alice');
    },
    TIMEOUT,
  );

  it(
    'setup: skip marks the step and the one that needs it as skipped',
    async () => {
      const root = await newRoot();
      await setup('skip', root, '--prepare', '--yes');
      await screen('skip', /did not pass/);
      await tmux.keys('skip', 's');
      // --yes: nobody watches, so no waiting on the summary: the report is left in the terminal.
      expect(await tmux.waitForExit('skip')).toBe(0);
      const done = await tmux.lastFrame('skip', mask);
      expect(done).toContain('! Setup finished: 3 changed, 1 already as wanted, 2 skipped, 0 failed.');
      expect(done).toMatch(/↷ Start smtpd · skipped after a failure +skipped/);
      expect(done).toMatch(/↷ Aliases \(postmaster, abuse\) · needs daemon.* skipped/);
      expect(done).toContain('Skipped   Start smtpd: skipped after a failure');
      expect(done).toContain('example.org. 3600 IN MX 10 mail.example.org.');
      await expect(done).toMatchFileSnapshot(snap('setup-6-skipped-report'));

      // Repair of that box: the table of every step first, then only the failing ones.
      await setup('repair', root, '--mode', 'repair', '--yes');
      const failing = await screen('repair', /did not pass/);
      expect(failing).toMatch(/✔ Host names \(\/etc\/hosts\) · verified, nothing to repair +ok/);
      expect(failing).toMatch(/○ Aliases \(postmaster, abuse\) · fails: \/etc\/aliases is not as… +pending/);
      await expect(failing).toMatchFileSnapshot(snap('repair-1-failure'));
      await createMarker(root);
      await tmux.keys('repair', 'r');
      expect(await tmux.waitForExit('repair')).toBe(0);
      const repaired = await tmux.lastFrame('repair', mask);
      expect(repaired).toContain('Repair finished');
      expect(repaired).toContain('Verified every step first: 4 pass, 2 to repair.');
      expect(repaired).toMatch(/✚ Aliases \(postmaster, abuse\) +changed/);
      await expect(repaired).toMatchFileSnapshot(snap('repair-2-report'));
    },
    TIMEOUT,
  );

  it(
    'q while a step runs: the step finishes, the run stops after it; a second Ctrl-C stops at once',
    async () => {
      const root = await newRoot();
      await setup('stop', root, '--prepare', '--yes', '--slow');
      // The command and its first line of output (the command starts once execa has loaded).
      const running = await screen('stop', /\$ sh -c echo "starting smtpd"; sleep 3[^\n]*\n {2}starting smtpd/);
      expect(running).toMatch(/⠿ Start smtpd +running/);
      expect(running).toContain('  starting smtpd');
      expect(running.trimEnd().split('\n').at(-1)).toBe('q stop after this action  ^C stop');
      await expect(running).toMatchFileSnapshot(snap('setup-8-running'));
      await tmux.keys('stop', 'q');
      const stopping = await screen('stop', /stopping after the running action/);
      expect(stopping.trimEnd().split('\n').at(-1)).toBe('^C again: stop at once (this step may be left unfinished)');
      await expect(stopping).toMatchFileSnapshot(snap('setup-9-stopping'));
      // The step fails (no marker): nobody is asked any more, the run ends there.
      expect(await tmux.waitForExit('stop')).toBe(1);
      expect(await tmux.lastFrame('stop', mask)).toContain('Stopped at Start smtpd: you chose to quit.');

      const again = await newRoot();
      await setup('force', again, '--prepare', '--yes', '--slow');
      await screen('force', /sleep 3/);
      await tmux.keys('force', 'C-c');
      await screen('force', /stopping after the running action/);
      await tmux.keys('force', 'C-c');
      expect(await tmux.waitForExit('force')).toBe(130);
      expect(mask(await tmux.capture('force', true))).toContain('mail-wizard: stopped at once; the step that was running may be unfinished. Run `mail-wizard repair`');
    },
    TIMEOUT,
  );

  for (const [name, key] of [
    ['quit', 'q'],
    ['ctrl-c', 'C-c'],
  ] as const) {
    it(
      `setup: ${name} at the failure stops cleanly and says how to resume`,
      async () => {
        const root = await newRoot();
        await setup(name, root, '--prepare', '--yes');
        await screen(name, /did not pass/);
        await tmux.keys(name, key);
        expect(await tmux.waitForExit(name)).toBe(1);
        const last = await tmux.lastFrame(name, mask);
        expect(last).toContain('Stopped at Start smtpd: you chose to quit.');
        expect(last).toContain('  mail-wizard repair');
        expect(last).not.toMatch(/r retry/);
        // Consistent: nothing after the failed step was touched.
        expect(existsSync(path.join(root, 'etc/aliases'))).toBe(false);
        if (name === 'quit') await expect(last).toMatchFileSnapshot(snap('setup-7-quit'));
      },
      TIMEOUT,
    );
  }
});
