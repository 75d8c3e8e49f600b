import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import type { RunnerEvent } from '../../src/engine/events.js';
import { runSteps, type RunnerOptions } from '../../src/engine/runner.js';
import type { AnyStep, Mode } from '../../src/engine/types.js';
import { RecorderHost } from '../../src/host/recorder.js';
import { rootedHost } from '../../src/host/rooted.js';
import type { Host } from '../../src/host/host.js';
import { debian } from '../../src/platform/debian.js';
import { commandStep, fileStep } from '../support/steps.js';
import { tempDir, treeSnapshot } from '../support/tmp.js';

/** The check ids of a step that cannot plan, apply or verify: the finding names the error line (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = [
  '<step>.plan',
  '<step>.apply',
  '<step>.verify',
] as const;

let root: string;
beforeEach(async () => {
  root = await tempDir();
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function run(mode: Mode, steps: AnyStep[], extra: Partial<RunnerOptions> = {}, host: Host = rootedHost(root, { exec: 'host' })) {
  const events: RunnerEvent[] = [];
  const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host, mode, facts: {}, runId: 'test' });
  const done = runSteps({ steps, ctx, listener: (e) => events.push(e), ...extra });
  return done.then((summary) => ({ summary, events, ctx }));
}

const statuses = (summary: { results: { id: string; status: string }[] }) => Object.fromEntries(summary.results.map((r) => [r.id, r.status]));
const file = (p: string) => path.join(root, p);

describe('setup mode', () => {
  it('probes, plans, applies and verifies each step; a second run changes nothing', async () => {
    const steps = [fileStep('a', '/etc/a.conf', 'A\n'), fileStep('b', '/etc/b.conf', 'B\n')];
    const first = await run('setup', steps);
    expect(statuses(first.summary)).toEqual({ a: 'changed', b: 'changed' });
    expect(await fs.readFile(file('etc/a.conf'), 'utf8')).toBe('A\n');
    expect(first.events.map((e) => e.type)).toEqual([
      'run-start',
      'step-start', 'step-planned', 'action-start', 'action-done', 'step-verified', 'step-done',
      'step-start', 'step-planned', 'action-start', 'action-done', 'step-verified', 'step-done',
      'run-done',
    ]);
    const second = await run('setup', steps);
    expect(statuses(second.summary)).toEqual({ a: 'ok', b: 'ok' });
    expect(second.summary.changed).toBe(0);
  });

  it('runs real commands: exit 0 passes, a non-zero exit and a timeout fail with the reason', async () => {
    const marker = '/ran';
    const ok = await run('setup', [commandStep('t', ['touch', file('ran')], marker)]);
    expect(statuses(ok.summary)).toEqual({ t: 'changed' });

    const failing = await run('setup', [commandStep('f', ['false'], '/never')]);
    expect(statuses(failing.summary)).toEqual({ f: 'failed' });
    const verified = failing.events.find((e) => e.type === 'step-verified');
    expect(verified?.type === 'step-verified' && verified.findings[0]).toMatchObject({ status: 'fail', check: 'f.apply', summary: 'Could not run false', evidence: 'false: exit code 1' });

    const slow = await run('setup', [commandStep('s', ['sleep', '10'], '/never', 300)]);
    const finding = slow.events.find((e) => e.type === 'step-verified');
    expect(finding?.type === 'step-verified' && finding.findings[0]?.evidence).toBe('sleep 10: did not finish in time and was stopped');
  });

  it('stops at the first failure when nobody can be asked', async () => {
    const steps = [commandStep('f', ['true'], '/missing-marker'), fileStep('after', '/etc/after', 'x\n')];
    const { summary } = await run('setup', steps);
    expect(summary.stopped).toBe(true);
    expect(statuses(summary)).toEqual({ f: 'failed' });
    await expect(fs.stat(file('etc/after'))).rejects.toThrow();
  });

  it('retry walks the step again and passes once the cause is fixed', async () => {
    const asked: string[] = [];
    const { summary } = await run('setup', [commandStep('r', ['true'], '/fixed')], {
      onFailure: async (step, findings) => {
        asked.push(`${step.id}: ${findings[0]?.summary}`);
        await fs.writeFile(file('fixed'), ''); // the person fixes it, then retries
        return 'retry';
      },
    });
    expect(asked).toEqual(['r: /fixed is missing']);
    expect(statuses(summary)).toEqual({ r: 'changed' });
  });

  it('skip marks the step skipped, skips the steps that need it, and goes on', async () => {
    const steps = [
      commandStep('broken', ['true'], '/nope'),
      commandStep('dependent', ['touch', file('dependent-ran')], '/dependent-ran', 5000, ['broken']),
      fileStep('independent', '/etc/ind', 'i\n'),
    ];
    const { summary } = await run('setup', steps, { onFailure: async () => 'skip' });
    expect(statuses(summary)).toEqual({ broken: 'skipped', dependent: 'skipped', independent: 'changed' });
    expect(summary.results.find((r) => r.id === 'dependent')?.note).toBe('needs broken, which did not pass');
    await expect(fs.stat(file('dependent-ran'))).rejects.toThrow();
  });

  it('quit stops the walk and says so', async () => {
    const steps = [commandStep('q', ['true'], '/nope'), fileStep('later', '/etc/later', 'l\n')];
    const { summary } = await run('setup', steps, { onFailure: async () => 'quit' });
    expect(summary).toMatchObject({ stopped: true, failed: 1 });
    expect(summary.results.map((r) => r.id)).toEqual(['q']);
  });

  it('asks before replacing a file, and skips the step when the answer is no', async () => {
    await fs.mkdir(file('etc'));
    await fs.writeFile(file('etc/a.conf'), 'mine\n');
    const asked: string[] = [];
    const { summary } = await run('setup', [fileStep('a', '/etc/a.conf', 'A\n')], {
      confirm: async (step, actions) => {
        asked.push(`${step.id}: ${actions.map((a) => a.describe).join()}`);
        return false;
      },
    });
    expect(asked).toEqual(['a: write /etc/a.conf (0644)']);
    expect(summary.results[0]).toMatchObject({ status: 'skipped', note: 'not confirmed' });
    expect(await fs.readFile(file('etc/a.conf'), 'utf8')).toBe('mine\n');
  });

  it('turns an exception in a step into a finding, never a crash', async () => {
    const throwing: AnyStep = { ...fileStep('x', '/etc/x', 'x'), probe: async () => { throw new Error('disk on fire'); } };
    const { summary, events } = await run('setup', [throwing]);
    expect(statuses(summary)).toEqual({ x: 'failed' });
    const verified = events.find((e) => e.type === 'step-verified');
    expect(verified?.type === 'step-verified' && verified.findings[0]).toMatchObject({ check: 'x.plan', evidence: 'disk on fire' });
  });

  it('a check that throws is an x.verify finding naming the error, in setup and in repair\'s first look', async () => {
    const throwing: AnyStep = { ...fileStep('x', '/etc/x', 'x'), verify: async () => { throw new Error('cannot read /etc/x: EIO'); } };
    for (const mode of ['setup', 'repair'] as const) {
      const { summary, events } = await run(mode, [throwing]);
      expect(statuses(summary)).toEqual({ x: 'failed' });
      const verified = events.find((e) => e.type === 'step-verified');
      expect(verified?.type === 'step-verified' && verified.findings[0]).toMatchObject({ status: 'fail', check: 'x.verify', evidence: 'cannot read /etc/x: EIO' });
    }
  });
});

describe('repair mode', () => {
  it('verifies everything first, then fixes only the failing step', async () => {
    const steps = [fileStep('a', '/etc/a.conf', 'A\n'), fileStep('b', '/etc/b.conf', 'B\n')];
    await run('setup', steps);
    const before = await fs.stat(file('etc/a.conf'));
    await fs.writeFile(file('etc/b.conf'), 'corrupted\n');

    const { summary, events } = await run('repair', steps);
    const verifyAll = events.find((e) => e.type === 'verify-all');
    expect(verifyAll?.type === 'verify-all' && verifyAll.results.map((r) => [r.step.id, r.findings[0]?.status])).toEqual([
      ['a', 'pass'],
      ['b', 'fail'],
    ]);
    expect(statuses(summary)).toEqual({ a: 'ok', b: 'changed' });
    expect(await fs.readFile(file('etc/b.conf'), 'utf8')).toBe('B\n');
    expect((await fs.stat(file('etc/a.conf'))).mtimeMs).toBe(before.mtimeMs);
    expect(summary.backups).toEqual([expect.stringMatching(/^\/var\/backups\/mail-wizard\/.+\/etc\/b\.conf$/)]);
  });

  it('walks a passing step that takes up the changes of a step it repaired (the services step after users)', async () => {
    const planned: string[] = [];
    const restarts = fileStep('r', '/etc/r.conf', 'R\n', { takesUpChanges: ['a'] });
    const steps = [fileStep('a', '/etc/a.conf', 'A\n'), restarts, fileStep('b', '/etc/b.conf', 'B\n')];
    await run('setup', steps);
    await fs.rm(file('etc/a.conf'));
    const { summary } = await run('repair', steps, { listener: (e) => e.type === 'step-planned' && void planned.push(e.step.id) });
    expect(statuses(summary)).toEqual({ a: 'changed', r: 'ok', b: 'ok' });
    expect(planned).toEqual(['a', 'r']); // r was walked (planned), b was not
  });
});

describe('dry-run mode', () => {
  it('probes and plans every step, applies and verifies nothing, and leaves the disk untouched', async () => {
    await fs.mkdir(file('etc'));
    await fs.writeFile(file('etc/a.conf'), 'old\n');
    const before = await treeSnapshot(root);
    let verified = 0;
    const counting = (s: AnyStep): AnyStep => ({ ...s, verify: async (ctx) => (verified++, s.verify(ctx)) });
    const recorder = new RecorderHost(rootedHost(root, { exec: 'host' }));
    const steps = [counting(fileStep('a', '/etc/a.conf', 'A\n')), counting(commandStep('c', ['touch', file('touched')], '/touched'))];
    const { summary, events } = await run('dry-run', steps, {}, recorder);

    expect(statuses(summary)).toEqual({ a: 'planned', c: 'planned' });
    expect(verified).toBe(0);
    expect(events.some((e) => e.type === 'action-start')).toBe(false);
    const planned = events.find((e) => e.type === 'step-planned' && e.step.id === 'a');
    expect(planned?.type === 'step-planned' && planned.actions[0]?.diff).toContain('-old\n+A');
    expect(await treeSnapshot(root)).toEqual(before);
  });

  it('the recorder records changes instead of making them, and never reads a private key', async () => {
    const recorder = new RecorderHost(rootedHost(root, { exec: 'host' }));
    await fs.mkdir(file('etc/ssl/private'), { recursive: true });
    await fs.writeFile(file('etc/ssl/private/host.key'), 'SECRET');
    expect(await recorder.readFile('/etc/ssl/private/host.key')).toBeNull();
    await recorder.writeFile('/etc/new', 'x', { mode: 0o644 });
    const result = await recorder.run(['touch', file('should-not-exist')], { timeoutMs: 1000 });
    expect(result.recorded).toBe(true);
    await expect(fs.stat(file('should-not-exist'))).rejects.toThrow();
    await expect(fs.stat(file('etc/new'))).rejects.toThrow();
    expect(recorder.recorded).toEqual([
      { type: 'writeFile', path: '/etc/new', bytes: 1, meta: { mode: 0o644 } },
      { type: 'run', argv: ['touch', file('should-not-exist')] },
    ]);
  });
});
