/**
 * The run state on disk: each "run" below is a new context whose state is read back from the
 * disk, as a new process would (the kill -9 suite in test/stack/kill9.test.ts does it with real
 * SIGKILLs in the test host).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import type { RunnerEvent } from '../../src/engine/events.js';
import { RunState, contentHash } from '../../src/engine/journal.js';
import { runSteps, verifyAll, type RunnerOptions } from '../../src/engine/runner.js';
import type { Action, AnyStep, Finding, Mode } from '../../src/engine/types.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { configStep } from '../../recipes/lib/config-step.js';
import { parseLstart } from '../../recipes/lib/daemon-age.js';
import { fileStep } from '../support/steps.js';
import { tempDir } from '../support/tmp.js';

let root: string;
beforeEach(async () => {
  root = await tempDir();
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const file = (p: string) => path.join(root, p);
const STATE = `${debian.paths.stateDir}/state.json`;

async function run(mode: Mode, steps: AnyStep[], extra: Partial<RunnerOptions> = {}) {
  const host = rootedHost(root, { exec: 'host' });
  const state = await RunState.load(host, debian.paths.stateDir);
  const events: RunnerEvent[] = [];
  const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host, mode, facts: {}, runId: 'test', state });
  const summary = await runSteps({ steps, ctx, listener: (e) => events.push(e), ...extra });
  return { summary, events, ctx };
}

const statuses = (summary: { results: { id: string; status: string }[] }) => Object.fromEntries(summary.results.map((r) => [r.id, r.status]));
const firstLook = (events: RunnerEvent[]) => {
  const e = events.find((x) => x.type === 'verify-all');
  return e?.type === 'verify-all' ? Object.fromEntries(e.results.map((r) => [r.step.id, r.findings])) : {};
};
const savedState = async () => JSON.parse(await fs.readFile(file(STATE), 'utf8')) as { unfinished: string[]; changed: string[]; written: Record<string, string[]> };

/** A config step that writes /etc/<id>.conf and then runs `after` (like loading a firewall). */
function conf(id: string, content: () => string, after: () => string[] = () => [], needs?: string[], checkArgv?: string[]): AnyStep {
  return configStep({
    id,
    title: id,
    why: `keeps /etc/${id}.conf`,
    ...(needs ? { needs } : {}),
    files: () => [{ path: `/etc/${id}.conf`, content: content(), mode: 0o644 }],
    after: () => after().map((a): Action => ({ type: 'run', argv: a.split(' '), timeoutMs: 5000 })),
    ...(checkArgv ? { toolCheck: () => ({ check: `${id}.config`, argv: checkArgv, pass: 'ok', fail: `${id} rejects it`, fix: 'fix it' }) } : {}),
    upToDate: `${id}.conf is as wanted`,
  });
}

describe('what a run still owes survives the process', () => {
  it('a step stopped after its file was written is finished by the next run: what comes after the file runs again', async () => {
    let after = 'false';
    const fw = conf('fw', () => 'rules\n', () => [after]);
    const first = await run('setup', [fw]);
    expect(statuses(first.summary)).toEqual({ fw: 'failed' });
    expect(await fs.readFile(file('etc/fw.conf'), 'utf8')).toBe('rules\n');
    expect((await savedState()).unfinished).toEqual(['fw']);
    expect((await fs.stat(file(STATE))).mode & 0o777).toBe(0o600);

    // The file is as wanted, yet repair's first look fails the step: its tail never ran.
    after = `touch ${file('loaded')}`;
    const second = await run('repair', [fw]);
    expect(firstLook(second.events).fw?.map((f) => `${f.status} ${f.check}`)).toContain('fail fw.unfinished');
    const planned = second.events.find((e) => e.type === 'step-planned');
    expect(planned?.type === 'step-planned' && planned.actions.map((a) => a.describe)).toEqual([`run touch ${file('loaded')}`]);
    expect(statuses(second.summary)).toEqual({ fw: 'changed' });
    await fs.stat(file('loaded'));
    expect((await savedState()).unfinished).toEqual([]);

    const third = await run('repair', [fw]);
    expect(statuses(third.summary)).toEqual({ fw: 'ok' });
  });

  it('a change whose restart never happened is restarted by the next repair, then forgotten', async () => {
    const restarted = file('restarted');
    const services: AnyStep = {
      id: 'services',
      title: 'services',
      why: 'restarts what changed',
      takesUpChanges: ['a'],
      probe: async () => null,
      plan: (ctx) => (ctx.changed.has('a') ? { actions: [{ type: 'run', argv: ['touch', restarted], timeoutMs: 5000 }] } : { actions: [], reason: 'nothing changed' }),
      verify: async (): Promise<Finding[]> => [{ status: 'pass', check: 'services.run', summary: 'running' }],
    };
    const a = conf('a', () => 'A\n');
    const steps = [a, services];
    // Write a, then stop before services: what a real kill between the two steps leaves.
    const stopAfterA = new AbortController();
    await run('setup', steps, { listener: (e) => e.type === 'step-done' && e.step.id === 'a' && stopAfterA.abort(), signal: stopAfterA.signal });
    expect((await savedState()).changed).toEqual(['a']);
    await expect(fs.stat(restarted)).rejects.toThrow();

    const repair = await run('repair', steps);
    expect(firstLook(repair.events).services?.[0]).toMatchObject({ status: 'fail', check: 'services.owed' });
    expect(statuses(repair.summary)).toEqual({ a: 'ok', services: 'changed' });
    await fs.stat(restarted);
    expect((await savedState()).changed).toEqual([]);
    const again = await run('repair', steps);
    expect(statuses(again.summary)).toEqual({ a: 'ok', services: 'ok' });
  });

  it('removes the temp files an interrupted write left next to a file it was writing', async () => {
    const a = conf('a', () => 'A\n', () => ['false']);
    await run('setup', [a]); // the write happened, the step did not finish
    const leftover = file('etc/.a.conf.mail-wizard-0badf00d');
    const unrelated = file('etc/.b.conf.mail-wizard-0badf00d');
    await fs.writeFile(leftover, 'half');
    await fs.writeFile(unrelated, 'not ours to judge');
    await run('repair', [conf('a', () => 'A\n')]);
    await expect(fs.stat(leftover)).rejects.toThrow();
    await fs.stat(unrelated);
  });
});

