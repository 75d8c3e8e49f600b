/**
 * The run state cannot be written (a full disk, a read-only file system): the step that needed it
 * fails with a finding (what was seen, the cause, the fix) and nothing is lost. Real conditions, no
 * mocked fs: each case runs the wizard's runner (test/unit/fixtures/state-write-run.ts, built into
 * dist/) inside a mount namespace of its own (unshare), where the state directory is a full tmpfs or
 * a read-only bind mount; the kernel drops those mounts when the namespace's last process ends.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/engine/events.js';
import type { Finding } from '../../src/engine/types.js';
import { tempDir } from '../support/tmp.js';

/** The check this file breaks for real and repairs (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = ['<step>.state'] as const;

const RUN = fileURLToPath(new URL('../../dist/test/unit/fixtures/state-write-run.js', import.meta.url));

function canUnshare(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (mount namespaces)';
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']);
  return r.status === 0 ? null : `unshare --mount does not work here: ${r.stderr.toString().trim()}`;
}
const problem = canUnshare();
if (problem && process.env.CI) throw new Error(problem);

interface Outcome {
  summary: RunSummary;
  failing: Finding[];
  /** What the namespace's shell printed after the run: the state directory as the run left it. */
  after: string;
}

/**
 * Runs the fixture in `mode`; `prepare` (a shell script, $1 = the test dir) runs first in the same
 * mount namespace, `inspect` after it.
 */
function run(dir: string, mode: string, prepare = '', inspect = '', variant = ''): Outcome {
  const script = `set -e\n${prepare}\nnode "$2" "$1" "$3" $4 > "$1/out.json"\necho ---after---\n${inspect}`;
  const tail = ['sh', '-c', script, 'sh', dir, RUN, mode, variant];
  const args = prepare ? ['unshare', '--mount', '--propagation', 'private', ...tail] : tail;
  const out = execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 120_000 });
  const parsed = JSON.parse(execFileSync('cat', [path.join(dir, 'out.json')], { encoding: 'utf8' })) as Omit<Outcome, 'after'>;
  return { ...parsed, after: out.slice(out.indexOf('---after---') + 12) };
}

const statuses = (s: RunSummary) => Object.fromEntries(s.results.map((r) => [r.id, r.status]));

describe.skipIf(problem !== null)('the run state cannot be written', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
    // An earlier run wrote one.conf and recorded it.
    const first = run(dir, 'setup');
    expect(statuses(first.summary)).toEqual({ one: 'changed', two: 'changed' });
    await fs.rm(path.join(dir, 'etc/two.conf'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a full disk: the step fails before its first action, names the file, the full file system and the fix; the state on disk is intact', async () => {
    const before = await fs.readFile(path.join(dir, 'state/state.json'), 'utf8');
    // The state directory becomes a 64 KB tmpfs holding the state as it was, then filled to the last block.
    const prepare = [
      'cp "$1/state/state.json" "$1/saved.json"',
      'mount -t tmpfs -o size=64k tmpfs "$1/state"',
      'cp "$1/saved.json" "$1/state/state.json"',
      'dd if=/dev/zero of="$1/state/filler" bs=4k 2>/dev/null || true',
    ].join('\n');
    const r = run(dir, 'repair', prepare, 'ls -a "$1/state"; echo ---state---; cat "$1/state/state.json"');

    expect(statuses(r.summary)).toEqual({ one: 'ok', two: 'failed' });
    const f = r.failing.find((x) => x.check === 'two.state');
    expect(f, JSON.stringify(r.failing)).toBeDefined();
    expect(f!.summary).toMatch(/Could not record the run state before its first action/);
    expect(f!.evidence).toContain(`writing ${dir}/state/state.json: `);
    expect(f!.evidence).toMatch(/ENOSPC|no space left/i);
    expect(f!.cause).toContain(`The file system mounted on ${dir}/state (which holds ${dir}/state) is full (100% used, 0 KB free).`);
    expect(f!.fix).toMatch(/^Free space there/);
    // Nothing lost: two.conf was not written without its record, the state is as it was, no temp file.
    await expect(fs.stat(path.join(dir, 'etc/two.conf'))).rejects.toThrow();
    const [listing, state] = r.after.split('---state---\n');
    expect(listing!.split('\n').filter(Boolean).sort()).toEqual(['.', '..', 'filler', 'state.json']);
    expect(state).toBe(before);

    // Space again: repair finishes the step.
    const again = run(dir, 'repair');
    expect(statuses(again.summary)).toEqual({ one: 'ok', two: 'changed' });
    expect(await fs.readFile(path.join(dir, 'etc/two.conf'), 'utf8')).toBe('two\n');
  });

  it('the disk fills during a step: the next command cannot be put on record, so it does not run, and the finding names the full disk', async () => {
    const prepare = 'mount -t tmpfs -o size=64k tmpfs "$1/state"';
    const r = run(dir, 'setup', prepare, '', 'fill');
    expect(statuses(r.summary)).toEqual({ fill: 'failed' });
    const f = r.failing.find((x) => x.check === 'fill.apply');
    expect(f, JSON.stringify(r.failing)).toBeDefined();
    expect(f!.summary).toBe(`Could not run touch ${dir}/marker`);
    expect(f!.evidence).toMatch(new RegExp(`^not run: could not write ${dir}/state/state\\.json: ENOSPC`));
    expect(f!.cause).toContain(`The file system mounted on ${dir}/state`);
    expect(f!.cause).toContain('is full');
    await expect(fs.stat(path.join(dir, 'marker'))).rejects.toThrow();
  });

  it('a read-only file system: named with its mount and how to make it writable', async () => {
    const prepare = 'mount --bind "$1/state" "$1/state"\nmount -o remount,bind,ro "$1/state"';
    const r = run(dir, 'repair', prepare, 'ls -a "$1/state"');
    expect(statuses(r.summary)).toEqual({ one: 'ok', two: 'failed' });
    const f = r.failing.find((x) => x.check === 'two.state');
    expect(f, JSON.stringify(r.failing)).toBeDefined();
    expect(f!.evidence).toMatch(/EROFS|read-only file system/i);
    expect(f!.cause).toBe(`The file system mounted on ${dir}/state (which holds ${dir}/state) is read-only: nothing can be written there.`);
    expect(f!.fix).toContain(`mount -o remount,rw ${dir}/state`);
    expect(r.after.split('\n').filter(Boolean).sort()).toEqual(['.', '..', 'state.json']);
    await expect(fs.stat(path.join(dir, 'etc/two.conf'))).rejects.toThrow();

    const again = run(dir, 'repair');
    expect(statuses(again.summary)).toEqual({ one: 'ok', two: 'changed' });
  });
});
