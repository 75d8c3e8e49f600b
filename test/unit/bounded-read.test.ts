/**
 * Reads of what a user owns, done as root: a real FIFO, symlinks to /dev/zero and out of the tree,
 * a file past the cap and a directory of 20,000 entries, first through the Host, then through the
 * final mail test reading a real ~/Maildir under a rooted host.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mailTestStep } from '../../recipes/mail-test.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import type { Host } from '../../src/host/host.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { tempDir } from '../support/tmp.js';

// Each test starts real processes: on a busy machine that takes seconds, far past the 5 s default.
vi.setConfig({ testTimeout: 60_000 });

let root: string;
beforeEach(async () => {
  root = await tempDir('mail-wizard-bounded-');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const LIMITS = { maxBytes: 1024, timeoutMs: 5_000 };

async function fill(dir: string, count: number, name: (i: number) => string, content = 'old mail\n') {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => fs.writeFile(path.join(dir, name(i + j)), content)));
  }
}

describe('bounded reads through the Host', () => {
  it('refuse a FIFO, devices, symlinks out of the tree and files past the cap; follow a symlink inside it', async () => {
    const host = rootedHost(root, { exec: 'none' });
    const tree = '/home/alice/Maildir';
    const dir = path.join(root, tree, 'new');
    await fs.mkdir(dir, { recursive: true });
    await execa('mkfifo', [path.join(dir, 'fifo')]);
    await fs.symlink('/dev/zero', path.join(dir, 'zero'));
    await fs.writeFile(path.join(root, 'secret'), 'not mail\n');
    await fs.symlink('../../../../secret', path.join(dir, 'outside'));
    await fs.writeFile(path.join(dir, 'big'), 'x'.repeat(LIMITS.maxBytes + 1));
    await fs.writeFile(path.join(dir, 'mail'), 'Subject: hello\n');
    await fs.mkdir(path.join(root, tree, 'cur'));
    await fs.symlink('../new/mail', path.join(root, tree, 'cur', 'link'));

    const read = (p: string, within?: string) => host.readFileBounded(p, { ...LIMITS, ...(within ? { within } : {}) });
    expect(await read(`${tree}/new/fifo`, tree)).toEqual({ ok: false, reason: 'not a regular file' });
    expect(await read(`${tree}/new/zero`, tree)).toEqual({ ok: false, reason: 'a symlink out of the tree' });
    expect(await read(`${tree}/new/zero`)).toEqual({ ok: false, reason: 'a symlink out of the tree' });
    expect(await read(`${tree}/new/outside`, tree)).toEqual({ ok: false, reason: 'a symlink out of the tree' });
    expect(await read(`${tree}/new/big`, tree)).toEqual({ ok: false, reason: 'too big' });
    expect(await read(`${tree}/new/missing`, tree)).toEqual({ ok: false, reason: 'missing' });
    expect(await read(`${tree}/new/mail`, tree)).toEqual({ ok: true, text: 'Subject: hello\n' });
    expect(await read(`${tree}/cur/link`, tree)).toEqual({ ok: true, text: 'Subject: hello\n' });
    // A device named directly (no symlink) is no regular file either.
    expect(await rootedHost('/', { exec: 'none' }).readFileBounded('/dev/zero', LIMITS)).toEqual({ ok: false, reason: 'not a regular file' });
  });

  it('list at most maxEntries names of a big directory, and say the list was cut', async () => {
    await fill(path.join(root, 'big'), 20_000, (i) => `m${i}`);
    const host = rootedHost(root, { exec: 'none' });
    const cut = await host.listDirBounded('/big', { maxEntries: 1000, timeoutMs: 10_000 });
    expect(cut.names).toHaveLength(1000);
    expect(cut.truncated).toBe(true);
    const whole = await host.listDirBounded('/big', { maxEntries: 50_000, timeoutMs: 60_000 });
    expect(whole.names).toHaveLength(20_000);
    expect(whole.truncated).toBe(false);
    expect(await host.listDirBounded('/none', { maxEntries: 10, timeoutMs: 1000 })).toEqual({ names: null, truncated: false });
  }, 60_000);
});

describe('the final mail test reads ~/Maildir as untrusted', () => {
  it('passes over a FIFO, /dev/zero and a big file, skips 20,000 old messages unread, and finds its message', async () => {
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    const newDir = path.join(root, 'home/alice/Maildir/new');
    const now = Math.floor(Date.now() / 1000);
    // Delivered last year: their names say so (Maildir names start with the delivery time).
    await fill(newDir, 20_000, (i) => `${now - 365 * 86_400}.M${i}P1.mail`);
    await execa('mkfifo', [path.join(newDir, `${now}.M1P2.fifo`)]);
    await fs.symlink('/dev/zero', path.join(newDir, `${now}.M1P3.zero`));
    await fs.writeFile(path.join(newDir, `${now}.M1P4.big`), 'Subject: mail-wizard test bounded to alice@example.org\n'.padEnd(2 * 1024 * 1024, 'x'));
    // The messages the test "sends" (sendmail is /bin/true here): already delivered, to alice and to
    // postmaster@ (alice is the postmaster).
    await fs.writeFile(path.join(newDir, `${now}.M1P5.mail`), 'Subject: mail-wizard test bounded to alice@example.org\n\nhello\n');
    await fs.writeFile(path.join(newDir, `${now}.M1P6.mail`), 'Subject: mail-wizard test bounded to postmaster@example.org\n\nhello\n');

    const base = rootedHost(root, { exec: 'host' });
    const reads: string[] = [];
    const host: Host = Object.assign(Object.create(base) as Host, {
      readFileBounded: (p: string, limits: Parameters<Host['readFileBounded']>[1]) => {
        if (p.includes('/Maildir/')) reads.push(path.basename(p)); // the messages, not the config files the step reads
        return base.readFileBounded(p, limits);
      },
    });
    const platform = { ...debian, bin: { ...debian.bin, sendmail: '/bin/true' } };
    const ctx = createContext({ answers: { ...DEMO_ANSWERS, users: ['alice'], postmaster: 'alice' }, platform, host, mode: 'repair', facts: { serviceManager: 'service' }, runId: 'bounded' });
    const findings = await mailTestStep.verify(ctx);
    expect(findings.find((f) => f.check === 'mail-test.delivery')).toMatchObject({ status: 'pass', evidence: `/home/alice/Maildir/new/${now}.M1P5.mail` });
    expect(findings.find((f) => f.check === 'mail-test.alias')).toMatchObject({ status: 'pass', evidence: `/home/alice/Maildir/new/${now}.M1P6.mail` });
    // Only the recent entries were opened (each wait reads at most the five: the two test messages'
    // and, once they arrived, the verdict's); none of the 20,000 old ones.
    expect(reads.filter((n) => !n.startsWith(String(now)))).toEqual([]);
    expect(reads.length).toBeLessThanOrEqual(15);
  }, 120_000);
});
