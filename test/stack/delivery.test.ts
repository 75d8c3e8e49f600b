/**
 * `check delivery` on a real server in a trixie test host: what a receiver sees on the wire.
 * - After setup and the published records, the box's resolver, outbound 25 (to the sink that is
 *   elsewhere.test's MX), the blocklists (NSD list zones that list nothing), the TLS each port
 *   serves and the banner with its forward-confirmed PTR all pass; setup's final verification ran
 *   them too, and their findings do not fail a setup.
 * - The server has an IPv6 address (2001:db8::25 on its interface) that the answers do not name
 *   and whose reverse zone has no PTR for it: `ipv6-ptr` fails with its two fixes.
 * - A certificate replaced on disk without a reload: every tls.* check fails as "renewed but not
 *   reloaded", names the reload, and passes after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, SERVER_ADDRESS6, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, startSink } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const HOST = 'mail.example.org';
const ANSWERS = {
  domain: DOMAIN,
  hostname: HOST,
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  tls: 'self-signed',
};
const CERT = `/etc/ssl/${HOST}.fullchain.pem`;
const KEY = `/etc/ssl/private/${HOST}.key`;
const TLS_IDS = ['tls.25', 'tls.143', 'tls.465', 'tls.587', 'tls.993'];
// 2001:db8::/32's reverse zone, served without a PTR for the server's address
const V6_REVERSE = '8.b.d.0.1.0.0.2.ip6.arpa';
const LISTS = { 'zen.lists.test': '', 'dbl.lists.test': '' };

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  evidence: string | null;
  fix: string | null;
}

describe.skipIf(problem !== null)('check delivery on a real server', () => {
  let host: TestHost;
  let records = '';
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 300_000 });
  const delivery = async (): Promise<{ code: number | null; checks: Check[]; raw: string }> => {
    const r = await wizard('check', 'delivery', '--json', '--probe', `mx.${FOREIGN}`, '--dnsbl', 'zen.lists.test', '--dnsbl-domain', 'dbl.lists.test');
    try {
      return { code: r.exitCode, checks: (JSON.parse(r.stdout) as { checks: Check[] }).checks, raw: r.stdout };
    } catch {
      throw new Error(`check delivery printed no JSON: ${r.stdout}${r.stderr}`);
    }
  };
  const of = (checks: Check[], id: string) => checks.filter((c) => c.id === id);

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1, { ...LISTS, [V6_REVERSE]: '' });
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('after setup and the published records, every check passes but ipv6-ptr', async () => {
    const first = await wizard('setup', '--yes', '--plain');
    expect(first.stdout, first.stdout + first.stderr).toMatch(/DNS records[\s\S]*?FAIL/);
    records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json'))).stdout;
    await publishDns(host, DOMAIN, records, 2, { ...LISTS, [V6_REVERSE]: '' });
    await startSink(host);
    const r = await wizard('repair', '--yes', '--plain');
    // The final verification ran the delivery checks; the IPv6 PTR is a warning there, not a failure.
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout, r.stdout).toContain('  ok   Final mail test');
    expect(r.stdout).toMatch(/delivery\.ipv6-ptr/);

    const { code, checks, raw } = await delivery();
    console.log(`check delivery after setup:\n${raw}`);
    expect(code).toBe(1);
    const ids = [...new Set(checks.map((c) => c.id))];
    expect(ids).toEqual(['resolver', 'outbound-25', 'blocklist', ...TLS_IDS, 'banner', 'ipv6-ptr', 'verdict']);
    for (const id of ids.filter((i) => i !== 'ipv6-ptr')) {
      expect(of(checks, id).map((c) => c.status), JSON.stringify(of(checks, id), null, 2)).toEqual(of(checks, id).map(() => 'pass'));
    }
    expect(of(checks, 'resolver')[0]!.summary).toBe(`the box's resolver answers: ${HOST} A 198.51.100.25`);
    expect(of(checks, 'outbound-25')[0]!.summary).toBe(`outbound port 25 is open: mx.${FOREIGN}:25 greeted`);
    for (const id of TLS_IDS) expect(of(checks, id)[0]!.summary).toMatch(new RegExp(`: TLSv1\\.[23], certificate for ${HOST.replace(/\./g, '\\.')}, \\d+ days left, the one in ${CERT.replace(/\./g, '\\.')}$`));
    expect(of(checks, 'banner').map((c) => c.summary)).toEqual([
      `the SMTP greeting and EHLO name are ${HOST}`,
      `smtpd sends mail saying EHLO ${HOST} (/etc/smtpd.conf)`,
      `reverse DNS: 198.51.100.25 → ${HOST} → 198.51.100.25`,
    ]);
  }, 1_200_000);

  it('`check --send-test` shows them as a section of its own that counts in its exit status, not again among the findings of the mail test', async () => {
    const r = await wizard('check', '--json', '--send-test');
    const out = JSON.parse(r.stdout) as { steps: { findings: { check: string }[] }[]; delivery: { checks: Check[] } };
    expect([...new Set(out.delivery.checks.map((c) => c.id))]).toEqual(['resolver', 'outbound-25', 'blocklist', ...TLS_IDS, 'banner', 'ipv6-ptr', 'verdict']);
    expect(out.delivery.checks.find((c) => c.id === 'ipv6-ptr')!.status).toBe('fail');
    expect(r.exitCode).toBe(1);
    // not twice: with --send-test the mail test ran them too, and its delivery.* warnings are not repeated
    expect(out.steps.flatMap((s) => s.findings).some((f) => f.check.startsWith('delivery.'))).toBe(false);
  }, 300_000);

  it('an IPv6 address of the box without a PTR: ipv6-ptr fails with two fixes (ask for the PTR, or send over IPv4 only)', async () => {
    const { checks } = await delivery();
    const [v6] = of(checks, 'ipv6-ptr');
    expect(v6!.status).toBe('fail');
    expect(v6!.summary).toBe(`${SERVER_ADDRESS6} has no PTR; smtpd may send from it, and Gmail rejects mail from an IPv6 address without a matching PTR`);
    expect(v6!.evidence).toContain(`ip -6 -o addr show scope global: ${SERVER_ADDRESS6}`);
    expect(v6!.fix).toMatch(/^1\. Ask your hosting provider .* set the PTR of 2001:db8::25 to mail\.example\.org/);
    expect(v6!.fix).toContain('2. Or send over IPv4 only: smtpd.conf\'s relay action with the IPv4 source, action "outbound" relay src 198.51.100.25 helo mail.example.org');
  }, 300_000);

  it('a certificate replaced on disk without a reload: each port is "renewed but not reloaded", and the reload it names fixes it', async () => {
    const before = await delivery();
    const servedBefore = of(before.checks, 'tls.465')[0]!.evidence!;
    // A renewal as a cron job would leave it: a new certificate for the same key, no daemon told.
    ok(await host.exec(['openssl', 'req', '-x509', '-key', KEY, '-days', '60', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-out', `${CERT}.new`]));
    ok(await host.exec(['mv', `${CERT}.new`, CERT]));
    const stale = await delivery();
    expect(stale.code).toBe(1);
    const fixes = new Set<string>();
    for (const id of TLS_IDS) {
      const [c] = of(stale.checks, id);
      expect(c!.status, JSON.stringify(c)).toBe('fail');
      expect(c!.summary).toContain(`it is not the certificate in ${CERT}: renewed but not reloaded (the daemon still serves the old one)`);
      expect(c!.fix).toMatch(id === 'tls.143' || id === 'tls.993' ? /^Reload dovecot: / : /^Reload opensmtpd: /);
      fixes.add(c!.fix!.replace(/^Reload \S+: /, ''));
    }
    expect(fixes.size).toBe(2);
    // Run the reloads exactly as the findings name them.
    for (const fix of fixes) ok(await host.exec(['sh', '-c', fix], { timeoutMs: 180_000 }));
    const reloaded = await delivery();
    for (const id of TLS_IDS) expect(of(reloaded.checks, id)[0]!.status, JSON.stringify(of(reloaded.checks, id))).toBe('pass');
    expect(of(reloaded.checks, 'tls.465')[0]!.evidence).not.toBe(servedBefore);
  }, 600_000);
});
