/**
 * Ink (and React) load only when the TUI draws: the commands that print plain text or JSON, and
 * --help/--version, run with every import of them made to fail.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

// Each test starts real processes: on a busy machine that takes seconds, far past the 5 s default.
vi.setConfig({ testTimeout: 60_000 });

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const HOOK = 'dist/test/tui/fixtures/forbid-ink.js';

describe('Ink is not loaded', () => {
  for (const args of [['--help'], ['--version'], ['plan', '--demo', '--plain'], ['plan', '--demo', '--json'], ['plan', '--demo', '--format', 'sh'], ['check', '--json', '--demo'], ['records', '--demo', '--format', 'json']]) {
    it(`by mail-wizard ${args.join(' ')}`, async () => {
      const r = await execa('node', ['--import', `./${HOOK}`, 'dist/src/cli.js', ...args], { cwd: REPO, reject: false, timeout: 60_000 });
      expect(`${r.stdout}\n${r.stderr}`).not.toContain('INK-IMPORTED');
      // It ran (output or a usage error), and never reached for Ink.
      expect(`${r.stdout}${r.stderr}`.length).toBeGreaterThan(0);
    }, 60_000);
  }

  it('(the guard works: importing the TUI trips it)', async () => {
    const r = await execa('node', ['--import', `./${HOOK}`, '-e', "import('./dist/src/ui/ink/index.js').catch((e) => { console.error(String(e)); process.exit(3); })"], { cwd: REPO, reject: false });
    expect(r.stderr).toContain('INK-IMPORTED');
  });
});
