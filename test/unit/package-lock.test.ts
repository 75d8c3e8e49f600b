/**
 * Who holds a lock of the package database: a real process holding a real fcntl() lock (as apt and
 * dpkg take theirs), read back with the real lslocks.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockCause, parseLslocks } from '../../src/diagnose/package-lock.js';
import { missingTools } from '../support/require-tool.js';
import { tempDir } from '../support/tmp.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

// python3 comes with python3-dkim (test/support/system-deps.sh); lslocks with util-linux.
const skip = missingTools('package lock holder', ['/usr/bin/lslocks', '/usr/bin/python3']);

describe('the holder of a package lock', () => {
  it.skipIf(skip)('lslocks names the process that holds an fcntl lock on the file, by pid and command', async () => {
    dir = await tempDir();
    const lock = path.join(dir, 'lock-frontend');
    const ready = path.join(dir, 'ready');
    // Holds the lock until its stdin closes (the test ends it), like a running apt-get.
    const holder = spawn('python3', ['-c', `import fcntl,sys\nf=open(${JSON.stringify(lock)},'w')\nfcntl.lockf(f,fcntl.LOCK_EX)\nopen(${JSON.stringify(ready)},'w').close()\nsys.stdin.read()`], { stdio: ['pipe', 'ignore', 'inherit'] });
    try {
      const deadline = Date.now() + 30_000;
      while (!existsSync(ready)) {
        if (Date.now() > deadline) throw new Error('the holder never took the lock');
        await new Promise((r) => setTimeout(r, 20));
      }
      const out = execFileSync('lslocks', ['--raw', '--noheadings', '-o', 'PID,COMMAND,PATH'], { encoding: 'utf8' });
      const holders = parseLslocks(out, [lock]);
      expect(holders).toEqual([{ pid: holder.pid, command: 'python3', path: lock }]);
      const cause = lockCause(holders);
      expect(cause.cause).toContain(`python3 (pid ${holder.pid}) holds ${lock}`);
      expect(cause.fix).toContain(`ps -o pid,etime,args -p ${holder.pid}`);
    } finally {
      holder.stdin.end();
      await new Promise((r) => holder.once('exit', r));
    }
    // Released: nobody holds it.
    expect(parseLslocks(execFileSync('lslocks', ['--raw', '--noheadings', '-o', 'PID,COMMAND,PATH'], { encoding: 'utf8' }), [lock])).toEqual([]);
  });

  it('a path with a space comes back as lslocks escapes it in raw output', () => {
    expect(parseLslocks('812 apt-get /var/lib/dpkg/lock-frontend\n90 unattended-upgr /var/lib/dpkg/lock\n7 x /tmp/a\\x20b\n', ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/tmp/a b'])).toEqual([
      { pid: 812, command: 'apt-get', path: '/var/lib/dpkg/lock-frontend' },
      { pid: 90, command: 'unattended-upgr', path: '/var/lib/dpkg/lock' },
      { pid: 7, command: 'x', path: '/tmp/a b' },
    ]);
  });
});
