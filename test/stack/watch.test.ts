/**
 * The daily report, for real: in a Debian trixie test host (no systemd: the job is a cron.daily
 * script), after setup and the published records, `watch enable` installs the job and running it
 * mails postmaster the first report. Then rspamd is stopped: `watch run` names it. smtpd's rspamd
 * filter is down with it, so smtpd refuses the report (filter-rspamd answers 421) and sendmail
 * saves it to dead.letter; the report stays in watch's outbox. A second run with nothing changed
 * makes no new report. Once rspamd is back, the next run delivers the waiting report (and the
 * "fixed" one), signed by rspamd: dkimverify on the outside machine, with the key from NSD, accepts it.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { publishDns, startSink, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const ANSWERS = {
  domain: DOMAIN,
  hostname: `mail.${DOMAIN}`,
  ipv4: '198.51.100.25',
  users: ['alice', 'bob'],
  postmaster: 'bob',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  tls: 'self-signed',
};
const OUTBOX = '/var/lib/mail-wizard/outbox';
const RSPAMD_DOWN = '[steps/services.rspamd] rspamd is not running';

describe.skipIf(problem !== null)('watch: a daily report of what changed', () => {
  let host: TestHost;
  /** rspamd's scanner, what smtpd's filter asks, answers (after a start or restart). */
  const rspamdScans = () =>
    waitFor('rspamd to scan', async () => ((await host.exec(['rspamc', '-h', '127.0.0.1:11333'], { input: 'Subject: ping\n\nping\n' })).exitCode === 0 ? true : null), 60_000);
  const common = () => ['--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress];
  const wizard = (...args: string[]) => host.exec(wizardArgv(...args, ...common()), { timeoutMs: 300_000 });
  /** Reports in bob's (the postmaster's) Maildir that hold token. */
  const reports = async (token: string): Promise<string[]> => {
    const r = await host.exec(['grep', '-l', '-r', '-F', '--', token, '/home/bob/Maildir/new', '/home/bob/Maildir/cur']);
    return r.stdout.split('\n').filter(Boolean);
  };
  const allReports = () => reports('Subject: mail-wizard on mail.example.org:');
  const outbox = async () => (await host.exec(['sh', '-c', `ls ${OUTBOX} 2>/dev/null || true`])).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
    await wizard('setup', '--yes', '--plain');
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
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

  it('watch enable installs a cron.daily script (no systemd here); running it mails the first, whole report', async () => {
    const r = ok(await wizard('watch', 'enable'));
    expect(r.stdout).toContain('/etc/cron.daily/mail-wizard-watch');
    // What cron would run: run-parts lists it, and it is the job itself that sends.
    expect(ok(await host.exec(['run-parts', '--test', '/etc/cron.daily'])).stdout).toContain('/etc/cron.daily/mail-wizard-watch');
    const job = ok(await host.exec(['/etc/cron.daily/mail-wizard-watch'], { timeoutMs: 300_000 }));
    expect(job.stdout).toContain('first report');
    const first = await waitFor('the first report in the postmaster\'s Maildir', async () => (await reports('first report')).at(0) ?? null, 60_000);
    expect(await host.readFile(first)).toMatch(/^To: postmaster@example\.org$/m);
    expect(await outbox()).toEqual([]);
  }, 600_000);

  it('rspamd stopped: watch run names it; smtpd refuses mail while its filter is down, so the report waits in the outbox', async () => {
    const before = (await allReports()).length;
    ok(await host.exec(['service', 'rspamd', 'stop']));
    const r = await wizard('watch', 'run');
    expect(r.stdout, r.stdout).toContain(`new: ${RSPAMD_DOWN}`);
    // What really happens to the mail: filter-rspamd cannot reach rspamd and answers the commit
    // with 421; sendmail (smtpctl enqueue) fails and saves the message to root's dead.letter.
    expect(r.stdout).toMatch(/NOT SENT, kept for the next run: \/var\/lib\/mail-wizard\/outbox\/report-\S+\.eml \(\/usr\/sbin\/sendmail exit 70: .*421/);
    expect(r.exitCode).toBe(1);
    // Meanwhile the report is in the job's output (daily.out on OpenBSD, the journal with systemd).
    expect(r.stdout).toContain(`New since the last report:\n  FAIL ${RSPAMD_DOWN}`);
    console.log(`watch run with rspamd stopped:\n${r.stdout}`);
    expect(await host.readFile('/root/dead.letter')).toContain(RSPAMD_DOWN);
    const queued = await outbox();
    expect(queued).toHaveLength(1);
    expect(await host.readFile(`${OUTBOX}/${queued[0]}`)).toContain(`New since the last report:\n  FAIL ${RSPAMD_DOWN}`);
    expect((await allReports()).length).toBe(before);
  }, 600_000);

  it('a second watch run with nothing changed makes no report', async () => {
    const queued = await outbox();
    const before = (await allReports()).length;
    const r = await wizard('watch', 'run');
    expect(r.stdout, r.stdout).toContain('nothing changed since the last run: no report');
    expect(r.stdout).not.toContain('new:');
    expect(await outbox()).toEqual(queued); // still the one report, not a second
    expect((await allReports()).length).toBe(before);
  }, 600_000);

  it('rspamd back: the next run delivers the waiting report, signed; it verifies with DKIM from outside', async () => {
    ok(await host.exec(['service', 'rspamd', 'start']));
    await rspamdScans();
    const r = await wizard('watch', 'run');
    expect(r.stdout, r.stdout).toContain('fixed: [steps/services.rspamd]');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(await outbox()).toEqual([]);
    const file = await waitFor('the rspamd report in the postmaster\'s Maildir', async () => (await reports(RSPAMD_DOWN)).at(0) ?? null, 60_000);
    const message = (await host.readFile(file)) ?? '';
    console.log(`the report, as the postmaster got it:\n${message}`);
    expect(message).toMatch(/^From: mail-wizard <postmaster@example\.org>$/m);
    // DMARC alignment: the signature's d= is the From domain.
    expect(message).toMatch(/^DKIM-Signature: [^]*?d=example\.org;/m);
    const verified = await host.execOutside(['dkimverify'], { input: message });
    expect(verified.stdout + verified.stderr).toContain('signature ok');
    expect(verified.exitCode).toBe(0);
    await waitFor('the "fixed" report', async () => (await reports('Fixed since the last report:')).at(0) ?? null, 60_000);
    // The results the next run compares with: root's only, and nothing secret in them or in a report.
    expect(ok(await host.exec(['stat', '-c', '%a %U', '/var/lib/mail-wizard/watch.json'])).stdout.trim()).toBe('600 root');
    const secrets = await host.exec(['grep', '-r', '-l', '-e', 'PRIVATE KEY', '/var/lib/mail-wizard/watch.json', '/home/bob/Maildir']);
    expect(secrets.stdout).toBe('');
  }, 600_000);

  it('watch disable removes the job', async () => {
    const r = ok(await wizard('watch', 'disable'));
    expect(r.stdout).toContain('the daily job is removed');
    expect(await host.exec(['test', '-e', '/etc/cron.daily/mail-wizard-watch'])).toMatchObject({ exitCode: 1 });
  }, 120_000);
});
