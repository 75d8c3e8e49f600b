/**
 * DKIM key rotation, for real: in a Debian trixie test host, `dkim rotate` makes the next key and
 * waits for NSD (the domain's authoritative server, on the outside machine) to serve its record.
 * Mail submitted while it waits is still signed with the old selector; once the record is
 * published, rotate moves rspamd to the new one. Every message, before, during and after,
 * reaches the outside sink with a signature dkimverify accepts with the key it finds in NSD.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type ExecResult, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, startSink, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

/** Check ids this file breaks for real and clears with the fix the finding names (test/unit/check-table.test.ts). */
export const REPAIR_COVERS = ['dkim.retired'] as const;

const DOMAIN = 'example.org';
const PASSWORD = 'rotate me, not my key';
const ANSWERS = {
  domain: DOMAIN,
  hostname: `mail.${DOMAIN}`,
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  tls: 'self-signed',
};

describe.skipIf(problem !== null)('dkim rotate: signing moves to the new key only once DNS serves it', () => {
  let host: TestHost;
  /** rspamd's scanner, what smtpd's filter asks, answers (after a start or restart). */
  const rspamdScans = () =>
    waitFor('rspamd to scan', async () => ((await host.exec(['rspamc', '-h', '127.0.0.1:11333'], { input: 'Subject: ping\n\nping\n' })).exitCode === 0 ? true : null), 60_000);
  const common = () => ['--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress];
  const wizard = (...args: string[]) => host.exec(wizardArgv(...args, ...common()), { timeoutMs: 400_000 });
  const answers = async () => JSON.parse((await host.readFile('/root/answers.json')) ?? '{}') as { dkimSelector: string; dkimPublished?: string[] };

  /** Submits a message as alice to the outside sink; returns it as the sink got it. */
  const send = async (subject: string): Promise<string> => {
    const sent = await host.execOutside(
      ['swaks', '--server', host.serverAddress, '--port', '587', '--tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', PASSWORD,
        '--from', `alice@${DOMAIN}`, '--to', `carol@${FOREIGN}`, '--h-Subject', subject],
      { timeoutMs: 60_000 },
    );
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const file = await waitFor(`${subject} at the sink`, async () => {
      const r = await host.execOutside(['sh', '-c', 'grep -l -- "$1" /var/sink/*.eml 2>/dev/null || true', 'sh', subject]);
      return r.stdout.trim().split('\n')[0] || null;
    }, 60_000);
    return (await host.outside.readFile(file)) ?? '';
  };
  const selectorOf = (message: string) => /^DKIM-Signature:[^]*?\bs=([\w.-]+);/m.exec(message)?.[1];
  const verify = async (message: string) => {
    const v = await host.execOutside(['dkimverify'], { input: message });
    expect(v.stdout + v.stderr).toContain('signature ok');
    expect(v.exitCode).toBe(0);
  };

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
    await wizard('setup', '--yes', '--plain');
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    ok(await host.exec(['chpasswd'], { input: `alice:${PASSWORD}\n` }));
    const r = await wizard('repair', '--yes', '--plain');
    if (r.exitCode !== 0) throw new Error(`repair failed:\n${r.stdout}${r.stderr}`);
    await rspamdScans();
  }, 900_000);

  afterAll(async () => {
    if (host) {
      const log = await host.readFile('/var/log/syslog');
      if (log && process.env.MW_STACK_LOG) writeFileSync(process.env.MW_STACK_LOG, log);
      await host.stop();
    }
  });

  let before = '';
  let next = '';

  it('before: mail is signed with the old selector and verifies from outside', async () => {
    before = await send('rotate-before');
    expect(selectorOf(before)).toBe('stack');
    await verify(before);
  }, 120_000);

  it('rotate waits for NSD; meanwhile mail is still signed with the old key; once NSD serves the new record, the new key signs', async () => {
    const rotating: Promise<ExecResult> = wizard('dkim', 'rotate', '--wait', '300');
    // The next key is made and listed in the answers; signing has not moved.
    next = await waitFor('the next selector in the answers', async () => {
      const a = await answers();
      return a.dkimPublished?.length === 2 ? (a.dkimPublished[1] ?? null) : null;
    }, 120_000);
    expect(next).toMatch(/^mw\d{8}$/);
    expect((await answers()).dkimSelector).toBe('stack');

    const during = await send('rotate-during');
    expect(selectorOf(during)).toBe('stack');
    await verify(during);
    expect((await answers()).dkimSelector).toBe('stack'); // still waiting: NSD does not serve it yet

    // The admin publishes what `records` prints now: both selectors.
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    expect(records.stdout).toContain(`stack._domainkey.${DOMAIN}.`);
    expect(records.stdout).toContain(`${next}._domainkey.${DOMAIN}.`);
    await publishDns(host, DOMAIN, records.stdout, 3);

    const r = await rotating;
    console.log(`dkim rotate:\n${r.stdout}`);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Publish this record in the zone of your domain');
    expect(r.stdout).toMatch(new RegExp(`${next}\\._domainkey\\.example\\.org\\.[^\\n]*TXT`));
    expect(r.stdout).toMatch(new RegExp(`${next}\\._domainkey\\.example\\.org: ${host.outsideAddress}[^\\n]*: missing`));
    expect(r.stdout).toContain(`Every authoritative server serves ${next}: rspamd signs with it from now on.`);
    expect(r.stdout).toContain(`Keep the old record stack._domainkey.${DOMAIN} published until`);
    expect(await answers()).toMatchObject({ dkimSelector: next, dkimPublished: ['stack', next] });
    // Each change of the answers file kept the version before it.
    const backups = ok(await host.exec(['find', '/var/backups/mail-wizard', '-path', '*/root/answers.json'])).stdout.split('\n').filter(Boolean);
    expect(backups.length).toBeGreaterThanOrEqual(2);

    await rspamdScans();
    const after = await send('rotate-after');
    expect(selectorOf(after)).toBe(next);
    await verify(after);
    // Mail signed before the switch still verifies: the old record stays published.
    await verify(before);
  }, 600_000);

  it('check dns checks both selectors during the overlap', async () => {
    const r = await host.exec(wizardArgv('check', 'dns', ...common()), { timeoutMs: 120_000 });
    expect(r.stdout).toMatch(new RegExp(`PASS +dkim +${next}\\._domainkey\\.example\\.org: 2048-bit RSA key, matches the local key`));
    expect(r.stdout).toMatch(/PASS +dkim +stack\._domainkey\.example\.org: 2048-bit RSA key, matches the local key \[retired key, still published\]/);
  }, 120_000);

  it('dkim retire: refused within the grace period; past it, check says to retire the old key, and doing so clears it', async () => {
    const early = await wizard('dkim', 'retire', 'stack');
    expect(early.exitCode).toBe(2);
    expect(early.stderr).toMatch(/grace period 7 days/);
    const active = await wizard('dkim', 'retire', next);
    expect(active.exitCode).toBe(2);
    expect((await wizard('check')).stdout).toMatch(/ok +\[dkim\.retired\] the retired key stack stays published for its grace period \(7 more days\)/);

    // Eight days later (the new key's file is as old as the switch can be).
    ok(await host.exec(['touch', '-d', '8 days ago', `/var/lib/rspamd/dkim/${DOMAIN}.${next}.key`]));
    const reminded = await wizard('check');
    expect(reminded.stdout).toMatch(/WARN \[dkim\.retired\] the retired key stack is past its 7-day grace period/);
    expect(reminded.stdout).toContain(`fix:  mail-wizard dkim retire stack, then delete stack._domainkey.${DOMAIN} from the zone.`);

    // The fix, as written.
    const r = ok(await wizard('dkim', 'retire', 'stack'));
    expect(r.stdout).toContain(`Delete its record from the zone: stack._domainkey.${DOMAIN} TXT`);
    expect(await host.exec(['test', '-e', `/var/lib/rspamd/dkim/${DOMAIN}.stack.key`])).toMatchObject({ exitCode: 1 });
    expect(await answers()).toMatchObject({ dkimSelector: next });
    expect((await answers()).dkimPublished).toBeUndefined();
    expect((await wizard('check')).stdout).not.toContain('dkim.retired');
    // Signing is untouched.
    const later = await send('rotate-retired');
    expect(selectorOf(later)).toBe(next);
    await verify(later);
  }, 300_000);
});
