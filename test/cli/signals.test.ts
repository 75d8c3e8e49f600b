/**
 * Signals stop a real wizard process the same way in every mode (plain, JSON, Ink in tmux): the
 * running command finishes, no further action starts, the lock is released and the person is told
 * to run `mail-wizard repair`. A second signal stops at once and kills the running command's group.
 * A command that times out takes its whole process group with it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execArgv } from '../../src/host/exec.js';
import { tempDir } from '../support/tmp.js';
import { maskScreen, Tmux, tmuxAvailable } from '../tui/tmux.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(REPO, 'dist/test/cli/fixtures/slow-run.js');
const CODE = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;

/** Polls until `check` holds (a state, not a time); the deadline only bounds a broken run. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

/** A process that has ended (gone, or a zombie nobody has reaped yet). */
async function ended(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat === null || /\) Z /.test(stat);
}

let root: string;
beforeEach(async () => {
  root = await tempDir('mail-wizard-signals-');
});
afterEach(async () => {
  await fs.writeFile(path.join(root, 'release'), ''); // never leave a waiting command behind
  await fs.rm(root, { recursive: true, force: true });
});

const lock = () => path.join(root, 'var/run/mail-wizard.lock');

describe('a stop signal in plain and JSON mode', () => {
  for (const [signal, json] of [['SIGINT', false], ['SIGTERM', false], ['SIGHUP', false], ['SIGTERM', true], ['SIGHUP', true]] as const) {
    it(`${signal}${json ? ' (--json)' : ''}: the running command finishes, nothing else starts, the lock is released`, async () => {
      const wizard = execa('node', [FIXTURE, '--root', root, ...(json ? ['--json'] : [])], { reject: false, stdin: 'ignore' });
      let stderr = '';
      wizard.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      await until('the slow command to start', () => exists(path.join(root, 'started')));
      expect(await exists(lock())).toBe(true);
      wizard.kill(signal);
      await until('the wizard to say it is stopping', async () => stderr.includes(`${signal} received: finishing the action that is running`));
      expect(await exists(lock())).toBe(true); // still working
      await fs.writeFile(path.join(root, 'release'), '');
      const result = await wizard;
      expect(result.exitCode, stderr).toBe(CODE[signal]);
      expect(stderr).toContain(`stopped by ${signal}; nothing was left half-written. Run \`mail-wizard repair\` to continue`);
      expect(await exists(lock())).toBe(false);
      expect(await exists(path.join(root, 'etc/after-slow'))).toBe(false); // the next action never started
      expect(await exists(path.join(root, 'etc/next'))).toBe(false);
      expect(await fs.readdir(path.join(root, 'var/run'))).toEqual([]);
      if (json) {
        const events = String(result.stdout).trim().split('\n').map((l) => JSON.parse(l) as { type: string; summary?: { stopped: boolean } });
        expect(events.at(-1)).toMatchObject({ type: 'run-done', summary: { stopped: true } });
      } else expect(String(result.stdout)).toContain('stopped before it finished');
    }, 60_000);
  }

  it('a second signal stops at once: the running command and its children are killed, the lock released', async () => {
    const wizard = execa('node', [FIXTURE, '--root', root], { reject: false, stdin: 'ignore' });
    let stderr = '';
    wizard.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await until('the slow command to start', () => exists(path.join(root, 'started')));
    const slowPid = Number(await fs.readFile(path.join(root, 'slow.pid'), 'utf8'));
    wizard.kill('SIGTERM');
    await until('the first signal to be seen', async () => stderr.includes('SIGTERM received'));
    wizard.kill('SIGTERM');
    const result = await wizard;
    expect(result.exitCode).toBe(143);
    expect(stderr).toContain('SIGTERM received again: stopped at once');
    expect(stderr).toContain('mail-wizard repair');
    await until('the slow command to be killed', () => ended(slowPid));
    expect(await exists(lock())).toBe(false);
  }, 60_000);
});

describe.runIf(tmuxAvailable())('a stop signal in the Ink checklist (tmux)', () => {
  const tmux = new Tmux();
  afterAll(() => tmux.kill());

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: the checklist stops after the running command and says how to continue`, async () => {
      const session = `ink-${signal}`;
      await tmux.start(session, ['node', FIXTURE, '--root', root], REPO);
      await until('the slow command to start', () => exists(path.join(root, 'started')));
      const pid = Number(await fs.readFile(path.join(root, 'wizard.pid'), 'utf8'));
      process.kill(pid, signal);
      await tmux.waitFor(session, /stopping after the running action/, maskScreen);
      await fs.writeFile(path.join(root, 'release'), '');
      expect(await tmux.waitForExit(session, 30_000)).toBe(CODE[signal]);
      const screen = await tmux.capture(session, true);
      expect(screen).toContain(`stopped by ${signal}`);
      expect(screen).toContain('mail-wizard repair');
      expect(await exists(lock())).toBe(false);
      expect(await exists(path.join(root, 'etc/after-slow'))).toBe(false);
    }, 60_000);
  }
});

describe('command time-outs', () => {
  it('kill the whole process group: a child the command started in the background is gone too', async () => {
    const result = await execArgv(['sh', '-c', 'sleep 600 & echo $!; wait'], { timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await until('the background sleep to be killed', () => ended(grandchild));
  }, 30_000);

  it('leave alone what a command that finished in time started (a daemon an init script launched)', async () => {
    const result = await execArgv(['sh', '-c', 'sleep 600 > /dev/null 2>&1 & echo $!'], { timeoutMs: 10_000 });
    expect(result.timedOut).toBe(false);
    const daemon = Number(result.stdout.trim());
    try {
      expect(await ended(daemon)).toBe(false);
    } finally {
      process.kill(daemon, 'SIGKILL');
    }
  });
});
