/**
 * Inside the one release file, what a command does not use is never evaluated: the commands (the
 * app part) are embedded and run only once there is a command, and inside them the TUI (Ink, React,
 * Yoga), enquirer, node-forge and execa are embedded parts that run only on their first import().
 * V8's own coverage (NODE_V8_COVERAGE) says which module wrappers ran, in the bundle and in each part;
 * test/tui/lazy-ink.test.ts proves the same of the unbundled build.
 */
import { execa } from 'execa';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { tempDir } from '../support/tmp.js';
import { maskScreen, Tmux, tmuxAvailable } from '../tui/tmux.js';
import { bundleScripts, evaluatedModules, freshRelease, moduleWrappers } from './release.js';

const TUI = 'embedded:ink-ui';
const LAZY = [TUI, 'embedded:enquirer', 'embedded:node-forge', 'embedded:execa'];
const TIMEOUT = 60_000;

describe('the release evaluates only what a command uses', () => {
  let dir: string;
  let wizard: string;
  let runs = 0;
  /** A fresh coverage folder for one run. */
  const coverageDir = async () => {
    const d = path.join(dir, `coverage-${runs++}`);
    await fs.mkdir(d);
    return d;
  };

  beforeAll(async () => {
    dir = await tempDir('mail-wizard-lazy-');
    wizard = path.join(dir, 'mail-wizard.mjs');
    await fs.copyFile(freshRelease(), wizard);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const args of [
    ['--help'],
    ['--version'],
    ['plan', '--demo'],
    ['plan', '--demo', '--json'],
    ['plan', '--demo', '--format', 'sh'],
    ['check', '--json', '--demo'],
    ['records', '--demo', '--format', 'json'],
  ]) {
    it(`mail-wizard ${args.join(' ')}: none of ${LAZY.join(', ')}`, async () => {
      const coverage = await coverageDir();
      const r = await execa('node', [wizard, ...args], { cwd: dir, reject: false, timeout: TIMEOUT, stdin: 'ignore', env: { NODE_V8_COVERAGE: coverage } });
      expect(`${r.stdout}${r.stderr}`.length).toBeGreaterThan(0);
      const ran = evaluatedModules(coverage, wizard);
      // The coverage saw the run: every run evaluates node:util (cli.ts's parseArgs).
      expect(ran).toContain('builtin:node:util');
      expect(LAZY.filter((m) => ran.has(m))).toEqual([]);
      if (args[0]!.startsWith('-')) {
        // --help and --version: not even the commands' part.
        expect(ran).not.toContain('embedded:app');
      } else {
        // The coverage sees inside the app part: a command evaluates its own module there.
        expect(ran).toContain(args[0] === 'records' ? 'src/commands/dns-cli.ts' : args[0] === 'check' ? 'src/commands/check.ts' : 'src/commands/run.ts');
      }
    }, TIMEOUT);
  }

  it('the bundle\'s own code is cli.ts and the loaders: every command\'s module is inside the app part', () => {
    const scripts = bundleScripts(wizard);
    const [own] = scripts.values();
    expect([...moduleWrappers(own!)].filter((m) => !m.startsWith('builtin:'))).toEqual(['embedded:app']);
    const app = moduleWrappers(scripts.get('embedded:app')!);
    for (const command of ['run', 'dns-cli', 'check', 'check-delivery', 'user', 'alias', 'watch', 'dkim']) expect(app).toContain(`src/commands/${command}.ts`);
  });

  it('(--help evaluates none of its own modules behind a wrapper (not the app part), and of Node only fs and util)', async () => {
    const coverage = await coverageDir();
    await execa('node', [wizard, '--help'], { cwd: dir, env: { NODE_V8_COVERAGE: coverage } });
    expect([...evaluatedModules(coverage, wizard)].sort()).toEqual(['builtin:node:fs', 'builtin:node:util']);
  });

  it.runIf(tmuxAvailable())('(the check sees it: the TUI in a terminal evaluates the Ink part, and only it)', async () => {
    const tmux = new Tmux();
    try {
      const coverage = await coverageDir();
      await tmux.start('tui', [`NODE_V8_COVERAGE=${coverage}`, 'node', wizard, '--dry-run', '--demo'], dir);
      await tmux.waitFor('tui', new RegExp(`Dry-run: \\d+ of ${STEPS.length} steps would change something`), (s) => maskScreen(s, [dir]), 30_000);
      await tmux.keys('tui', 'q');
      expect(await tmux.waitForExit('tui', 30_000)).toBe(0);
      const ran = evaluatedModules(coverage, wizard);
      expect(LAZY.filter((m) => ran.has(m))).toEqual([TUI]);
    } finally {
      await tmux.kill();
    }
  }, TIMEOUT);
});
