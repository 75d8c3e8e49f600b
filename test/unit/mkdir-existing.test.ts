/**
 * mkdir never changes a directory that is already there: /etc/ssl/private on Debian is 0710
 * root:ssl-cert, and tightening it to 0700 locks out every program that reads keys through the group.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyAction } from '../../src/engine/actions.js';
import { actionToShell } from '../../src/engine/shell-export.js';
import { rootedHost } from '../../src/host/rooted.js';
import type { FsHost } from '../../src/host/fs-host.js';
import { tempDir } from '../support/tmp.js';

let root: string;
let host: FsHost;
const gid = process.getgid?.() ?? 0;

beforeEach(async () => {
  root = await tempDir();
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await fs.writeFile(path.join(root, 'etc/group'), `root:x:0:\nssl-cert:x:${gid === 0 ? 111 : gid}:\n`);
  host = rootedHost(root, { exec: 'none' });
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('mkdir', () => {
  it('leaves an existing directory with its own mode and group', async () => {
    const dir = path.join(root, 'etc/ssl/private');
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o710);
    const groupId = gid === 0 ? 111 : gid;
    await fs.chown(dir, -1, groupId);
    const outcome = await applyAction({ type: 'mkdir', path: '/etc/ssl/private', mode: 0o700, owner: 'root' }, host);
    expect(outcome.ok).toBe(true);
    const s = await fs.stat(dir);
    expect(s.mode & 0o7777).toBe(0o710);
    expect(s.gid).toBe(groupId);
    expect(await host.mkdir('/etc/ssl/private', { mode: 0o700, owner: 'root' })).toBe(false);
  });

  it('creates a missing directory with the mode asked for', async () => {
    expect(await host.mkdir('/etc/mail/dkim', { mode: 0o750 })).toBe(true);
    expect((await fs.stat(path.join(root, 'etc/mail/dkim'))).mode & 0o7777).toBe(0o750);
  });

  it('the shell export does the same: chmod only inside "if the directory is missing"', () => {
    const lines = actionToShell({ type: 'mkdir', path: '/etc/ssl/private', mode: 0o700, owner: 'root' });
    expect(lines[0]).toBe("if [ ! -d /etc/ssl/private ]; then");
    expect(lines.at(-1)).toBe('fi');
    expect(lines.filter((l) => l.includes('chmod'))).toEqual(['  chmod 0700 /etc/ssl/private']);
  });
});
