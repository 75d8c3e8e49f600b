import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, LockedError, parseLock, processStartTime } from '../../src/engine/lock.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The lock content a live process with this pid and start time would write. */
const lockOf = (pid: number, start = processStartTime(pid)) => `${pid} ${start} 0123456789abcdef\n`;

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('the run lock', () => {
  it('lets one run in, names the running pid to the second, and frees on release', async () => {
    const file = path.join(dir, 'var/run/mail-wizard.lock');
    const sleeper = spawn('sleep', ['30']);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, lockOf(sleeper.pid!));
    await expect(acquireLock(file)).rejects.toThrow(new LockedError(`another mail-wizard is running (pid ${sleeper.pid}, ${file}); wait for it to finish`));
    sleeper.kill();
    await new Promise((r) => sleeper.once('exit', r));
    // Its process is gone: the lock is stale and taken over.
    const release = await acquireLock(file);
    expect(parseLock(await fs.readFile(file, 'utf8'))).toEqual({ pid: process.pid, start: processStartTime(process.pid) });
    await release();
    await expect(fs.stat(file)).rejects.toThrow();
    expect(await fs.readdir(path.dirname(file))).toEqual([]); // no temp or guard file left
  });

  it('a recycled pid (alive, but started at another time) and empty or half-written content are stale', async () => {
    const file = path.join(dir, 'mail-wizard.lock');
    for (const stale of [lockOf(process.pid, 't1'), '', `${process.pid} `, 'garbage\n']) {
      await fs.writeFile(file, stale);
      const release = await acquireLock(file);
      expect(parseLock(await fs.readFile(file, 'utf8'))?.pid, JSON.stringify(stale)).toBe(process.pid);
      await release();
    }
  });

  it('setup refuses to start while another run holds the lock, and changes nothing', async () => {
    const lock = path.join(dir, 'var/run/mail-wizard.lock');
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, lockOf(process.pid)); // this test process: alive
    const { code, stderr } = await cli(['setup', '--demo', '--root', dir, '--yes']);
    expect(code).toBe(2);
    expect(stderr).toContain(`another mail-wizard is running (pid ${process.pid}`);
    expect(await fs.readdir(dir)).toEqual(['var']);
    expect(await fs.readdir(path.dirname(lock))).toEqual(['mail-wizard.lock']);
  });
});

const WORKER = fileURLToPath(new URL('../../dist/test/unit/fixtures/lock-worker.js', import.meta.url));

/** A worker process and a way to ask it one trial at a time. */
function worker() {
  const child: ChildProcessWithoutNullStreams = spawn('node', [WORKER]);
  const waiting = new Map<string, (answer: string) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [trial, ...answer] = line.split(' ');
    waiting.get(trial!)?.(answer.join(' '));
  });
  return {
    child,
    race: (trial: number, file: string) =>
      new Promise<string>((resolve) => {
        waiting.set(String(trial), resolve);
        child.stdin.write(`${trial} ${file}\n`);
      }),
  };
}

describe('the run lock under a race of real processes', () => {
  it('two processes racing for 1,000 stale, broken or free locks: exactly one holder every time', async () => {
    const a = worker();
    const b = worker();
    const dead = await deadPid();
    // Every shape a lock can be left in; the last is held by a live process (this one): nobody gets it.
    const shapes: (string | null)[] = [null, '', `${dead} `, `${dead} t5 0123456789abcdef\n`, lockOf(process.pid, 't1'), 'garbage\n', lockOf(process.pid)];
    const tally = new Map<string, number>();
    try {
      for (let trial = 0; trial < 1000; trial++) {
        const shape = shapes[trial % shapes.length]!;
        const file = path.join(dir, `lock-${trial}`);
        if (shape !== null) await fs.writeFile(file, shape);
        const answers = await Promise.all([a.race(trial, file), b.race(trial, file)]);
        const holders = answers.filter((x) => x === 'got').length;
        const expected = shape === lockOf(process.pid) ? 0 : 1;
        expect(answers.every((x) => x === 'got' || x === 'locked'), `trial ${trial}: ${answers}`).toBe(true);
        expect(holders, `trial ${trial} (${JSON.stringify(shape)}): ${answers}`).toBe(expected);
        if (expected) {
          const winner = answers[0] === 'got' ? a : b;
          expect((await fs.readFile(file, 'utf8')).split(/\s/)[0]).toBe(String(winner.child.pid));
        }
        tally.set(answers.join('/'), (tally.get(answers.join('/')) ?? 0) + 1);
      }
    } finally {
      a.child.kill();
      b.child.kill();
    }
    // No temp or guard file survives a race.
    expect((await fs.readdir(dir)).filter((n) => !/^lock-\d+$/.test(n))).toEqual([]);
    // Both sides won some races: the two really competed.
    expect(tally.get('got/locked')).toBeGreaterThan(0);
    expect(tally.get('locked/got')).toBeGreaterThan(0);
  }, 300_000);
});
