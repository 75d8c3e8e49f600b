/**
 * The host name step, for real: its files under a temp root, its `hostname` commands in a UTS
 * namespace of this test (so this machine keeps its own name), on both profiles' files: OpenBSD's
 * /etc/myname; Debian's /etc/hostname and /etc/mailname.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostnameStep } from '../../recipes/hostname.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import { runSteps } from '../../src/engine/runner.js';
import type { Context, Finding } from '../../src/engine/types.js';
import { execArgv } from '../../src/host/exec.js';
import { FsHost } from '../../src/host/fs-host.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { platformUnder } from '../support/mapped-platform.js';
import { missingTools } from '../support/require-tool.js';
import { tempDir } from '../support/tmp.js';

/** The check ids this file breaks and repairs, or whose named manual step it carries out (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = [
  'hostname.files',
  'hostname.running',
  'hostname.smtpd-mailname',
] as const;

const skip = process.getuid?.() !== 0 || missingTools('host name step', ['/usr/bin/unshare', '/usr/bin/nsenter', '/usr/bin/hostname']);

/** A UTS (and network) namespace held open by a process that waits on its stdin. */
async function utsNamespace(initial: string): Promise<ChildProcess> {
  const holder = spawn('unshare', ['--uts', '--net', 'sh', '-c', 'hostname "$1" && echo ready && exec cat', 'sh', initial], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`namespace holder exited with ${code}`)));
  });
  return holder;
}

describe.skipIf(skip).each([openbsd, debian])('host name step on $name', (base: Platform) => {
  let root: string;
  let holder: ChildProcess;
  let ctx: Context;
  const enter = () => ['nsenter', `--uts=/proc/${holder.pid}/ns/uts`, `--net=/proc/${holder.pid}/ns/net`];
  const inNamespace = (argv: string[]) => execArgv([...enter(), ...argv], { timeoutMs: 10_000 });

  beforeEach(async () => {
    root = await tempDir('mail-wizard-hostname-');
    holder = await utsNamespace(base.name); // a fresh box: named after its installer's default
    const host = new FsHost('local', { resolve: (p) => p, exec: (argv, o) => execArgv([...enter(), ...argv], o), backupDir: `${root}/backups` });
    ctx = createContext({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' } }, platform: platformUnder(base, root), host, mode: 'setup', facts: { serviceManager: 'service' }, runId: 'hostname-test' });
  });
  afterEach(async () => {
    const gone = new Promise((resolve) => holder.once('exit', resolve));
    holder.stdin!.end();
    await gone;
    await fs.rm(root, { recursive: true, force: true });
  });

  const byCheck = (findings: Finding[], check: string) => findings.filter((f) => f.check === check);

  it('fails on a fresh box, sets the name now and at boot, then passes', async () => {
    const before = await hostnameStep.verify(ctx);
    expect(byCheck(before, 'hostname.running')).toEqual([
      expect.objectContaining({ status: 'fail', summary: `the host name is ${base.name}, not ${DEMO_ANSWERS.hostname}`, fix: expect.stringContaining(`hostname ${DEMO_ANSWERS.hostname}`) }),
    ]);
    expect(byCheck(before, 'hostname.files').every((f) => f.status === 'fail')).toBe(true);

    const summary = await runSteps({ steps: [hostnameStep], ctx, listener: () => undefined });
    expect(summary.results.map((r) => r.status)).toEqual(['changed']);

    const files = base.name === 'openbsd' ? ['/etc/myname'] : ['/etc/hostname', '/etc/mailname'];
    for (const f of files) expect(await fs.readFile(`${root}${f}`, 'utf8')).toBe(`${DEMO_ANSWERS.hostname}\n`);
    if (base.name === 'openbsd') await expect(fs.stat(`${root}/etc/mailname`)).rejects.toThrow(/ENOENT/);
    expect((await inNamespace(['hostname'])).stdout.trim()).toBe(DEMO_ANSWERS.hostname);
    expect(os.hostname()).not.toBe(DEMO_ANSWERS.hostname); // this machine kept its name

    const after = await hostnameStep.verify(ctx);
    expect(after.map((f) => f.status)).toEqual(after.map(() => 'pass'));
  });

  it('warns when smtpd would take another name from a mailname file next to smtpd.conf that is not ours', async () => {
    await runSteps({ steps: [hostnameStep], ctx, listener: () => undefined });
    const smtpdMailname = `${root}${base.name === 'openbsd' ? '/etc/mail/mailname' : '/etc/mailname'}`;
    await fs.mkdir(`${root}/etc/mail`, { recursive: true });
    await fs.writeFile(smtpdMailname, 'old.example.net\n');
    const warned = byCheck(await hostnameStep.verify(ctx), 'hostname.smtpd-mailname');
    if (base.name === 'openbsd') {
      // smtpd reads /etc/mail/mailname before gethostname(): the admin's file wins over /etc/myname.
      expect(warned).toEqual([expect.objectContaining({ status: 'warn', summary: `smtpd names itself old.example.net from ${smtpdMailname}, not ${DEMO_ANSWERS.hostname}` })]);
      await fs.rm(smtpdMailname);
      expect(byCheck(await hostnameStep.verify(ctx), 'hostname.smtpd-mailname')).toEqual([]);
    } else {
      // Debian's is /etc/mailname, a file of ours: a changed one is a changed file.
      expect(warned).toEqual([]);
      expect(byCheck(await hostnameStep.verify(ctx), 'hostname.files').map((f) => f.status)).toContain('warn');
    }
  });

  it('repair sets only the running name when the files are right', async () => {
    await runSteps({ steps: [hostnameStep], ctx, listener: () => undefined });
    await inNamespace(['hostname', 'renamed']);
    expect(byCheck(await hostnameStep.verify(ctx), 'hostname.running')[0]).toMatchObject({ status: 'fail', evidence: 'hostname prints renamed' });
    const plan = await hostnameStep.plan(ctx, await hostnameStep.probe(ctx));
    expect(plan.actions).toEqual([{ type: 'run', argv: ['hostname', DEMO_ANSWERS.hostname], timeoutMs: 10_000 }]);
  });
});
