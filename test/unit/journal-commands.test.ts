/**
 * The commands a run starts are on record while they run, and a killed run's leftovers are settled
 * by the next one. Real process groups throughout: the recorded command reads the state file while
 * it runs; leftovers are real `sh`/`sleep` groups made with setsid, and the settle waits for states
 * (a group gone), never for a time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import { RunState, type CommandGroup } from '../../src/engine/journal.js';
import { settleLeftoverCommands } from '../../src/engine/leftovers.js';
import { processStartTime } from '../../src/engine/lock.js';
import { runSteps } from '../../src/engine/runner.js';
import { execArgv, recordCommandsIn } from '../../src/host/exec.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { commandStep } from '../support/steps.js';
import { tempDir } from '../support/tmp.js';

let root: string;
const spawned: number[] = [];
beforeEach(async () => {
  root = await tempDir();
});
afterEach(async () => {
  for (const pgid of spawned.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await fs.rm(root, { recursive: true, force: true });
});

const stateFile = () => path.join(root, debian.paths.stateDir, 'state.json');
const host = () => rootedHost(root, { exec: 'host' });

/** Polls until fn is true (a state), failing after a generous deadline. */
async function until(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process group of its own, as a killed wizard's command would leave: a shell and its child. */
async function leftover(script: string): Promise<CommandGroup> {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  const pgid = child.pid!;
  spawned.push(pgid);
  await until('the leftover to run', () => existsSync(`/proc/${pgid}`));
  return { pgid, start: processStartTime(pgid), command: `sh -c ${script}` };
}

async function stateWith(commands: CommandGroup[]): Promise<RunState> {
  await fs.mkdir(path.dirname(stateFile()), { recursive: true });
  await fs.writeFile(stateFile(), JSON.stringify({ version: 1, unfinished: [], changed: [], written: {}, pending: {}, writing: [], commands }));
  return RunState.load(host(), debian.paths.stateDir);
}

describe('the commands of a run are on record while they run', () => {
  it('a command that changes the box finds its own process group in the state file; after it ends, nothing is on record', async () => {
    const snap = path.join(root, 'seen.json');
    const pidFile = path.join(root, 'pid');
    // The command records its own pid and copies the state file as it is while it runs.
    // (Its marker is a path of the rooted host: /seen.json is root/seen.json.)
    const step = commandStep('cmd', ['sh', '-c', `echo $$ > ${pidFile}; cat ${stateFile()} > ${snap}`], '/seen.json');
    const state = await RunState.load(host(), debian.paths.stateDir);
    const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host: host(), mode: 'setup', facts: {}, runId: 't', state });
    const summary = await runSteps({ steps: [step], ctx, listener: () => undefined });
    expect(summary.results.map((r) => r.status)).toEqual(['changed']);

    const pid = Number(readFileSync(pidFile, 'utf8'));
    const seen = JSON.parse(readFileSync(snap, 'utf8')) as { commands: CommandGroup[] };
    expect(seen.commands).toHaveLength(1);
    expect(seen.commands[0]).toMatchObject({ pgid: pid, command: expect.stringMatching(/^sh -c echo \$\$ > /) });
    expect(seen.commands[0]!.start).toMatch(/^t\d+$/);
    expect((JSON.parse(readFileSync(stateFile(), 'utf8')) as { commands: unknown[] }).commands).toEqual([]);
  });

  it('behind the record, a command gets its stdin, its exit code, and "command not found" as without it', async () => {
    const state = await RunState.load(host(), debian.paths.stateDir);
    recordCommandsIn(state);
    try {
      const cat = await execArgv(['sh', '-c', 'cat; exit 3'], { timeoutMs: 10_000, input: 'hello\n' });
      expect(cat).toMatchObject({ exitCode: 3, stdout: 'hello\n', notFound: false });
      const missing = await execArgv(['no-such-program-mw'], { timeoutMs: 10_000 });
      expect(missing).toMatchObject({ exitCode: null, notFound: true, stderr: 'no-such-program-mw: command not found' });
      // A command that only looks is not on record and runs as it is.
      const look = await execArgv(['sh', '-c', 'cat /proc/$$/cmdline'], { timeoutMs: 10_000, readOnly: true });
      expect(look.stdout).not.toContain('mail-wizard-gate');
    } finally {
      recordCommandsIn(null);
    }
    expect(state.commands).toEqual([]);
  });

  it('a dry-run records nothing (it writes no state)', async () => {
    const step = commandStep('cmd', ['true'], path.join(root, 'never'));
    const ctx = createContext({ answers: DEMO_ANSWERS, platform: debian, host: host(), mode: 'dry-run', facts: {}, runId: 't', state: await RunState.load(host(), debian.paths.stateDir) });
    await runSteps({ steps: [step], ctx, listener: () => undefined });
    expect(existsSync(stateFile())).toBe(false);
  });
});

describe('the next run settles what a killed run left running', () => {
  it('a group still running after the wait is stopped, all of it (the shell and its child), and the run says so', async () => {
    const g = await leftover('sleep 600 & sleep 600; wait');
    const state = await stateWith([g]);
    const said = await settleLeftoverCommands(state, { waitMs: 200, graceMs: 5000 });
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`\`${g.command}\` (process group ${g.pgid}), started by an earlier run that was killed, was still running after 0 s: stopped it.`);
    expect(groupAlive(g.pgid)).toBe(false);
    expect((JSON.parse(readFileSync(stateFile(), 'utf8')) as { commands: unknown[] }).commands).toEqual([]);
  });

  it('a group that ends by itself within the wait is waited for, not stopped', async () => {
    const go = path.join(root, 'go');
    const done = path.join(root, 'done');
    // It ends cleanly once `go` exists, and says so (a stopped one would not write `done`).
    const g = await leftover(`while [ ! -e ${go} ]; do sleep 0.05; done; touch ${done}`);
    const state = await stateWith([g]);
    const settling = settleLeftoverCommands(state, { waitMs: 60_000, graceMs: 5000 });
    await fs.writeFile(go, '');
    const said = await settling;
    expect(said[0]).toMatch(/was still running: waited for it to end by itself\.$/);
    expect(existsSync(done)).toBe(true);
  });

  it('a pid that now belongs to another process (another start time) is never touched', async () => {
    const g = await leftover('sleep 600');
    const state = await stateWith([{ ...g, start: 't1' }]);
    const said = await settleLeftoverCommands(state, { waitMs: 100, graceMs: 100 });
    expect(said).toEqual([]);
    expect(groupAlive(g.pgid)).toBe(true);
    // Off the record all the same: it is not ours.
    expect((JSON.parse(readFileSync(stateFile(), 'utf8')) as { commands: unknown[] }).commands).toEqual([]);
  });

  it('a group that is gone is only taken off the record', async () => {
    const g = await leftover('exit 0');
    await until('the group to end', () => !groupAlive(g.pgid));
    const state = await stateWith([g]);
    expect(await settleLeftoverCommands(state, { waitMs: 100, graceMs: 100 })).toEqual([]);
    expect(state.commands).toEqual([]);
  });
});
