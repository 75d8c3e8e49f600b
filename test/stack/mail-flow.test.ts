/**
 * The whole stack, for real: in a Debian trixie test host (its own namespaces, no way out), the
 * wizard runs as a user would on a fresh box, then real clients on a second machine ("the
 * internet") prove that mail flows: inbound delivery, DKIM-signed submission, no open relay, no
 * login without TLS, IMAP, and spam learning from the Junk folder. Then: a second setup changes
 * nothing, and repair restores exactly the file that was broken.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, startSink, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const HOST = 'mail.example.org';
const PASSWORD = 'correct horse battery staple';
const ANSWERS = {
  domain: DOMAIN,
  hostname: HOST,
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};
const timings: string[] = [];
const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings.push(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
};

describe.skipIf(problem !== null)('the mail stack in a trixie test host', () => {
  let host: TestHost;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), {
      timeoutMs: 300_000,
    });
  const swaks = (...args: string[]) => host.execOutside(['swaks', '--server', host.serverAddress, '--helo', `mx.${FOREIGN}`, ...args], { timeoutMs: 60_000 });
  const inMaildir = (token: string) => async () => {
    const r = await host.exec(['sh', '-c', `grep -l -r -- "${token}" /home/alice/Maildir/new /home/alice/Maildir/cur 2>/dev/null || true`]);
    return r.stdout.trim() || null;
  };

  beforeAll(async () => {
    const root = await timed('test host root (ensureRoot)', ensureRoot);
    timings.push(`  (${root.built ? 'built now' : 'cached'})`);
    host = await timed('test host start', () => startWizardHost({ root: root.dir, hostname: 'mail' }));
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    // "The internet" already has DNS: the domain's zone exists at its provider, still empty.
    await publishDns(host, DOMAIN, '', 1);
  }, 600_000);

  afterAll(async () => {
    if (host) {
      const log = await host.readFile('/var/log/syslog');
      if (log && process.env.MW_STACK_LOG) writeFileSync(process.env.MW_STACK_LOG, log);
      await host.stop();
    }
    console.log(`stack timings:\n  ${timings.join('\n  ')}`);
  });

  it('setup configures everything, then stops at DNS until the records are published', async () => {
    const r = await timed('setup (first run, stops at DNS)', () => wizard('setup', '--yes', '--plain'));
    expect(r.stdout).toContain(`== [${STEPS.findIndex((s) => s.id === 'services') + 1}/${STEPS.length}] Services enabled and started`);
    expect(r.stdout).toMatch(/Services enabled and started[\s\S]*?-> changed/);
    expect(r.stdout).toMatch(/DNS records[\s\S]*?FAIL/);
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
  }, 600_000);

  it('publishing the records (as the wizard printed them) makes repair pass, mail test included', async () => {
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    expect(records.stdout).toContain('stack._domainkey.example.org.');
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    // The admin's manual step the wizard named: a password for the new user.
    ok(await host.exec(['chpasswd'], { input: `alice:${PASSWORD}\n` }));
    const r = await timed('repair (verify all, DNS now published)', () => wizard('repair', '--yes', '--plain'));
    expect(r.stdout, r.stdout).toContain('  ok   Final mail test');
    expect(r.stdout).toContain('repair: 0 changed, 0 failed, 0 skipped.');
    expect(r.exitCode, r.stdout).toBe(0);
  }, 600_000);

  it('1. SMTP on 25 to alice@example.org lands in ~alice/Maildir/new through Dovecot LMTP', async () => {
    await timed('client check 1 (inbound)', async () => {
      // A body with enough words for rspamd's Bayes to learn from it in check 5 (it wants 11 tokens).
      const body = 'Congratulations winner! Claim your free prize money today: send your bank account details and password to our lottery office before the offer expires tonight.';
      const sent = await swaks('--port', '25', '--from', `bob@${FOREIGN}`, '--to', `alice@${DOMAIN}`, '--h-Subject', 'inbound-check-1', '--body', body);
      expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
      const file = await waitFor('the inbound message in Maildir', inMaildir('inbound-check-1'));
      expect(file).toMatch(/^\/home\/alice\/Maildir\/new\//);
      console.log(`check 1: delivered to ${file}`);
    });
  }, 120_000);

  it('2. submission on 587 (STARTTLS + AUTH) reaches the sink with a DKIM signature a verifier accepts', async () => {
    await timed('client check 2 (submission, DKIM)', async () => {
      const sent = await swaks('--port', '587', '--tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', PASSWORD,
        '--from', `alice@${DOMAIN}`, '--to', `carol@${FOREIGN}`, '--h-Subject', 'outbound-check-2');
      expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
      const name = await waitFor('the message at the sink', async () => {
        const r = await host.execOutside(['sh', '-c', 'grep -l outbound-check-2 /var/sink/*.eml 2>/dev/null || true']);
        return r.stdout.trim().split('\n')[0] || null;
      }, 60_000);
      const message = (await host.outside.readFile(name)) ?? '';
      expect(message).toMatch(/^DKIM-Signature: .*d=example\.org/im);
      expect(message).toMatch(/s=stack/);
      const verified = await host.execOutside(['dkimverify'], { input: message });
      expect(verified.stdout + verified.stderr).toContain('signature ok');
      expect(verified.exitCode).toBe(0);
      console.log('check 2: DKIM signature ok (dkimverify, key from NSD)');
    });
  }, 120_000);

  it('3. relaying for a stranger on 25 is refused with 5xx', async () => {
    const sent = await swaks('--port', '25', '--from', `spammer@${FOREIGN}`, '--to', `victim@${FOREIGN}`, '--h-Subject', 'relay-check-3');
    expect(sent.exitCode).not.toBe(0);
    const refusal = /<\*\* (5\d\d [^\n]*)/.exec(sent.stdout);
    expect(refusal, sent.stdout).not.toBeNull();
    console.log(`check 3: relay refused: ${refusal?.[1]}`);
  }, 60_000);

  it('4. no AUTH without TLS on 587; IMAP over TLS shows the message; plaintext IMAP login refused', async () => {
    const plain = await swaks('--port', '587', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', PASSWORD, '--from', `alice@${DOMAIN}`, '--to', `carol@${FOREIGN}`);
    expect(plain.exitCode).not.toBe(0);
    expect(plain.stdout + plain.stderr).toMatch(/530|not supported|STARTTLS/i);
    const client = readFileSync(new URL('./clients/imap-client.py', import.meta.url), 'utf8');
    await host.outside.writeFile('/root/imap-client.py', client);
    const imap = ok(await host.execOutside(['python3', '/root/imap-client.py', host.serverAddress, 'alice', PASSWORD, 'inbound-check-1']));
    const result = JSON.parse(imap.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ login: 'OK', found: 1, copy_to_junk: 'OK' });
    expect(String(result.plaintext_login)).toMatch(/^refused/);
    console.log(`check 4: ${imap.stdout.trim()}`);
  }, 60_000);

  it('5. the message copied into Junk was learned as spam by rspamd', async () => {
    const learned = async () => {
      // The controller listens only on a socket root and _rspamd can open (no TCP port).
      const stat = await host.exec(['rspamc', '-h', '/var/lib/rspamd/controller.sock', 'stat']);
      const line = stat.stdout.split('\n').find((l) => l.includes('BAYES_SPAM')) ?? '';
      return Number(/learned: (\d+)/.exec(line)?.[1] ?? 0);
    };
    const count = await waitFor('rspamd to learn the spam', async () => ((await learned()) > 0 ? learned() : null), 30_000);
    expect(count).toBeGreaterThan(0);
    console.log(`check 5: BAYES_SPAM learned ${count}`);
  }, 60_000);

  it('a second setup changes nothing', async () => {
    const r = await timed('setup (second run)', () => wizard('setup', '--yes', '--plain'));
    expect(r.stdout).toContain('setup: 0 changed, 0 failed, 0 skipped.');
    expect(r.exitCode, r.stdout).toBe(0);
  }, 600_000);

  it('repair after a broken smtpd.conf restores exactly that file', async () => {
    const files = ['/etc/smtpd.conf', '/etc/aliases', '/etc/dovecot/dovecot.conf', '/etc/redis/redis.conf', '/etc/rspamd/local.d/dkim_signing.conf', '/etc/nftables.conf', '/etc/hosts'];
    const stamps = async () => ok(await host.exec(['stat', '-c', '%n %Y.%y', ...files])).stdout;
    const good = await host.readFile('/etc/smtpd.conf');
    await host.exec(['sh', '-c', 'echo "listen on nowhere-at-all" >> /etc/smtpd.conf']);
    const before = await stamps();
    const r = await timed('repair (broken smtpd.conf)', () => wizard('repair', '--yes', '--plain'));
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout.match(/^ {3}> write .*$/gm)).toEqual(['   > write /etc/smtpd.conf (0644 root)']);
    expect(await host.readFile('/etc/smtpd.conf')).toBe(good);
    const after = await stamps();
    const changed = files.filter((f) => before.split('\n').find((l) => l.startsWith(`${f} `)) !== after.split('\n').find((l) => l.startsWith(`${f} `)));
    expect(changed).toEqual(['/etc/smtpd.conf']);
    expect(r.stdout).toMatch(/> run start-stop-daemon --stop[^\n]*\n[\s\S]*> run service opensmtpd start/);
  }, 600_000);

  it('a daemon started before its config file changed fails the check, and repair restarts only it', async () => {
    const pid = async () => (await host.readFile('/run/dovecot/master.pid'))?.trim();
    const before = await pid();
    // Same content, newer time (dovecot started minutes ago): an edit the daemon never reloaded.
    ok(await host.exec(['touch', '/etc/dovecot/dovecot.conf']));
    const check = await host.exec(wizardArgv('check', '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 300_000 });
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(/FAIL \[services\.dovecot-current\] dovecot runs an older configuration than the one on disk/);
    expect(check.stdout).not.toMatch(/FAIL \[services\.(smtpd|rspamd|redis)-current\]/);
    const r = await wizard('repair', '--yes', '--plain');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout.match(/^ {3}> .*$/gm)?.every((l) => l.includes('dovecot')), r.stdout).toBe(true);
    expect(await pid()).not.toBe(before);
  }, 600_000);
});
