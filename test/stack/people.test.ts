/**
 * People and addresses on a live server, in a Debian trixie test host: `user add bob
 * --password-stdin` makes an account whose password logs in over IMAP (from outside) and whose
 * address receives mail; `alias add sales bob` makes sales@ land with bob; `user remove bob` makes
 * smtpd refuse bob@ and takes him out of the answers. Then the passwords are looked for everywhere
 * the wizard writes or prints (plain and JSON output, the run state, backups, the answers file and
 * its backup, every plan format, the logs, the snapshots): they must be in none of them.
 */
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type ExecResult, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, waitFor } from './world.js';

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
  tls: 'self-signed',
};
// Distinctive, so that a grep finding them cannot be a coincidence.
const BOB_PASSWORD = 'Bob-pw-7f3c9e21-stack';
const CAROL_PASSWORD = 'Carol-pw-0b8d44a6-stack';
const SNAPSHOTS = fileURLToPath(new URL('../../snapshots', import.meta.url));

describe.skipIf(problem !== null)('people and addresses on a live server', () => {
  let host: TestHost;
  /** Everything the wizard printed in this suite, to look for the passwords in. */
  const printed: string[] = [];
  const wizard = async (args: string[], input?: string): Promise<ExecResult> => {
    const r = await host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json'), {
      timeoutMs: 300_000,
      ...(input !== undefined ? { input } : {}),
    });
    printed.push(r.stdout, r.stderr);
    return r;
  };
  const swaks = (...args: string[]) => host.execOutside(['swaks', '--server', host.serverAddress, '--port', '25', '--helo', `mx.${FOREIGN}`, ...args], { timeoutMs: 60_000 });
  const inMaildir = (user: string, token: string) => async () => {
    const r = await host.exec(['grep', '-l', '-r', '--', token, `/home/${user}/Maildir/new`, `/home/${user}/Maildir/cur`]);
    return r.stdout.trim() || null;
  };
  const answersFile = async () => JSON.parse((await host.readFile('/root/answers.json')) ?? '{}') as { users: string[]; aliases?: Record<string, string[]> };
  const imap = async (user: string, password: string, subject: string) => {
    const r = ok(await host.execOutside(['python3', '/root/imap-client.py', host.serverAddress, user, password, subject], { timeoutMs: 60_000 }));
    return JSON.parse(r.stdout) as { login: string; found: number };
  };

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await host.outside.writeFile('/root/imap-client.py', readFileSync(new URL('./clients/imap-client.py', import.meta.url), 'utf8'));
    await publishDns(host, DOMAIN, '', 1);
    // A working server first: setup (the DNS step fails until the records are published), the
    // records published as printed, then repair.
    await wizard(['setup', '--yes', '--plain', '--nameserver', host.outsideAddress]);
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    await publishDns(host, DOMAIN, records.stdout, 2);
    const repaired = await wizard(['repair', '--yes', '--plain', '--nameserver', host.outsideAddress]);
    expect(repaired.exitCode, repaired.stdout + repaired.stderr).toBe(0);
  }, 1_200_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('user add bob --password-stdin: bob logs in over IMAP with that password and receives bob@', async () => {
    const r = await wizard(['user', 'add', 'bob', '--password-stdin', '--plain'], `${BOB_PASSWORD}\n`);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the test message to bob@example\.org reached ~bob\/Maildir\/new/);
    expect((await answersFile()).users).toEqual(['alice', 'bob']);
    expect(await host.readFile('/root/answers.json.bak')).toContain('"alice"');

    const token = 'people-check-bob';
    const sent = await swaks('--from', `dave@${FOREIGN}`, '--to', `bob@${DOMAIN}`, '--h-Subject', token);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    await waitFor('bob@ mail in ~bob/Maildir', inMaildir('bob', token), 60_000);
    const session = await imap('bob', BOB_PASSWORD, token);
    expect(session.login).toBe('OK');
    expect(session.found).toBe(1);
    // The wrong password is refused: the login above proves this password, not any.
    const wrong = await host.execOutside(['python3', '/root/imap-client.py', host.serverAddress, 'bob', 'not-the-password', token], { timeoutMs: 60_000 });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toMatch(/AUTHENTICATIONFAILED|authentication failed/i);
  }, 600_000);

  it('user add with --json: the events are JSON and carol logs in with her password', async () => {
    const r = await wizard(['user', 'add', 'carol', '--password-stdin', '--json'], CAROL_PASSWORD);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; actions?: { action: { type: string; secret?: boolean; input?: string } }[] });
    const secret = events.flatMap((e) => e.actions ?? []).find((a) => a.action.secret);
    // The password action is there, shown, and its input is the placeholder.
    expect(secret?.action.input).toMatch(/secret/);
    expect((await imap('carol', CAROL_PASSWORD, 'no-such-subject')).login).toBe('OK');
  }, 600_000);

  it('refusals: a system account, an existing user, an alias to nobody; exit 2 with one clear line, nothing saved', async () => {
    const before = await host.readFile('/root/answers.json');
    const cases: [string[], RegExp][] = [
      [['user', 'add', 'daemon'], /"daemon" is a system account on this host/],
      [['user', 'add', 'redis'], /"redis" is a system account on this host/],
      [['user', 'add', 'bob'], /user "bob" already exists/],
      [['alias', 'add', 'postmaster', 'bob'], /mail-wizard's own aliases/],
      [['alias', 'add', 'www-data', 'bob'], /"www-data" is an account on this host/],
      [['alias', 'add', 'sales', 'zed'], /target "zed" is neither one of the users .* nor an alias/],
    ];
    for (const [args, line] of cases) {
      const r = await wizard([...args, '--plain']);
      expect(r.exitCode, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(line);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await host.readFile('/root/answers.json')).toBe(before);
  }, 300_000);

  it('alias add sales bob: mail to sales@ lands with bob', async () => {
    const r = await wizard(['alias', 'add', 'sales', 'bob', '--plain']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the test message to sales@example\.org \(alias of bob\) reached ~bob\/Maildir\/new/);
    expect((await answersFile()).aliases).toEqual({ sales: ['bob'] });
    const token = 'people-check-sales';
    const sent = await swaks('--from', `dave@${FOREIGN}`, '--to', `sales@${DOMAIN}`, '--h-Subject', token);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    expect(await waitFor('sales@ mail in ~bob/Maildir', inMaildir('bob', token), 60_000)).toMatch(/^\/home\/bob\/Maildir\//);
    expect(await inMaildir('alice', token)()).toBeNull();
    const list = JSON.parse(ok(await wizard(['alias', 'list', '--json'])).stdout) as { aliases: { name: string; targets: string[] }[] };
    expect(list.aliases).toContainEqual({ name: 'sales', targets: ['bob'], keptBy: 'answers' });
  }, 600_000);

  it('user remove bob: refused while sales@ points at him; then mail to bob@ is refused and the answers no longer name him', async () => {
    const early = await wizard(['user', 'remove', 'bob', '--plain']);
    expect(early.exitCode).toBe(2);
    expect(early.stderr).toMatch(/"bob" is the target of the alias sales/);

    ok(await wizard(['alias', 'remove', 'sales', '--plain']));
    const r = await wizard(['user', 'remove', 'bob', '--plain']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/smtpd refuses bob@example\.org/);
    const answers = await answersFile();
    expect(answers.users).toEqual(['alice', 'carol']);
    expect(JSON.stringify(answers)).not.toContain('bob');
    const sent = await swaks('--from', `dave@${FOREIGN}`, '--to', `bob@${DOMAIN}`, '--h-Subject', 'people-check-removed');
    expect(sent.exitCode).not.toBe(0);
    expect(sent.stdout + sent.stderr).toMatch(/<~?\*\* 5\d\d/);
    // The mail is kept (no --purge-mail).
    expect((await host.exec(['test', '-d', '/home/bob/Maildir/new'])).exitCode).toBe(0);
    expect((await host.exec(['getent', 'passwd', 'bob'])).exitCode).not.toBe(0);
  }, 600_000);

  it('user remove carol --purge-mail: the account and her home with the mail are gone', async () => {
    expect((await host.exec(['test', '-d', '/home/carol/Maildir'])).exitCode).toBe(0);
    const r = await wizard(['user', 'remove', 'carol', '--purge-mail', '--plain']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/smtpd refuses carol@example\.org/);
    expect((await host.exec(['test', '-e', '/home/carol'])).exitCode).not.toBe(0);
    expect((await answersFile()).users).toEqual(['alice']);
  }, 600_000);

  it('the passwords are in none of the outputs, the run state, backups, answers, logs, plans or snapshots', async () => {
    for (const format of ['text', 'sh', 'json']) {
      const plan = await wizard(['plan', '--format', format, '--nameserver', host.outsideAddress]);
      expect(plan.stdout.length).toBeGreaterThan(100);
    }
    expect(printed.join('\n').length).toBeGreaterThan(1000);
    for (const password of [BOB_PASSWORD, CAROL_PASSWORD]) {
      expect(printed.some((text) => text.includes(password)), `${password} printed`).toBe(false);
      // Everything the wizard keeps on the box: grep exits 1 when nothing matches.
      const grep = await host.exec(['grep', '-r', '-l', '-F', '--', password, '/var/lib/mail-wizard', '/var/backups', '/var/log', '/root', '/etc/mail-wizard.json', '/etc/aliases', '/etc/smtpd', '/etc/dovecot', '/tmp']);
      expect(grep.stdout, `${password} found on the box`).toBe('');
      expect(grep.exitCode, grep.stderr).toBe(grep.stderr.includes('No such file') ? 2 : 1);
      expect(await grepDir(SNAPSHOTS, password)).toEqual([]);
    }
    // The state and the backups were looked at: they exist.
    expect((await host.exec(['test', '-f', '/var/lib/mail-wizard/state.json'])).exitCode).toBe(0);
    expect((await host.exec(['test', '-d', '/var/backups/mail-wizard'])).exitCode).toBe(0);
  }, 300_000);
});

/** The files under dir (recursively) that contain needle. */
async function grepDir(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await fs.readFile(file, 'utf8')).includes(needle)) found.push(file);
  }
  return found;
}
