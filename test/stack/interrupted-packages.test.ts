/**
 * A wizard killed while a package job runs, in the trixie test host: the packages step's
 * `dpkg --configure -a` (for a package left unpacked, as an interrupted install leaves it) runs a
 * postinst that hangs; the wizard is killed with SIGKILL while it does. The dpkg it started runs on
 * (its own process group); the next `repair` finds it in the run state, waits its bounded time,
 * stops it and says so, then finishes dpkg's work before anything else in the step. Then another
 * program holds the dpkg lock: the packages step names it (pid, command) instead of apt's error.
 * Real dpkg, a real package (built here with dpkg-deb), real processes and locks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { publishDns, waitFor } from './world.js';

/** The check ids this file breaks for real and repairs (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = ['packages.interrupted', 'packages.lock'] as const;

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const ANSWERS = {
  domain: DOMAIN,
  hostname: `mail.${DOMAIN}`,
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};
const PKG = 'mw-test-slow';

/** The plain output's block of one step, from its heading to its result line. */
function stepBlock(out: string, title: string): string {
  const start = out.indexOf(`] ${title}\n`);
  if (start < 0) return '';
  const end = out.indexOf('   -> ', start);
  return out.slice(start, out.indexOf('\n', end));
}

describe.skipIf(problem !== null)('a package job the wizard was killed in, and a dpkg lock held by another program', () => {
  let host: TestHost;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 600_000 });
  const sh = async (script: string) => ok(await host.exec(['sh', '-c', script]));
  const status = async () => (await host.exec(['dpkg-query', '-W', '-f', '${db:Status-Status}', PKG])).stdout.trim();

  beforeAll(async () => {
    host = await startWizardHost({ root: (await ensureRoot()).dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
    // A package whose postinst hangs the first time it runs (until it is killed), as a stuck
    // maintainer script does; it says when it started.
    await host.writeFile(`/root/${PKG}/DEBIAN/control`, `Package: ${PKG}\nVersion: 1.0\nArchitecture: all\nMaintainer: test <test@example.org>\nDescription: a package whose postinst hangs once\n`);
    await host.writeFile(
      `/root/${PKG}/DEBIAN/postinst`,
      '#!/bin/sh\nif [ ! -e /root/hung-once ]; then\n  touch /root/hung-once /root/postinst-running\n  while :; do sleep 1; done\nfi\nexit 0\n',
      { mode: 0o755 },
    );
    await sh(`dpkg-deb --build /root/${PKG} /root/${PKG}.deb >/dev/null`);
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('killed during dpkg --configure -a: the next repair stops the dpkg it left running, says so, and finishes the job', async () => {
    // Unpacked, not configured: what an install stopped between unpack and configure leaves.
    await sh(`dpkg --unpack /root/${PKG}.deb >/dev/null`);
    expect(await status()).toBe('unpacked');

    const setup = wizard('setup', '--yes', '--plain');
    await waitFor('the hanging postinst', async () => ((await host.exec(['test', '-e', '/root/postinst-running'])).exitCode === 0 ? true : null), 300_000);
    // The wizard holds the run lock: its first field is the wizard's pid.
    const wizardPid = Number.parseInt((await host.readFile('/run/mail-wizard.lock')) ?? '', 10);
    expect(Number.isInteger(wizardPid)).toBe(true);
    ok(await host.exec(['kill', '-KILL', String(wizardPid)]));
    const killed = await setup;
    expect(killed.exitCode, killed.stdout).not.toBe(0);
    expect(killed.stdout).toContain('+ run dpkg --configure -a');

    // What the killed run left: dpkg still running in its own group, on record in the run state.
    const state = JSON.parse((await host.readFile('/var/lib/mail-wizard/state.json')) ?? '{}') as { unfinished: string[]; commands: { pgid: number; command: string }[] };
    expect(state.unfinished).toContain('packages');
    const dpkg = state.commands.find((c) => c.command === 'dpkg --configure -a');
    expect(dpkg, JSON.stringify(state)).toBeDefined();
    expect((await host.exec(['kill', '-0', String(dpkg!.pgid)])).exitCode).toBe(0);

    const repair = await wizard('repair', '--yes', '--plain');
    // The first look names dpkg's unfinished work; the walk then finishes it.
    expect(repair.stdout, repair.stdout).toMatch(/FAIL \[packages\.interrupted\] a package install stopped in the middle: dpkg has work to finish\n\s+seen: dpkg --audit: /);
    expect(repair.stderr).toContain(`\`dpkg --configure -a\` (process group ${dpkg!.pgid}), started by an earlier run that was killed, was still running after 30 s: stopped it.`);
    const packages = stepBlock(repair.stdout, 'Packages');
    expect(packages, repair.stdout).toContain('+ run dpkg --configure -a');
    expect(packages).toContain('-> changed');
    expect(await status()).toBe('installed');
    // Nothing of the old group is left, and nothing is owed or on record.
    expect((await host.exec(['sh', '-c', `ps -e -o pgid= | grep -qx " *${dpkg!.pgid}"`])).exitCode).not.toBe(0);
    const after = JSON.parse((await host.readFile('/var/lib/mail-wizard/state.json')) ?? '{}') as { unfinished: string[]; commands: unknown[] };
    expect(after.unfinished).not.toContain('packages');
    expect(after.commands).toEqual([]);
    console.log(`leftover dpkg settled:\n${repair.stderr.trim()}\n${packages}`);
  }, 900_000);

  it('the dpkg lock held by another program: the packages step names it (pid, command) and the fix, and runs nothing', async () => {
    await sh(`dpkg --unpack /root/${PKG}.deb >/dev/null`);
    expect(await status()).toBe('unpacked');
    // Another program holds dpkg's frontend lock the way apt does (fcntl), until its stdin closes.
    await host.writeFile('/root/hold-lock.py', "import fcntl,sys\nf=open('/var/lib/dpkg/lock-frontend','w')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('held',flush=True)\nsys.stdin.read()\n");
    const pid = (await sh('nohup python3 /root/hold-lock.py </dev/zero >/root/hold-lock.out 2>&1 & echo $!')).stdout.trim();
    // (stdin /dev/zero never ends: it holds until killed.)
    await waitFor('the lock to be held', async () => ((await host.readFile('/root/hold-lock.out'))?.includes('held') ? true : null));
    try {
      const r = await wizard('repair', '--yes', '--plain');
      expect(r.exitCode, r.stdout).toBe(1);
      const packages = stepBlock(r.stdout, 'Packages');
      expect(packages, r.stdout).toContain(`FAIL [packages.lock] the package database is locked by another program: python3 (pid ${pid}); nothing was installed`);
      expect(packages).toContain(`cause: The package database is locked by another program: python3 (pid ${pid}) holds /var/lib/dpkg/lock-frontend.`);
      expect(packages).toContain(`ps -o pid,etime,args -p ${pid}`);
      expect(packages).not.toMatch(/Could not get lock|E: /);
      expect(await status()).toBe('unpacked');
      console.log(`dpkg lock held:\n${packages}`);
    } finally {
      await sh(`kill ${pid}`);
    }
    await waitFor('the lock to be free', async () => ((await host.exec(['sh', '-c', 'lslocks -n -o PATH | grep -q lock-frontend'])).exitCode !== 0 ? true : null));
    const again = await wizard('repair', '--yes', '--plain');
    expect(stepBlock(again.stdout, 'Packages'), again.stdout).toContain('-> changed');
    expect(await status()).toBe('installed');
  }, 900_000);
});
