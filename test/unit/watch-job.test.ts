/**
 * The daily job of `watch enable`, on real files under a temp root: OpenBSD's daily.local gets a
 * named block beside the certificate renewal's (each left alone by the other), Debian without
 * systemd a script in /etc/cron.daily that run-parts accepts; disable takes back only ours.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { renderDailyLocal } from '../../recipes/templates/acme.js';
import { insideBlock } from '../../recipes/lib/marked-block.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { rootedHost } from '../../src/host/rooted.js';
import { CRON_SCRIPT, DAILY_LOCAL, disableJob, enableJob, jobKind, renderSystemdUnits } from '../../src/watch/job.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { debian } from '../../src/platform/debian.js';
import { tempDir } from '../support/tmp.js';
import { jobArgv } from '../../src/commands/watch.js';

let root: string;
beforeEach(async () => {
  root = await tempDir();
  await fs.mkdir(path.join(root, 'etc'));
  await fs.writeFile(path.join(root, 'etc/passwd'), `root:x:${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}:root:/root:/bin/sh\n`);
  await fs.writeFile(path.join(root, 'etc/group'), `root:x:${process.getgid?.() ?? 0}:\n`);
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const ARGV = ['/usr/local/bin/node', '/usr/local/bin/mail-wizard.mjs', 'watch', 'run', '--answers', '/etc/my answers.json'];

describe('the job per platform', () => {
  it('OpenBSD: daily.local; Debian: a systemd timer when PID 1 is systemd, else cron.daily', () => {
    expect(jobKind(openbsd, { serviceManager: 'rcctl' })).toBe('daily.local');
    expect(jobKind(debian, { serviceManager: 'systemctl' })).toBe('systemd');
    expect(jobKind(debian, { serviceManager: 'service' })).toBe('cron.daily');
  });

  it('daily.local: our named block beside the admin\'s lines and the renewal block; disable removes ours only', async () => {
    const host = rootedHost(root, { exec: 'none' });
    const admin = '# my daily things\n/usr/local/bin/backup\n';
    const withRenewal = renderDailyLocal(admin, { answers: DEMO_ANSWERS });
    await fs.writeFile(path.join(root, 'etc/daily.local'), withRenewal);
    await enableJob(host, 'daily.local', ARGV);
    const enabled = await fs.readFile(path.join(root, 'etc/daily.local'), 'utf8');
    expect(enabled.startsWith(withRenewal)).toBe(true);
    expect(insideBlock(enabled, 'watch')).toEqual([expect.stringMatching(/^# /), "/usr/local/bin/node /usr/local/bin/mail-wizard.mjs watch run --answers '/etc/my answers.json'"]);
    // The renewal's block is still what the tls step renders: it sees no change.
    expect(renderDailyLocal(enabled, { answers: DEMO_ANSWERS })).toBe(enabled);
    expect(insideBlock(enabled)).toEqual(insideBlock(withRenewal));
    // daily(8) skips a group- or world-writable daily.local (openbsd/src etc/daily, run_script).
    expect((await fs.stat(path.join(root, DAILY_LOCAL))).mode & 0o022).toBe(0);
    await enableJob(host, 'daily.local', ARGV); // idempotent
    expect(await fs.readFile(path.join(root, 'etc/daily.local'), 'utf8')).toBe(enabled);
    expect(await disableJob(host, 'daily.local')).toBe(true);
    expect(await fs.readFile(path.join(root, 'etc/daily.local'), 'utf8')).toBe(withRenewal);
    expect(await disableJob(host, 'daily.local')).toBe(false);
  });

  it('cron.daily: an executable script that run-parts would run, quoting each word', async () => {
    const host = rootedHost(root, { exec: 'none' });
    await enableJob(host, 'cron.daily', ARGV);
    const file = path.join(root, CRON_SCRIPT);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o755);
    const listed = await execa('run-parts', ['--test', path.dirname(file)], { reject: false });
    expect(listed.stdout.trim()).toBe(file);
    const script = await fs.readFile(file, 'utf8');
    expect(script).toContain("exec /usr/local/bin/node /usr/local/bin/mail-wizard.mjs watch run --answers '/etc/my answers.json'\n");
    const syntax = await execa('sh', ['-n', file], { reject: false });
    expect(syntax.exitCode).toBe(0);
  });

  it('systemd: a oneshot service and a persistent daily timer', async () => {
    const { service, timer } = renderSystemdUnits(ARGV);
    expect(service).toContain("ExecStart=/usr/local/bin/node /usr/local/bin/mail-wizard.mjs watch run --answers '/etc/my answers.json'");
    expect(service).toContain('Type=oneshot');
    expect(timer).toMatch(/OnCalendar=daily\n[\s\S]*Persistent=true/);
    const analyze = await execa('systemd-analyze', ['--version'], { reject: false });
    if (analyze.exitCode === 0) {
      await fs.mkdir(path.join(root, 'units'));
      await fs.writeFile(path.join(root, 'units/mail-wizard-watch.service'), service);
      await fs.writeFile(path.join(root, 'units/mail-wizard-watch.timer'), timer);
      const v = await execa('systemd-analyze', ['verify', path.join(root, 'units/mail-wizard-watch.timer')], { reject: false });
      expect(v.stderr).not.toMatch(/mail-wizard-watch\.(timer|service):\d+:/);
    }
  });

  it('the job runs this very program with the options that pick the answers, platform and DNS servers', () => {
    const argv = jobArgv({ answers: 'answers.json', platform: 'debian', nameserver: ['198.51.100.10', '[2001:db8::10]:53'], demo: false, plain: true, json: false, yes: true }, '/usr/local/bin/mail-wizard.mjs');
    expect(argv).toEqual([process.execPath, '/usr/local/bin/mail-wizard.mjs', 'watch', 'run', '--answers', path.resolve('answers.json'), '--platform', 'debian', '--nameserver', '198.51.100.10', '--nameserver', '[2001:db8::10]:53']);
  });
});
