/**
 * DANE on a real server in a trixie test host: the outside machine's NSD serves example.org signed
 * with ldnsutils (ldns-keygen, ldns-signzone) and its parent `org` with the DS (ldns-key2ds).
 * - The wizard offers the TLSA (`records --dane`) once the zone is signed and delegated securely;
 *   published (and the zone signed again), `check dns` passes dnssec and tlsa, and the key the real
 *   smtpd serves on port 25 after STARTTLS is the one the TLSA names (tls.25 of `check delivery`).
 * - The certificate's key replaced (a renewal that made a new key) and smtpd restarted: tls.25
 *   fails naming the served key and the published one, `check dns`'s tlsa fails naming both hashes,
 *   and `watch run` (the daily job) reports both as new.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
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
const KEYS = '/root/dnssec';
const ZONE_FILE = `/etc/nsd/zones/${DOMAIN}.zone`;
const LISTS = { 'zen.lists.test': '', 'dbl.lists.test': '' };

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  evidence: string | null;
  fix: string | null;
}

/** `3 1 1 <sha256 of the SubjectPublicKeyInfo>` of a PEM's first certificate, computed here. */
function spkiHash(pem: string): string {
  const cert = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)![0]);
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

describe.skipIf(problem !== null)('DANE on a real server in a signed zone', () => {
  let host: TestHost;
  let ksk = '';
  let zsk = '';
  let parent = '';
  let oldHash = '';
  const common = ['--platform', 'debian', '--answers', '/root/answers.json'];
  const wizard = (...args: string[]) => host.exec(wizardArgv(...args, ...common, '--nameserver', host.outsideAddress), { timeoutMs: 300_000 });
  const json = async (...args: string[]): Promise<{ code: number | null; checks: Check[] }> => {
    const r = await wizard(...args, '--json');
    try {
      return { code: r.exitCode, checks: (JSON.parse(r.stdout) as { checks: Check[] }).checks };
    } catch {
      throw new Error(`${args.join(' ')} printed no JSON: ${r.stdout}${r.stderr}`);
    }
  };
  const delivery = () => json('check', 'delivery', '--probe', `mx.${FOREIGN}`, '--dnsbl', 'zen.lists.test', '--dnsbl-domain', 'dbl.lists.test');
  const of = (checks: Check[], id: string) => checks.filter((c) => c.id === id);

  /** Signs the published zone in place with the zone's keys and restarts NSD; returns once it serves signed answers. */
  async function signAndServe(): Promise<void> {
    const out = host.outside;
    ok(await out.exec(['ldns-signzone', '-o', DOMAIN, '-f', `${ZONE_FILE}.signed`, ZONE_FILE, `${KEYS}/${ksk}`, `${KEYS}/${zsk}`]));
    ok(await out.exec(['mv', `${ZONE_FILE}.signed`, ZONE_FILE]));
    ok(await out.exec(['nsd-checkzone', DOMAIN, ZONE_FILE]));
    const pid = (await out.readFile('/run/nsd.pid'))?.trim();
    if (pid) ok(await out.exec(['kill', pid]));
    for (let i = 0; i < 600 && pid && (await out.exec(['kill', '-0', pid])).exitCode === 0; i++) await new Promise((r) => setTimeout(r, 100));
    ok(await out.exec(['nsd', '-c', '/etc/nsd/nsd.conf']));
    for (let i = 0; ; i++) {
      const r = await out.exec(['drill', '-D', `@${host.outsideAddress}`, DOMAIN, 'SOA']);
      if (/\bRRSIG\b/.test(r.stdout)) return;
      if (i > 300) throw new Error(`NSD does not serve the signed zone: ${r.stdout}${r.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async function publish(records: string, serial: number): Promise<void> {
    await publishDns(host, DOMAIN, records, serial, { ...LISTS, org: `${DOMAIN}. IN NS ns.${FOREIGN}.\n${parent}` });
    await signAndServe();
  }

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1, LISTS);
    ok(await host.outside.exec(['mkdir', '-p', KEYS]));
    const keygen = async (extra: string[]) => ok(await host.outside.exec(['sh', '-c', 'cd "$1" && shift && ldns-keygen "$@"', 'sh', KEYS, '-a', 'ECDSAP256SHA256', ...extra, DOMAIN])).stdout.trim();
    ksk = await keygen(['-k']);
    zsk = await keygen([]);
    parent = ok(await host.outside.exec(['ldns-key2ds', '-n', '-2', `${KEYS}/${ksk}.key`])).stdout.trim();
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('signed with the DS at the parent: the wizard offers the TLSA; published, dnssec and tlsa pass and port 25 serves the key it names', async () => {
    const first = await host.exec(wizardArgv('setup', '--yes', '--plain', ...common, '--nameserver', host.outsideAddress), { timeoutMs: 900_000 });
    expect(first.stdout, first.stdout + first.stderr).toMatch(/DNS records[\s\S]*?FAIL/);
    const plainRecords = ok(await host.exec(wizardArgv('records', ...common))).stdout;
    expect(plainRecords).not.toContain('TLSA');
    await publish(plainRecords, 2);
    await startSink(host);

    const certPem = (await host.readFile(CERT))!;
    oldHash = spkiHash(certPem);
    const withDane = ok(await wizard('records', '--dane')).stdout;
    expect(withDane).toContain(`_25._tcp.${HOST}.\t3600\tIN\tTLSA\t3 1 1 ${oldHash}`);
    await publish(withDane, 3);

    const dns = await json('check', 'dns');
    console.log(`check dns in the signed zone:\n${JSON.stringify(dns.checks.filter((c) => c.id === 'dnssec' || c.id === 'tlsa'), null, 2)}`);
    expect(of(dns.checks, 'dnssec').map((c) => c.status)).toEqual(['pass']);
    expect(of(dns.checks, 'dnssec')[0]!.summary).toMatch(/^example\.org is signed and delegated securely: DS at org for key \d+ \(algorithm 13 ECDSAP256SHA256\)/);
    expect(of(dns.checks, 'tlsa').map((c) => [c.status, c.summary])).toEqual([['pass', `_25._tcp.${HOST}: 3 1 1 ${oldHash} matches the key in ${CERT}`]]);

    const d = await delivery();
    const [tls25] = of(d.checks, 'tls.25');
    expect(tls25!.status, JSON.stringify(tls25)).toBe('pass');
    expect(tls25!.summary).toMatch(/, its key in the TLSA \(DANE\)$/);
    expect(tls25!.evidence).toContain(`served key: 3 1 1 ${oldHash}`);

    // the daily job's first run: the baseline
    ok(await wizard('watch', 'run'));
  }, 1_500_000);

  it('a new key (certificate replaced, smtpd restarted): tls.25 fails naming the served key, tlsa fails naming both, and watch run reports them', async () => {
    ok(await host.exec(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${KEY}.new`, '-days', '60', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-out', `${CERT}.new`]));
    ok(await host.exec(['mv', `${KEY}.new`, KEY]));
    ok(await host.exec(['mv', `${CERT}.new`, CERT]));
    const newHash = spkiHash((await host.readFile(CERT))!);
    expect(newHash).not.toBe(oldHash);
    // smtpd loads its key at start: restart it the way tls.25 names it for a certificate not yet loaded
    const stale = await delivery();
    const restart = /^Reload opensmtpd: (.+)$/.exec(of(stale.checks, 'tls.25')[0]!.fix ?? '')?.[1];
    expect(restart, JSON.stringify(of(stale.checks, 'tls.25'))).toBeTruthy();
    ok(await host.exec(['sh', '-c', restart!], { timeoutMs: 180_000 }));

    const d = await delivery();
    const [tls25] = of(d.checks, 'tls.25');
    expect(tls25!.status, JSON.stringify(tls25)).toBe('fail');
    expect(tls25!.summary).toBe(`port 25: the key it serves (3 1 1 ${newHash}) matches no TLSA at _25._tcp.${HOST} (3 1 1 ${oldHash}): servers that use DANE will not deliver`);
    expect(tls25!.fix).toContain(`Publish the TLSA of the served key first (_25._tcp.${HOST}. IN TLSA 3 1 1 ${newHash})`);

    const dns = await json('check', 'dns');
    expect(dns.code).toBe(1);
    const [tlsa] = of(dns.checks, 'tlsa');
    expect(tlsa!.status).toBe('fail');
    expect(tlsa!.summary).toBe(`the TLSA at _25._tcp.${HOST} (3 1 1 ${oldHash}) does not match the key on this box (3 1 1 ${newHash}): DANE senders will not deliver`);

    const watch = await wizard('watch', 'run');
    expect(watch.stdout).toContain(`new: [delivery/tls.25] port 25: the key it serves (3 1 1 ${newHash})`);
    expect(watch.stdout).toContain(`new: [dns/tlsa] the TLSA at _25._tcp.${HOST}`);
  }, 900_000);
});