describe('a file mail-wizard never wrote, and a hand edit in one it did', () => {
  it("a distribution's stock file fails as not written yet (a step that never ran does not pass)", async () => {
    await fs.mkdir(file('etc'));
    await fs.writeFile(file('etc/fw.conf'), 'the stock ruleset\n');
    const host = rootedHost(root, { exec: 'host' });
    const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host, mode: 'repair', facts: {}, state: await RunState.load(host, debian.paths.stateDir) });
    const [result] = await verifyAll([conf('fw', () => 'rules\n')], ctx);
    expect(result?.findings[0]).toMatchObject({ status: 'fail', summary: '/etc/fw.conf is not written by mail-wizard yet' });
  });

  it('unattended repair leaves a hand edit that an earlier step\'s change would rewrite, and says so', async () => {
    let aContent = 'A1\n';
    const steps = [conf('a', () => aContent), conf('b', () => `B for ${aContent}`, () => [], ['a'])];
    await run('setup', steps, { unattended: true });
    await fs.writeFile(file('etc/b.conf'), 'B, tuned by the admin\n');
    aContent = 'A2\n'; // new answers: a is ours and out of date, so repair rewrites it; b is cascaded

    const repair = await run('repair', steps, { unattended: true });
    const look = firstLook(repair.events);
    expect(look.a?.[0]).toMatchObject({ status: 'fail', summary: '/etc/a.conf is out of date (written by mail-wizard for other answers)' });
    expect(look.b?.[0]).toMatchObject({ status: 'warn', summary: '/etc/b.conf was edited by hand since mail-wizard wrote it; left as it is' });
    expect(await fs.readFile(file('etc/a.conf'), 'utf8')).toBe('A2\n');
    expect(await fs.readFile(file('etc/b.conf'), 'utf8')).toBe('B, tuned by the admin\n');
    expect(statuses(repair.summary)).toEqual({ a: 'changed', b: 'ok' });
  });

  it('with a person, the hand edit is shown as a diff and replaced only on yes', async () => {
    const steps = [conf('b', () => 'B\n')];
    await run('setup', steps, { unattended: true });
    await fs.writeFile(file('etc/b.conf'), 'mine\n');
    const asked: string[] = [];
    const no = await run('setup', steps, { confirm: async (_s, actions) => (asked.push(...actions.filter((a) => a.handEdited).map((a) => a.diff ?? '')), false) });
    expect(asked[0]).toContain('-mine\n+B');
    expect(statuses(no.summary)).toEqual({ b: 'skipped' });
    expect(await fs.readFile(file('etc/b.conf'), 'utf8')).toBe('mine\n');
    await run('setup', steps, { confirm: async () => true });
    expect(await fs.readFile(file('etc/b.conf'), 'utf8')).toBe('B\n');
  });

  it('unattended repair replaces a hand edit that makes the step\'s own check fail (the edit is backed up)', async () => {
    const check = ['sh', '-c', `! grep -q broken ${file('etc/b.conf')}`];
    const steps = [conf('b', () => 'B\n', () => [], undefined, check)];
    await run('setup', steps, { unattended: true });
    await fs.writeFile(file('etc/b.conf'), 'B\nbroken line\n');
    const repair = await run('repair', steps, { unattended: true });
    expect(statuses(repair.summary)).toEqual({ b: 'changed' });
    expect(await fs.readFile(file('etc/b.conf'), 'utf8')).toBe('B\n');
    expect(repair.summary.backups).toEqual([expect.stringMatching(/\/etc\/b\.conf$/)]);
  });

  it('repair leaves a hand edit when its step fails only because another of its files is missing', async () => {
    const two = configStep({
      id: 'd',
      title: 'd',
      why: 'two files',
      files: () => [
        { path: '/etc/d.conf', content: 'D\n', mode: 0o644 },
        { path: '/etc/d.sieve', content: 'S\n', mode: 0o644 },
      ],
      upToDate: 'as wanted',
    });
    await run('setup', [two], { unattended: true });
    await fs.writeFile(file('etc/d.conf'), 'D, tuned\n');
    await fs.rm(file('etc/d.sieve'));
    const repair = await run('repair', [two], { unattended: true });
    expect(statuses(repair.summary)).toEqual({ d: 'changed' });
    expect(await fs.readFile(file('etc/d.sieve'), 'utf8')).toBe('S\n');
    expect(await fs.readFile(file('etc/d.conf'), 'utf8')).toBe('D, tuned\n');
  });

  it('a file already as wanted is adopted: a later edit of it is a hand edit, not a file never written', async () => {
    await fs.mkdir(file('etc'));
    await fs.writeFile(file('etc/a.conf'), 'A\n'); // e.g. written by a mail-wizard without a run state
    const steps = [conf('a', () => 'A\n')];
    await run('setup', steps, { unattended: true });
    await fs.writeFile(file('etc/a.conf'), 'A, tuned\n');
    const repair = await run('repair', steps, { unattended: true });
    expect(firstLook(repair.events).a?.[0]).toMatchObject({ status: 'warn' });
    expect(await fs.readFile(file('etc/a.conf'), 'utf8')).toBe('A, tuned\n');
  });

  it('a plain file step outside configStep is unaffected by the state', async () => {
    const { summary } = await run('setup', [fileStep('x', '/etc/x', 'x\n')], { unattended: true });
    expect(statuses(summary)).toEqual({ x: 'changed' });
  });
});

