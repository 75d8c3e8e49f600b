import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionToShell, shQuote } from '../../src/engine/shell-export.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { demoPlan } from '../support/demo-plan.js';
import { tempDir } from '../support/tmp.js';

describe('plan --format sh', () => {
  it.each([openbsd, debian])('the $name demo script passes sh -n', async (platform) => {
    const { script } = await demoPlan(platform);
    const dir = await tempDir();
    const file = path.join(dir, 'plan.sh');
    await fs.writeFile(file, script);
    expect(() => execFileSync('sh', ['-n', file])).not.toThrow();
    await fs.rm(dir, { recursive: true });
  });

  it('quotes words so that sh gives them back unchanged', () => {
    const words = ['plain', "it's", '$(rm -rf /)', '`x`', 'a b', '"q"', '\\', '*', ''];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shQuote).join(' ')}`]).toString();
    expect(out.split('\n').slice(0, -1)).toEqual(words);
  });

  it('writes file contents exactly, even with $, backticks and a line that looks like the delimiter', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'etc', 'odd file.conf');
    const content = 'a $HOME `id` \\n\nMAIL_WIZARD_EOF\nend\n';
    const lines = actionToShell({ type: 'writeFile', path: target, content, mode: 0o640 });
    const script = `set -eu\nBACKUP=${shQuote(path.join(dir, 'bak'))}\nbackup() { mkdir -p "$BACKUP$(dirname "$1")" && cp -p "$1" "$BACKUP$1"; }\n${lines.join('\n')}\n`;
    execFileSync('sh', ['-c', script]);
    expect(await fs.readFile(target, 'utf8')).toBe(content);
    expect((await fs.stat(target)).mode & 0o777).toBe(0o640);
    // Run it again: the old file is backed up first.
    execFileSync('sh', ['-c', script]);
    expect(await fs.readFile(path.join(dir, 'bak', target), 'utf8')).toBe(content);
    await fs.rm(dir, { recursive: true });
  });

  it('treats the extra success codes of a command as success (acme-client exits 2 when nothing changed)', () => {
    const lines = actionToShell({ type: 'run', argv: ['sh', '-c', 'exit 2'], timeoutMs: 1000, okExitCodes: [0, 2] });
    expect(() => execFileSync('sh', ['-c', `set -eu\n${lines.join('\n')}\necho done`])).not.toThrow();
    const failing = actionToShell({ type: 'run', argv: ['sh', '-c', 'exit 1'], timeoutMs: 1000, okExitCodes: [0, 2] });
    expect(() => execFileSync('sh', ['-c', `set -eu\n${failing.join('\n')}\necho done`], { stdio: 'pipe' })).toThrow();
  });
});
