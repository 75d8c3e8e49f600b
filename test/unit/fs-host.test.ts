import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rootedHost } from '../../src/host/rooted.js';
import type { FsHost } from '../../src/host/fs-host.js';
import { tempDir } from '../support/tmp.js';

let root: string;
let host: FsHost;
const NOW = new Date('2026-01-02T03:04:05.000Z');

beforeEach(async () => {
  root = await tempDir();
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\nalice:x:${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}:Alice:/home/alice:/bin/sh\n`);
  await fs.writeFile(path.join(root, 'etc/group'), 'root:x:0:\nwheel:x:0:\n');
  host = rootedHost(root, { exec: 'host', now: NOW });
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('file writes through a rooted host', () => {
  it('writes a new file with its mode and no backup', async () => {
    const result = await host.writeFile('/etc/mail/smtpd.conf', 'hello\n', { mode: 0o640, owner: 'root', group: 'wheel' });
    expect(result).toEqual({ changed: true });
    const st = await fs.stat(path.join(root, 'etc/mail/smtpd.conf'));
    expect(st.mode & 0o777).toBe(0o640);
    expect(await fs.readFile(path.join(root, 'etc/mail/smtpd.conf'), 'utf8')).toBe('hello\n');
  });

  it('backs up the file it replaces, with the old mode, under the run backup directory', async () => {
    await fs.writeFile(path.join(root, 'etc/aliases'), 'old\n', { mode: 0o600 });
    const result = await host.writeFile('/etc/aliases', 'new\n', { mode: 0o644 });
    expect(result.backup).toBe('/var/backups/mail-wizard/2026-01-02T03-04-05-000Z/etc/aliases');
    const backup = path.join(root, result.backup!);
    expect(await fs.readFile(backup, 'utf8')).toBe('old\n');
    expect((await fs.stat(backup)).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(path.join(root, 'etc/aliases'), 'utf8')).toBe('new\n');
  });

  it('reports no change and keeps no backup when content and mode are already right', async () => {
    await host.writeFile('/etc/x.conf', 'same\n', { mode: 0o644 });
    const again = await host.writeFile('/etc/x.conf', 'same\n', { mode: 0o644 });
    expect(again).toEqual({ changed: false });
    await expect(fs.stat(path.join(root, 'var/backups'))).rejects.toThrow();
  });

  it('fixes a mode without a backup when only the mode differs', async () => {
    await fs.writeFile(path.join(root, 'etc/k.key'), 'secret\n', { mode: 0o644 });
    const result = await host.writeFile('/etc/k.key', 'secret\n', { mode: 0o600 });
    expect(result).toEqual({ changed: true });
    expect((await fs.stat(path.join(root, 'etc/k.key'))).mode & 0o777).toBe(0o600);
  });

  it('leaves the original untouched and no temp file behind when the write fails', async () => {
    await fs.writeFile(path.join(root, 'etc/keep.conf'), 'original\n');
    await expect(host.writeFile('/etc/keep.conf', 'new\n', { mode: 0o644, owner: 'nobody-here' })).rejects.toThrow(
      'user nobody-here does not exist on this host',
    );
    expect(await fs.readFile(path.join(root, 'etc/keep.conf'), 'utf8')).toBe('original\n');
    expect((await fs.readdir(path.join(root, 'etc'))).filter((n) => n.includes('mail-wizard'))).toEqual([]);
  });

  it('never leaves a half-written file: the target changes in one rename', async () => {
    // A reader polling during many writes sees only complete old or new contents.
    const big = (c: string) => c.repeat(512 * 1024);
    await host.writeFile('/etc/big', big('a'), { mode: 0o644 });
    let partial = false;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const text = await fs.readFile(path.join(root, 'etc/big'), 'utf8');
        if (text !== big('a') && text !== big('b') && text !== big('c')) partial = true;
      }
    })();
    for (const c of ['b', 'c', 'b', 'c']) await host.writeFile('/etc/big', big(c), { mode: 0o644 });
    reading = false;
    await reader;
    expect(partial).toBe(false);
  });

  it('keeps paths inside the root, whatever the path says', async () => {
    await host.writeFile('/../../escape.txt', 'x\n', { mode: 0o644 });
    expect(await fs.readFile(path.join(root, 'escape.txt'), 'utf8')).toBe('x\n');
  });

  it('reads accounts from the host /etc/passwd, not from this machine', async () => {
    expect(await host.user('alice')).toMatchObject({ name: 'alice', home: '/home/alice' });
    expect(await host.user('nobody-here')).toBeNull();
    expect(await host.groupId('wheel')).toBe(0);
  });
});

describe('commands through a host', () => {
  it('reports exit codes, timeouts and missing programs as results, not exceptions', async () => {
    expect((await host.run(['true'], { timeoutMs: 5000 })).exitCode).toBe(0);
    expect((await host.run(['false'], { timeoutMs: 5000 })).exitCode).toBe(1);
    const slow = await host.run(['sleep', '5'], { timeoutMs: 200 });
    expect(slow.timedOut).toBe(true);
    const missing = await host.run(['no-such-program-mail-wizard'], { timeoutMs: 5000 });
    expect(missing.notFound).toBe(true);
    expect(missing.stderr).toBe('no-such-program-mail-wizard: command not found');
  });

  it('returns when the command exits, even if a daemon it started keeps its output open', async () => {
    const started = Date.now();
    const result = await host.run(['sh', '-c', 'sleep 30 >&2 & echo started; exit 0'], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'started\n', timedOut: false });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('passes arguments as they are: no shell sees them', async () => {
    const result = await host.run(['printf', '%s|', '$(id)', '; rm -rf /', '`x`'], { timeoutMs: 5000 });
    expect(result.stdout).toBe('$(id)|; rm -rf /|`x`|');
  });

  it('runs nothing on a root without a system', async () => {
    const none = rootedHost(root, { exec: 'none' });
    const result = await none.run(['true'], { timeoutMs: 5000 });
    expect(result).toMatchObject({ exitCode: null, notFound: true });
  });
});