describe('daemon start times', () => {
  it("reads ps's lstart (TZ=UTC, the strftime %c shape of OpenBSD's and procps' ps)", () => {
    expect(parseLstart('Tue Dec  1 14:40:12 2026')).toBe(Date.UTC(2026, 11, 1, 14, 40, 12));
    expect(parseLstart('Mon Jan 12 03:04:05 2026')).toBe(Date.UTC(2026, 0, 12, 3, 4, 5));
    expect(parseLstart('14:40')).toBeNull();
  });
});

describe('the run state itself', () => {
  it('a write announced but not done leaves the stock file "never written"; done, other content is a hand edit', async () => {
    const host = rootedHost(root, { exec: 'host' });
    const state = await RunState.load(host, debian.paths.stateDir);
    const write: Action = { type: 'writeFile', path: '/etc/x.conf', content: 'ours\n', mode: 0o644 };
    await state.beginStep('x', [write], false);
    const reread = await RunState.load(host, debian.paths.stateDir); // as the next process sees it
    expect(reread.origin('/etc/x.conf', 'stock\n')).toBe('never');
    expect(reread.origin('/etc/x.conf', 'ours\n')).toBe('ours'); // killed after the rename, before the record
    await state.wrote(write);
    const after = await RunState.load(host, debian.paths.stateDir);
    expect(after.origin('/etc/x.conf', 'ours\n')).toBe('ours');
    expect(after.origin('/etc/x.conf', 'ours, tuned\n')).toBe('edited');
  });

  it('a shared file: the admin\'s lines around our block may change; a change inside it is a hand edit', async () => {
    const host = rootedHost(root, { exec: 'host' });
    const state = await RunState.load(host, debian.paths.stateDir);
    const block = '# BEGIN mail-wizard: postmaster\npostmaster: bob\n# END mail-wizard\n';
    const write: Action = { type: 'writeFile', path: '/etc/aliases', content: `# admin\nnoc: root\n${block}`, mode: 0o644 };
    await state.beginStep('aliases', [write], false);
    await state.wrote(write);
    const after = await RunState.load(host, debian.paths.stateDir);
    expect(after.origin('/etc/aliases', `# admin\nnoc: root\n${block}sales: alice\n`)).toBe('ours');
    expect(after.origin('/etc/aliases', `${block}`)).toBe('ours');
    expect(after.origin('/etc/aliases', `# admin\nnoc: root\n${block.replace('bob', 'carol')}`)).toBe('edited');
    // The block cut out by hand: the rest is no longer ours.
    expect(after.origin('/etc/aliases', '# admin\nnoc: root\n')).toBe('edited');
  });

  it('a run state that recorded a shared file whole (before only the blocks counted) still finds it ours when it is as written', async () => {
    const host = rootedHost(root, { exec: 'host' });
    const content = '# admin\n# BEGIN mail-wizard: x\nours\n# END mail-wizard\n';
    await host.writeFile(`${debian.paths.stateDir}/state.json`, JSON.stringify({ written: { '/etc/hosts': contentHash(content) } }), { mode: 0o600 });
    const state = await RunState.load(host, debian.paths.stateDir);
    expect(state.origin('/etc/hosts', content)).toBe('ours');
  });
});
