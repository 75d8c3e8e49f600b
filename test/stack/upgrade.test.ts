/**
 * An upgrade under a configured server, in a trixie test host (Dovecot 2.4): the box was set up
 * while it ran Dovecot 2.3 (Debian bookworm's 2.3.19), and a release upgrade brought 2.4, which
 * reads another grammar. The dovecot.conf in place is the one mail-wizard wrote on the 2.3 box:
 * rendered here with the project's own 2.3 template and recorded in the run state as ours. Dovecot
 * refuses it and IMAP stops; `check` names the upgrade (both versions, the file); `repair` writes
 * the 2.4 grammar, shows the difference, verifies it, and alice logs in over IMAP again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDovecotConf } from '../../recipes/templates/dovecot.js';
import { loadAnswers } from '../../src/answers/load.js';
import type { Facts } from '../../src/engine/types.js';
import { debian } from '../../src/platform/debian.js';
import { tempDir } from '../support/tmp.js';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { publishDns, startSink, waitFor } from './world.js';

/** The check this file breaks for real and repairs (test/unit/check-table.test.ts). */
export const REPAIR_COVERS = ['dovecot.upgrade'] as const;

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const PASSWORD = 'upgrade day password';
const ANSWERS = {
  domain: DOMAIN,
  hostname: 'mail.example.org',
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};
/** Debian bookworm's Dovecot: what the box ran when mail-wizard wrote its dovecot.conf. */
const OLD_DOVECOT = '2.3.19';
const CONF = debian.paths.dovecotConf;
const STATE = `${debian.paths.stateDir}/state.json`;

describe.skipIf(problem !== null)('Dovecot 2.3 → 2.4 under a configured server', () => {
  let host: TestHost;
  let installed: string;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 400_000 });
  /** A real IMAP login over TLS from the outside machine: 'OK', or why not. */
  const imapLogin = async (): Promise<string> => {
    const r = await host.execOutside(['python3', '/root/imap-client.py', host.serverAddress, 'alice', PASSWORD, 'no-such-subject'], { timeoutMs: 60_000 });
    if (r.exitCode !== 0) return `failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    return (JSON.parse(r.stdout) as { login: string }).login;
  };

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await host.outside.writeFile('/root/imap-client.py', readFileSync(new URL('./clients/imap-client.py', import.meta.url), 'utf8'));
    await publishDns(host, DOMAIN, '', 1);
    // The box as it was: set up, its records published, alice's password set, repair green.
    await wizard('setup', '--yes', '--plain');
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    ok(await host.exec(['chpasswd'], { input: `alice:${PASSWORD}\n` }));
    const repaired = await wizard('repair', '--yes', '--plain');
    expect(repaired.exitCode, repaired.stdout + repaired.stderr).toBe(0);
    installed = ok(await host.exec(['dovecot', '--version'])).stdout.trim().split(/\s/)[0]!;
    expect(installed).toMatch(/^2\.4\./);
    expect(await imapLogin()).toBe('OK');
  }, 900_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('the dovecot.conf mail-wizard wrote for 2.3, recorded as its own, stops Dovecot 2.4: IMAP is down', async () => {
    const dir = await tempDir('mail-wizard-upgrade-');
    try {
      const answersFile = path.join(dir, 'answers.json');
      await fs.writeFile(answersFile, JSON.stringify(ANSWERS));
      const old = renderDovecotConf({ answers: await loadAnswers(answersFile), platform: debian, facts: { dovecotVersion: OLD_DOVECOT } as Facts });
      expect(old).toContain(`Dovecot ${OLD_DOVECOT} for ${DOMAIN}`);
      expect(old).toContain('mail_location = maildir:~/Maildir'); // the 2.3 grammar
      await host.writeFile(CONF, old, { mode: 0o644 });
      // The run state of the 2.3 box: mail-wizard wrote this file, as it is.
      const state = JSON.parse((await host.readFile(STATE)) ?? '{}') as { written: Record<string, string> };
      state.written[CONF] = createHash('sha256').update(old).digest('hex');
      await host.writeFile(STATE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    // The upgrade restarts Dovecot (stopped by its pid: the init script reads the config to stop
    // it), and Dovecot 2.4 refuses the old grammar.
    ok(await host.exec(['sh', '-c', 'kill "$(cat /run/dovecot/master.pid)"']));
    await waitFor('Dovecot to stop', async () => ((await imapLogin()) === 'OK' ? null : true), 60_000);
    await host.exec(['service', 'dovecot', 'start']);
    const doveconf = await host.exec(['doveconf', '-n']);
    expect(doveconf.exitCode, doveconf.stdout).not.toBe(0);
    expect(await imapLogin()).not.toBe('OK');
  }, 120_000);

  it('check fails naming the upgrade: the file, the version it was written for, the installed one', async () => {
    const r = await wizard('check', '--plain');
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.stdout).toContain(`FAIL [dovecot.upgrade] ${CONF} was written for Dovecot ${OLD_DOVECOT}, but Dovecot ${installed} is installed`);
    expect(r.stdout).toContain('mail-wizard repair');
    // Said once, with its cause, not also as a file "out of date".
    expect(r.stdout).not.toContain(`[dovecot.files] ${CONF} is out of date`);
  }, 600_000);

  it('repair writes the 2.4 grammar, shows the difference, verifies it; alice logs in over IMAP again', async () => {
    const r = await wizard('repair', '--yes', '--plain');
    const step = /== \[\d+\/\d+\] Dovecot[\s\S]*?-> \w+/.exec(r.stdout)?.[0] ?? '';
    // The diff of the rewrite, printed although this is no dry-run.
    expect(step, r.stdout).toMatch(/^ {5}-mail_location = maildir:~\/Maildir$/m);
    expect(step).toMatch(/^ {5}\+dovecot_config_version = 2\.4\.0$/m);
    expect(step).toContain('[dovecot.config] doveconf -n: configuration OK');
    expect(step).toMatch(/-> changed$/);
    expect(r.stdout).toContain('repair: ');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const conf = (await host.readFile(CONF)) ?? '';
    expect(conf).toMatch(/^dovecot_config_version = 2\.4\.0$/m);
    expect(conf).toContain(`Dovecot ${installed} for ${DOMAIN}`);
    // The old file was backed up, not lost.
    const backups = ok(await host.exec(['sh', '-c', 'grep -l -r -- "mail_location = maildir" /var/backups/mail-wizard/ || true'])).stdout.trim();
    expect(backups).not.toBe('');
    await waitFor('an IMAP login as alice', async () => ((await imapLogin()) === 'OK' ? true : null), 60_000);
    const again = await wizard('check', '--plain');
    expect(again.stdout).not.toContain('[dovecot.upgrade]');
    expect(again.exitCode, again.stdout).toBe(0);
  }, 600_000);
});
