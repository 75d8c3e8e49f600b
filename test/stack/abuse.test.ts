/**
 * Hard to abuse, proved in a trixie test host: after the wizard sets the server up, from the
 * outside machine and as local accounts on the server,
 * - a logged-in user may send only as their own address and the aliases that reach them;
 * - the rspamd controller refuses whoever is not root or _rspamd (no TCP port, a 0600 socket),
 *   and learning from Junk still works (it runs as _rspamd through Dovecot's learn services,
 *   which only Dovecot's mail processes can reach);
 * - no local account can write to Dovecot's LMTP socket (only smtpd's delivery user can);
 * - Redis has no TCP port and only rspamd's group can use its socket;
 * - a renewed certificate (as certbot leaves it: new files behind the live/ symlinks) is served by
 *   smtpd (25 STARTTLS, 465) and dovecot (993) after certbot's deploy hook ran.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type ExecResult, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, startSink, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const HOST = 'mail.example.org';
const PASSWORD = 'correct horse battery staple';
const LINEAGE = `/etc/letsencrypt/live/${HOST}`;
const ARCHIVE = `/etc/letsencrypt/archive/${HOST}`;
const HOOK = '/etc/letsencrypt/renewal-hooks/deploy/mail-wizard';
const CONTROLLER = '/var/lib/rspamd/controller.sock';
const LMTP = '/run/dovecot/lmtp';
const REDIS = '/run/redis/redis-server.sock';
const ANSWERS = {
  domain: DOMAIN,
  hostname: HOST,
  ipv4: '198.51.100.25',
  users: ['alice', 'bob'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  // A certificate certbot renews (its live/ directory): the wizard installs certbot's deploy hook.
  tls: { mode: 'existing', cert: `${LINEAGE}/fullchain.pem`, key: `${LINEAGE}/privkey.pem` },
};
// The admin's own aliases, there before the wizard: ceo@ reaches bob, sales@ reaches alice.
const ADMIN_ALIASES = '# aliases of this box\npostmaster: root\nceo: bob\nsales: alice\n';

describe.skipIf(problem !== null)('hard to abuse: senders, controller, LMTP, Redis, renewed certificates', () => {
  let host: TestHost;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 300_000 });
  const swaks = (...args: string[]) => host.execOutside(['swaks', '--server', host.serverAddress, '--helo', `mx.${FOREIGN}`, ...args], { timeoutMs: 60_000 });
  /** Submission as alice (587 STARTTLS, or 465 TLS) with the given envelope sender. */
  const submitAs = (from: string, subject: string, port = '587', extra: string[] = []) =>
    swaks('--port', port, ...(port === '465' ? ['--tls-on-connect'] : ['--tls']), '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', PASSWORD,
      '--from', from, '--to', `carol@${FOREIGN}`, '--h-Subject', subject, ...extra);
  /** Runs argv on the server as a local account, with that account's groups only. */
  const asUser = (user: string, argv: string[]) => host.exec(['setpriv', `--reuid=${user}`, `--regid=${user === 'nobody' ? 'nogroup' : user}`, '--init-groups', ...argv], { timeoutMs: 30_000 });
  const atSink = (subject: string) => async () => {
    const r = await host.execOutside(['sh', '-c', `grep -l -- "${subject}" /var/sink/*.eml 2>/dev/null || true`]);
    return r.stdout.trim().split('\n')[0] || null;
  };
  // swaks marks a server error "<**", or "<~*" inside TLS.
  const refusal = (r: ExecResult) => /<[*~]\* (5\d\d [^\n]*)/.exec(r.stdout)?.[1] ?? null;

  /** A certificate for HOST in certbot's layout: archive/NAME/fullchainN.pem, live/ symlinks to it. */
  async function issue(n: number): Promise<string> {
    const script = [
      'set -e',
      `mkdir -p ${ARCHIVE} ${LINEAGE}`,
      'umask 077',
      `openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=${HOST} -addext subjectAltName=DNS:${HOST} -keyout ${ARCHIVE}/privkey${n}.pem -out ${ARCHIVE}/fullchain${n}.pem 2>/dev/null`,
      `chmod 0644 ${ARCHIVE}/fullchain${n}.pem`,
      `ln -sfn ../../archive/${HOST}/fullchain${n}.pem ${LINEAGE}/fullchain.pem`,
      `ln -sfn ../../archive/${HOST}/privkey${n}.pem ${LINEAGE}/privkey.pem`,
      `openssl x509 -noout -fingerprint -sha256 -in ${LINEAGE}/fullchain.pem`,
    ].join('\n');
    return ok(await host.exec(['sh', '-c', script])).stdout.trim();
  }
  /** The fingerprint of the certificate a port serves, as the outside machine sees it. */
  async function served(port: number): Promise<string> {
    const starttls = port === 25 ? ['-starttls', 'smtp'] : [];
    const script = `echo | openssl s_client -connect ${host.serverAddress}:${port} -servername ${HOST} ${starttls.join(' ')} 2>/dev/null | openssl x509 -noout -fingerprint -sha256`;
    return (await host.execOutside(['sh', '-c', script], { timeoutMs: 30_000 })).stdout.trim();
  }

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await host.writeFile('/etc/aliases', ADMIN_ALIASES);
    await issue(1);
    await publishDns(host, DOMAIN, '', 1);
  }, 600_000);

  afterAll(async () => {
    if (host) {
      const log = await host.readFile('/var/log/syslog');
      if (log && process.env.MW_STACK_LOG) writeFileSync(process.env.MW_STACK_LOG, log);
      await host.stop();
    }
  });

  it('setup, then the published records, make every step pass (the mail test included)', async () => {
    const first = await wizard('setup', '--yes', '--plain');
    expect(first.stdout, first.stdout + first.stderr).toMatch(/DNS records[\s\S]*?FAIL/);
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    ok(await host.exec(['chpasswd'], { input: `alice:${PASSWORD}\nbob:${PASSWORD}\n` }));
    const r = await wizard('repair', '--yes', '--plain');
    expect(r.stdout, r.stdout).toContain('  ok   Final mail test');
    expect(r.exitCode, r.stdout).toBe(0);
    // The admin's aliases are still there; their own postmaster line is commented out, not gone.
    const aliases = (await host.readFile('/etc/aliases')) ?? '';
    expect(aliases).toContain('ceo: bob\nsales: alice\n');
    expect(aliases).toContain('#postmaster: root\t# disabled by mail-wizard');
  }, 900_000);

  it('alice may send as alice@, as postmaster@ and sales@ (aliases that reach her): each reaches the sink', async () => {
    for (const [from, port] of [[`alice@${DOMAIN}`, '587'], [`postmaster@${DOMAIN}`, '587'], [`sales@${DOMAIN}`, '465']] as const) {
      const subject = `sender-ok-${from.split('@')[0]}`;
      const sent = await submitAs(from, subject, port);
      expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
      await waitFor(`${subject} at the sink`, atSink(subject), 60_000);
    }
  }, 240_000);

  it('alice may not send as bob@ or ceo@ (an alias that reaches bob), on 587 or 465', async () => {
    for (const [from, port] of [[`bob@${DOMAIN}`, '587'], [`ceo@${DOMAIN}`, '587'], [`bob@${DOMAIN}`, '465'], [`ceo@${DOMAIN}`, '465']] as const) {
      const sent = await submitAs(from, `sender-refused-${from}-${port}`, port);
      expect(sent.exitCode, sent.stdout).not.toBe(0);
      expect(refusal(sent), sent.stdout).toMatch(/^5\d\d /);
      console.log(`alice as ${from} on ${port}: ${refusal(sent)}`);
    }
  }, 240_000);

  it('masquerade: a From header of someone else is rewritten to the login\'s own envelope sender', async () => {
    const sent = await submitAs(`alice@${DOMAIN}`, 'masquerade-check', '587', ['--h-From', `"The CEO" <ceo@${DOMAIN}>`]);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const file = await waitFor('the masqueraded message at the sink', atSink('masquerade-check'), 60_000);
    const message = (await host.outside.readFile(file)) ?? '';
    expect(message).toMatch(/^From: .*alice@example\.org/im);
    expect(message).not.toMatch(/^From: .*ceo@example\.org/im);
  }, 120_000);

  it('the rspamd controller: no TCP port; its socket refuses local users; root reaches it', async () => {
    const outside = await host.execOutside(['nc', '-z', '-w', '5', host.serverAddress, '11334']);
    expect(outside.exitCode).not.toBe(0);
    for (const user of ['nobody', 'alice']) {
      const tcp = await asUser(user, ['rspamc', '-h', '127.0.0.1:11334', 'stat']);
      expect(tcp.exitCode, tcp.stdout + tcp.stderr).not.toBe(0);
      expect(tcp.stdout + tcp.stderr).toMatch(/refused|cannot connect/i);
      // The socket is there (root reaches it below), but not for them: rspamd's directory and the
      // 0600 socket keep them out (rspamc then names the path it could not open).
      const sock = await asUser(user, ['rspamc', '-h', CONTROLLER, 'stat']);
      expect(sock.exitCode, sock.stdout + sock.stderr).not.toBe(0);
      expect(sock.stdout + sock.stderr).toMatch(/cannot connect to \/var\/lib\/rspamd\/controller\.sock: (Permission denied|No such file or directory)/);
      expect(sock.stdout).not.toContain('Messages scanned');
    }
    expect(ok(await host.exec(['stat', '-c', '%a %U %F', CONTROLLER])).stdout.trim()).toBe('600 _rspamd socket');
    const root = await host.exec(['rspamc', '-h', CONTROLLER, 'stat']);
    expect(root.exitCode, root.stdout + root.stderr).toBe(0);
    expect(root.stdout).toContain('Messages scanned');
  }, 120_000);

  it('spam learning from Junk still works (Dovecot\'s learn service runs as _rspamd)', async () => {
    const body = 'Congratulations winner! Claim your free prize money today: send your bank account details and password to our lottery office before the offer expires tonight.';
    const sent = await swaks('--port', '25', '--from', `lottery@${FOREIGN}`, '--to', `alice@${DOMAIN}`, '--h-Subject', 'learn-check', '--body', body);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    await waitFor('the message in alice\'s Maildir', async () => {
      const r = await host.exec(['sh', '-c', 'grep -l -r -- learn-check /home/alice/Maildir/new /home/alice/Maildir/cur 2>/dev/null || true']);
      return r.stdout.trim() || null;
    });
    const learned = async () => {
      const stat = await host.exec(['rspamc', '-h', CONTROLLER, 'stat']);
      return Number(/learned: (\d+)/.exec(stat.stdout.split('\n').find((l) => l.includes('BAYES_SPAM')) ?? '')?.[1] ?? 0);
    };
    const before = await learned();
    await host.outside.writeFile('/root/imap-client.py', readFileSync(new URL('./clients/imap-client.py', import.meta.url), 'utf8'));
    const imap = ok(await host.execOutside(['python3', '/root/imap-client.py', host.serverAddress, 'alice', PASSWORD, 'learn-check']));
    expect(JSON.parse(imap.stdout)).toMatchObject({ login: 'OK', found: 1, copy_to_junk: 'OK' });
    const after = await waitFor('rspamd to learn the spam', async () => ((await learned()) > before ? learned() : null), 60_000);
    expect(after).toBeGreaterThan(before);
  }, 180_000);

  it('the learn services are for Dovecot\'s mail processes only: a user\'s shell cannot feed them', async () => {
    for (const what of ['spam', 'ham']) {
      const socket = `/run/dovecot/sieve-pipe/learn-${what}`;
      expect(ok(await host.exec(['stat', '-c', '%a %G %F', socket])).stdout.trim()).toBe('660 _spamlearn socket');
      for (const user of ['nobody', 'alice']) {
        const r = await asUser(user, ['nc', '-U', '-N', socket]);
        expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
        expect(r.stdout + r.stderr).toMatch(/permission denied/i);
      }
    }
  }, 60_000);

  it('LMTP: no local account can write to Dovecot\'s socket; it is 0600 for smtpd\'s delivery user', async () => {
    const mode = ok(await host.exec(['stat', '-c', '%a %U', LMTP])).stdout.trim();
    expect(mode).toBe('600 opensmtpd');
    for (const user of ['nobody', 'alice']) {
      const r = await asUser(user, ['nc', '-U', '-N', LMTP]);
      expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/permission denied/i);
      expect(r.stdout).not.toMatch(/^220 /m);
    }
  }, 60_000);

  it('Redis: no TCP port; only rspamd\'s user reaches the socket', async () => {
    const listening = ok(await host.exec(['ss', '-Hltn'])).stdout;
    expect(listening).not.toMatch(/:6379\b/);
    const tcp = await asUser('nobody', ['redis-cli', '-h', '127.0.0.1', 'ping']);
    expect(tcp.stdout + tcp.stderr).not.toContain('PONG');
    for (const user of ['nobody', 'alice']) {
      const r = await asUser(user, ['redis-cli', '-s', REDIS, 'ping']);
      expect(r.stdout + r.stderr).toMatch(/permission denied/i);
    }
    const rspamd = await asUser('_rspamd', ['redis-cli', '-s', REDIS, 'ping']);
    expect(rspamd.stdout.trim(), rspamd.stdout + rspamd.stderr).toBe('PONG');
  }, 60_000);

  it('a second setup changes nothing (the blocks, the senders table and the hook are stable)', async () => {
    const r = await wizard('setup', '--yes', '--plain');
    expect(r.stdout).toContain('setup: 0 changed, 0 failed, 0 skipped.');
    expect(r.exitCode, r.stdout).toBe(0);
  }, 600_000);

  it('a renewed certificate is served on 25 (STARTTLS), 465 and 993 after certbot\'s deploy hook', async () => {
    const oldPrint = ok(await host.exec(['openssl', 'x509', '-noout', '-fingerprint', '-sha256', '-in', `${LINEAGE}/fullchain.pem`])).stdout.trim();
    for (const port of [25, 465, 993]) expect(await served(port), `port ${port} before`).toBe(oldPrint);

    // certbot renews: new files in archive/, the live/ symlinks moved, then the deploy hook.
    const renewed = await issue(2);
    expect(renewed).not.toBe(oldPrint);
    const hook = await host.exec(['env', `RENEWED_LINEAGE=${LINEAGE}`, `RENEWED_DOMAINS=${HOST}`, HOOK], { timeoutMs: 120_000 });
    expect(hook.exitCode, hook.stdout + hook.stderr).toBe(0);
    for (const port of [25, 465, 993]) {
      const now = await waitFor(`port ${port} to serve the renewed certificate`, async () => ((await served(port)) === renewed ? renewed : null), 60_000);
      expect(now).toBe(renewed);
    }
    // Another lineage's renewal leaves the daemons alone.
    const other = await host.exec(['env', 'RENEWED_LINEAGE=/etc/letsencrypt/live/www.example.org', HOOK]);
    expect(other.exitCode).toBe(0);
    expect(other.stdout + other.stderr).toBe('');
  }, 300_000);
});
