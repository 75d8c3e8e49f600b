import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, LockedError } from '../../src/engine/lock.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the run lock', () => {
  it('lets one run in, names the running pid to the second, and frees on release', async () => {
    const file = path.join(dir, 'run/mail-wizard.lock');
    const sleeper = spawn('sleep', ['30']);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${sleeper.pid}\n`);
    await expect(acquireLock(file)).rejects.toThrow(new LockedError(`another mail-wizard is running (pid ${sleeper.pid}, ${file}); wait for it to finish`));
    sleeper.kill();
    await new Promise((r) => sleeper.once('exit', r));
    // Its process is gone: the lock is stale and taken over.
    const release = await acquireLock(file);
    expect((await fs.readFile(file, 'utf8')).trim()).toBe(String(process.pid));
    await release();
    await expect(fs.stat(file)).rejects.toThrow();
  });

  it('setup refuses to start while another run holds the lock, and changes nothing', async () => {
    const lock = path.join(dir, 'run/mail-wizard.lock');
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, `${process.pid}\n`); // this test process: alive
    const { code, stderr } = await cli(['setup', '--demo', '--root', dir, '--yes']);
    expect(code).toBe(2);
    expect(stderr).toContain(`another mail-wizard is running (pid ${process.pid}`);
    expect(await fs.readdir(dir)).toEqual(['run']);
  });
});
