/**
 * Every address the wizard sets up reaches a person, and mail the box sends itself leaves signed:
 * in a Debian trixie test host, after setup and the published records, real clients prove from
 * outside that postmaster@, abuse@, hostmaster@, the DMARC and TLS-RPT report addresses and root
 * (local sendmail) land in the postmaster's Maildir (bob, not the first user), that any other
 * address of the domain (a system account, a typo) is refused at RCPT, that the published
 * TLS-RPT and RFC 6186 SRV records lead to that mailbox and to ports the server answers on, that a message handed to
 * sendmail on the box for a foreign address reaches that domain's MX with a DKIM signature a
 * verifier accepts, and that a postmaster elsewhere gets postmaster@ mail relayed to it.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, splitRecords, startSink, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const ANSWERS = {
  domain: DOMAIN,
  hostname: `mail.${DOMAIN}`,
  ipv4: '198.51.100.25',
  users: ['alice', 'bob'],
  // Not the first user: a message that reached alice would prove nothing about the aliases.
  postmaster: 'bob',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `dmarc-reports@${DOMAIN}`,
  tls: 'self-signed',
};

describe.skipIf(problem !== null)('every address reaches its person; mail from the box is signed', () => {
  let host: TestHost;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), {
      timeoutMs: 300_000,
    });
  const swaks = (...args: string[]) => host.execOutside(['swaks', '--server', host.serverAddress, '--port', '25', '--helo', `mx.${FOREIGN}`, ...args], { timeoutMs: 60_000 });
  /** The files in a user's Maildir that hold token (null while there are none). */
  const inMaildir = (user: string, token: string) => async () => {
    const r = await host.exec(['grep', '-l', '-r', '--', token, `/home/${user}/Maildir/new`, `/home/${user}/Maildir/cur`]);
    return r.stdout.trim() || null;
  };
  const atSink = (token: string) => async () => {
    const r = await host.execOutside(['sh', '-c', 'grep -l -- "$1" /var/sink/*.eml 2>/dev/null || true', 'sh', token]);
    return r.stdout.trim().split('\n')[0] || null;
  };

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
  }, 600_000);

  afterAll(async () => {
    if (host) {
      const log = await host.readFile('/var/log/syslog');
      if (log && process.env.MW_STACK_LOG) writeFileSync(process.env.MW_STACK_LOG, log);
      await host.stop();
    }
  });

  it('setup, then the printed records published, then repair: the final mail test passes, postmaster@ included', async () => {
    const first = await wizard('setup', '--yes', '--plain');
    expect(first.stdout, first.stdout + first.stderr).toMatch(/DNS records[\s\S]*?FAIL/);
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    // Pasted into the domain's zone as printed (publishDns checks it with nsd-checkzone); the PTR
    // request, printed as a comment, goes to the reverse zone.
    expect(splitRecords(records.stdout).ptr).toEqual([`25.100.51.198.in-addr.arpa.\t3600\tIN\tPTR\tmail.${DOMAIN}.`]);
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    const r = await wizard('repair', '--yes', '--plain');
    expect(r.stdout, r.stdout).toContain('  ok   Final mail test');
    expect(r.exitCode, r.stdout).toBe(0);
    // The step's own alias message is in bob's Maildir, not only alice's.
    expect(await inMaildir('bob', `to postmaster@${DOMAIN}`)()).toMatch(/^\/home\/bob\/Maildir\/new\//);
    expect(await inMaildir('alice', `to alice@${DOMAIN}`)()).toMatch(/^\/home\/alice\/Maildir\/new\//);
  }, 900_000);

  // tlsrpt@: where _smtp._tls.<domain> sends TLS-RPT reports (the records published above name it)
  it.each(['postmaster', 'abuse', 'hostmaster', 'dmarc-reports', 'tlsrpt'])('SMTP from outside to %s@ lands in the postmaster bob\'s Maildir', async (local) => {
    const token = `alias-check-${local}`;
    const sent = await swaks('--from', `dave@${FOREIGN}`, '--to', `${local}@${DOMAIN}`, '--h-Subject', token);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const file = await waitFor(`${local}@ in ~bob/Maildir`, inMaildir('bob', token), 60_000);
    expect(file).toMatch(/^\/home\/bob\/Maildir\/new\//);
    expect(await inMaildir('alice', token)()).toBeNull();
    console.log(`${local}@${DOMAIN}: delivered to ${file}`);
  }, 120_000);

  it('only the users and the aliases take mail: a system account (www-data, nobody) and a typo are refused at RCPT, from outside and from sendmail; a +tag reaches its user', async () => {
    for (const local of ['www-data', 'nobody', 'alcie']) {
      const refused = await swaks('--from', `dave@${FOREIGN}`, '--to', `${local}@${DOMAIN}`, '--quit-after', 'RCPT');
      // swaks exits 24 when RCPT TO is refused
      expect(refused.exitCode, refused.stdout + refused.stderr).toBe(24);
      expect(refused.stdout).toMatch(/<\*\* 5\d\d /);
    }
    expect(ok(await host.exec(['id', 'www-data'])).stdout).toContain('www-data');
    expect(await host.readFile('/var/www/Maildir/new')).toBeNull();
    const local = await host.exec(['sendmail', `www-data@${DOMAIN}`], { input: 'Subject: to a system account\n\nno\n', timeoutMs: 30_000 });
    expect(local.exitCode, local.stdout + local.stderr).not.toBe(0);
    const token = 'plus-tag-check';
    const tagged = await swaks('--from', `dave@${FOREIGN}`, '--to', `alice+lists@${DOMAIN}`, '--h-Subject', token);
    expect(tagged.exitCode, tagged.stdout + tagged.stderr).toBe(0);
    expect(await waitFor('alice+lists@ in ~alice/Maildir', inMaildir('alice', token), 60_000)).toMatch(/^\/home\/alice\/Maildir\/new\//);
  }, 180_000);

  it('an alias added to the aliases by hand: check finds the senders and recipients tables out of date, repair rebuilds it, and the alias takes mail', async () => {
    ok(await host.exec(['sh', '-c', 'echo "sales: alice" >> /etc/aliases']));
    expect((await swaks('--from', `dave@${FOREIGN}`, '--to', `sales@${DOMAIN}`, '--quit-after', 'RCPT')).exitCode).toBe(24);
    const check = await wizard('check', '--json');
    const findings = (JSON.parse(check.stdout) as { steps: { findings: { check: string; status: string; summary: string }[] }[] }).steps.flatMap((st) => st.findings);
    expect(findings.filter((f) => f.check === 'smtpd.files' && f.status !== 'pass').map((f) => f.summary)).toEqual([
      // alice may now send as sales@ too
      '/etc/smtpd/senders is out of date (written by mail-wizard for other answers)',
      '/etc/smtpd/recipients is out of date (written by mail-wizard for other answers)',
    ]);
    const repair = await wizard('repair', '--yes', '--plain');
    expect(repair.exitCode, repair.stdout + repair.stderr).toBe(0);
    expect(await host.readFile('/etc/smtpd/recipients')).toContain(`\nsales@${DOMAIN}\n`);
    const token = 'hand-alias-check';
    const sent = await swaks('--from', `dave@${FOREIGN}`, '--to', `sales@${DOMAIN}`, '--h-Subject', token);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    expect(await waitFor('sales@ in ~alice/Maildir', inMaildir('alice', token), 60_000)).toMatch(/^\/home\/alice\/Maildir\/new\//);
  }, 600_000);

  it('the published TLS-RPT record names the tlsrpt mailbox; the RFC 6186 SRV records, asked from outside, lead to ports the server answers on', async () => {
    const drill = async (type: string, name: string) => {
      const r = ok(await host.execOutside(['drill', '@' + host.outsideAddress, '-t', type, name]));
      // the answer section: "name. TTL IN TYPE data"
      return r.stdout.split('\n').filter((l) => new RegExp(`^${name.replace(/\./g, '\\.')}\\.\\s+\\d+\\s+IN\\s+${type}\\s`).test(l)).map((l) => l.split(/\s+/).slice(4).join(' '));
    };
    expect(await drill('TXT', `_smtp._tls.${DOMAIN}`)).toEqual([`"v=TLSRPTv1; rua=mailto:tlsrpt@${DOMAIN}"`]);
    const ports: Record<string, number> = { submissions: 465, submission: 587, imaps: 993, imap: 143 };
    for (const [service, port] of Object.entries(ports)) {
      const [srv, ...more] = await drill('SRV', `_${service}._tcp.${DOMAIN}`);
      expect(more).toEqual([]);
      const [, , gotPort, target] = (srv ?? '').split(' ');
      expect(`${service} ${gotPort} ${target}`).toBe(`${service} ${port} mail.${DOMAIN}.`);
      // a client follows it: the target's name resolves (outside's resolver is the NSD) and the port answers
      const connect = await host.execOutside(['bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'bash', target!.slice(0, -1), gotPort!], { timeoutMs: 30_000 });
      expect(connect.exitCode, `${target}:${gotPort}: ${connect.stderr}`).toBe(0);
    }
    expect(await drill('SRV', `_pop3._tcp.${DOMAIN}`)).toEqual(['0 0 0 .']);
    const dns = await host.exec(wizardArgv('check', 'dns', '--json', '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 120_000 });
    const checks = (JSON.parse(dns.stdout) as { checks: Array<{ id: string; status: string; summary: string }> }).checks;
    for (const id of ['tls-rpt', 'srv', 'mta-sts', 'autoconfig']) {
      expect(checks.filter((c) => c.id === id && c.status !== 'pass'), id).toEqual([]);
      expect(checks.some((c) => c.id === id), id).toBe(true);
    }
  }, 180_000);

  it('mail to root, handed to sendmail on the box, lands in bob\'s Maildir', async () => {
    const sent = await host.exec(['sendmail', 'root'], { input: 'Subject: alias-check-root\n\nA message for root, as cron sends it.\n', timeoutMs: 30_000 });
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const file = await waitFor('root\'s mail in ~bob/Maildir', inMaildir('bob', 'alias-check-root'), 60_000);
    expect(file).toMatch(/^\/home\/bob\/Maildir\/new\//);
    expect(await inMaildir('alice', 'alias-check-root')()).toBeNull();
  }, 120_000);

  it('a message handed to sendmail on the box for a foreign address arrives DKIM-signed, and the signature verifies', async () => {
    // As cron or a script sends it: no From header, sendmail fills it in.
    const sent = await host.exec(['sendmail', `carol@${FOREIGN}`], { input: 'Subject: local-signed-check\n\nSent on the box with sendmail.\n', timeoutMs: 30_000 });
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const name = await waitFor('the message at the sink', atSink('local-signed-check'), 60_000);
    const message = (await host.outside.readFile(name)) ?? '';
    expect(message).toMatch(/^DKIM-Signature: .*d=example\.org/im);
    const verified = await host.execOutside(['dkimverify'], { input: message });
    expect(verified.stdout + verified.stderr).toContain('signature ok');
    expect(verified.exitCode).toBe(0);
    console.log(`local sendmail: ${/^From: .*$/im.exec(message)?.[0]}, DKIM signature ok`);
  }, 120_000);

  it('rspamd signs mail from loopback (the local socket\'s address), not from a private network a NAT could put strangers in', async () => {
    const message = `From: mallory@${DOMAIN}\nTo: carol@${FOREIGN}\nSubject: sign-scope-check\n\nWho may have this signed?\n`;
    const signature = async (ip: string) => {
      const r = ok(await host.exec(['rspamc', '-h', '127.0.0.1:11333', '--json', '--ip', ip, '--from', `mallory@${DOMAIN}`, '--rcpt', `carol@${FOREIGN}`], { input: message }));
      const result = JSON.parse(r.stdout) as Record<string, unknown>;
      return result['dkim-signature'] ?? null;
    };
    expect(String(await signature('127.0.0.1'))).toMatch(/d=example\.org/);
    expect(await signature('10.1.2.3')).toBeNull();
  }, 60_000);

  it('with a postmaster elsewhere, mail to postmaster@ is relayed there', async () => {
    await host.writeFile('/root/answers.json', JSON.stringify({ ...ANSWERS, postmaster: `carol@${FOREIGN}` }));
    const r = await wizard('setup', '--yes', '--plain');
    expect(r.exitCode, r.stdout).toBe(0);
    expect(await host.readFile('/etc/aliases')).toMatch(new RegExp(`^postmaster: carol@${FOREIGN.replace('.', '\\.')}$`, 'm'));
    const sent = await swaks('--from', `dave@${FOREIGN}`, '--to', `postmaster@${DOMAIN}`, '--h-Subject', 'alias-check-elsewhere');
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const name = await waitFor('postmaster@ mail at the foreign MX', atSink('alias-check-elsewhere'), 60_000);
    expect(await host.outside.readFile(name)).toMatch(/^To: postmaster@example\.org/im);
    expect(await inMaildir('bob', 'alias-check-elsewhere')()).toBeNull();
  }, 900_000);
});
