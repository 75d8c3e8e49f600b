/**
 * The DNS doctor against a real NSD serving a correct zone and one zone per known mistake: each
 * mistake must be caught with the right check id and status, and a fix that names the names.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Answers } from '../../src/answers/schema.js';
import { runDnsChecks, type DnsCheckResult, type DoctorReport } from '../../src/dns/doctor.js';
import type { CheckId } from '../../src/dns/checks/index.js';
import { startNsd, type Nsd } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';
import { makeKeys, reverseZones, scenarios, type Keys, type Scenario } from './zones.js';

let nsd: Nsd | undefined;
let keys: Keys;
let all: Record<string, Scenario>;

function sc(key: string): Scenario {
  const s = all[key];
  if (!s) throw new Error(`no scenario ${key}`);
  return s;
}

async function check(answers: Answers, more: { dkimPublicKeyPem?: string } = {}): Promise<DoctorReport> {
  if (!nsd) throw new Error('nsd not started');
  return runDnsChecks({
    answers,
    nameservers: [nsd.address],
    dkimPublicKeyPem: more.dkimPublicKeyPem ?? keys.main,
    local: false,
    web: false, // no web server here: published-fetch.test.ts fetches the policy
    timeoutMs: 8000,
    queryTimeoutMs: 1000,
  });
}

function findings(r: DoctorReport, id: CheckId): DnsCheckResult[] {
  return r.checks.filter((c) => c.id === id);
}

/** The worst status of one check id. */
function status(r: DoctorReport, id: CheckId): string {
  const f = findings(r, id);
  if (f.length === 0) return 'absent';
  if (f.some((x) => x.status === 'fail')) return 'fail';
  return f.some((x) => x.status === 'warn') ? 'warn' : 'pass';
}

function failing(r: DoctorReport): string[] {
  return r.checks.filter((c) => c.status === 'fail').map((c) => c.id);
}

function text(r: DoctorReport, id: CheckId): string {
  return findings(r, id)
    .map((f) => `${f.summary}\n${f.fix ?? ''}`)
    .join('\n');
}

describeWithNsd('DNS doctor against NSD', () => {
  beforeAll(async () => {
    keys = makeKeys();
    all = scenarios(keys);
    const forward = Object.values(all).flatMap((s) => (s.zone ? [s.zone] : []));
    // ptr scenarios without their own zone file reuse nothing: give them a correct zone
    nsd = await startNsd([...forward, ...reverseZones(all)]);
  }, 60_000);

  afterAll(async () => {
    await nsd?.stop();
  });

  it('a correct zone (made from `records` output) gives no fail and no warning', async () => {
    const r = await check(sc('good').answers);
    const ids: CheckId[] = ['ns', 'consistency', 'a', 'aaaa', 'mx', 'ptr', 'spf', 'dkim', 'dmarc', 'wildcard', 'localhost', 'caa', 'mta-sts', 'tls-rpt', 'srv', 'autoconfig'];
    expect(Object.fromEntries(ids.map((id) => [id, status(r, id)]))).toEqual(Object.fromEntries(ids.map((id) => [id, 'pass'])));
    expect(r.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(text(r, 'ptr')).toContain('192.0.2.10 → mail.example.org → 192.0.2.10');
    expect(text(r, 'ptr')).toContain('2001:db8::10 → mail.example.org');
    expect(text(r, 'dkim')).toContain('2048-bit RSA key, matches the local key');
    expect(r.zone).toBe('example.org');
  });

  it('records on the host name instead of the mail domain: "found at X, must be at Y"', async () => {
    const r = await check(sc('misplaced').answers);
    expect(status(r, 'spf')).toBe('fail');
    expect(text(r, 'spf')).toContain('found at mail.misplaced.example, must be at misplaced.example');
    expect(text(r, 'spf')).toContain('misplaced.example. 3600 IN TXT "v=spf1 mx -all"');
    expect(status(r, 'dkim')).toBe('fail');
    expect(text(r, 'dkim')).toContain('found at mw._domainkey.mail.misplaced.example, must be at mw._domainkey.misplaced.example');
    expect(status(r, 'dmarc')).toBe('fail');
    expect(text(r, 'dmarc')).toContain('found at _dmarc.mail.misplaced.example, must be at _dmarc.misplaced.example');
    expect(status(r, 'mx')).toBe('fail');
    expect(text(r, 'mx')).toContain('found at mail.misplaced.example, must be at misplaced.example');
    expect(status(r, 'a')).toBe('pass');
    expect(status(r, 'ptr')).toBe('pass');
  });

  it('names typed in full into a panel that appends the domain: found at X.domain.domain', async () => {
    const r = await check(sc('doubled').answers);
    expect(text(r, 'dkim')).toContain('found at mw._domainkey.doubled.example.doubled.example, must be at mw._domainkey.doubled.example');
    expect(text(r, 'dkim')).toContain('type only "mw._domainkey" as the name');
    expect(text(r, 'dmarc')).toContain('found at _dmarc.doubled.example.doubled.example, must be at _dmarc.doubled.example');
    expect(failing(r).sort()).toEqual(['dkim', 'dmarc']);
  });

  it('a wildcard CNAME makes localhost.<domain> and random labels resolve', async () => {
    const r = await check(sc('wildcard').answers);
    expect(status(r, 'wildcard')).toBe('fail');
    expect(text(r, 'wildcard')).toContain('*.wildcard.example');
    expect(status(r, 'localhost')).toBe('fail');
    expect(text(r, 'localhost')).toContain('localhost.wildcard.example resolves to 192.0.2.12');
    expect(failing(r).sort()).toEqual(['localhost', 'wildcard']);
  });

  it('an MX pointing at an IP address', async () => {
    const r = await check(sc('mxip').answers);
    expect(status(r, 'mx')).toBe('fail');
    expect(text(r, 'mx')).toContain('points at an IP address (192.0.2.13.mxip.example)');
    expect(text(r, 'mx')).toContain('mxip.example. 3600 IN MX 10 mail.mxip.example.');
    expect(failing(r)).toEqual(['mx']);
  });

  it('an MX pointing at a CNAME', async () => {
    const r = await check(sc('mxcname').answers);
    expect(status(r, 'mx')).toBe('fail');
    expect(text(r, 'mx')).toContain('mx.mxcname.example is a CNAME (to mail.mxcname.example)');
    expect(failing(r)).toEqual(['mx']);
  });

  it('an MX whose target has no address', async () => {
    const r = await check(sc('mxnoaddr').answers);
    expect(status(r, 'mx')).toBe('fail');
    expect(text(r, 'mx')).toContain('mail.mxnoaddr.example has no address');
    expect(status(r, 'a')).toBe('fail');
    expect(text(r, 'a')).toContain('no A record for mail.mxnoaddr.example');
  });

  it('literal quotes inside an SPF TXT value', async () => {
    const r = await check(sc('spfquotes').answers);
    expect(status(r, 'spf')).toBe('fail');
    expect(text(r, 'spf')).toContain('literal quote characters');
    expect(text(r, 'spf')).toContain('spfquotes.example. TXT "v=spf1 mx -all"');
    expect(failing(r)).toEqual(['spf']);
  });

  it('two SPF records', async () => {
    const r = await check(sc('spftwo').answers);
    expect(status(r, 'spf')).toBe('fail');
    expect(text(r, 'spf')).toContain('spftwo.example has 2 SPF records');
    expect(failing(r)).toEqual(['spf']);
  });

  it('SPF syntax errors', async () => {
    const r = await check(sc('spfsyntax').answers);
    expect(status(r, 'spf')).toBe('fail');
    expect(text(r, 'spf')).toContain('"ip4:192.0.2.300" is not a valid IPv4 address');
    expect(findings(r, 'spf').find((f) => f.status === 'fail')?.evidence).toContain('"foo" is not an SPF mechanism');
  });

  it('more than 10 DNS-querying SPF terms, counted through includes', async () => {
    const r = await check(sc('spflookups').answers);
    expect(status(r, 'spf')).toBe('fail');
    expect(text(r, 'spf')).toContain('it needs 12 DNS lookups');
  });

  it('+all', async () => {
    const r = await check(sc('plusall').answers);
    expect(status(r, 'spf')).toBe('fail');
    expect(text(r, 'spf')).toContain('"+all"');
  });

  it.each([
    ['missing', 'main', 'fail', 'no DKIM key at missing._domainkey.dkim.example'],
    ['broken', 'main', 'fail', 'p= is not valid base64'],
    ['garbled', 'main', 'fail', 'does not decode to an RSA public key'],
    ['k512', 'k512', 'fail', 'the RSA key has 512 bits'],
    ['k1024', 'k1024', 'warn', 'the RSA key has 1024 bits; use 2048'],
    ['other', 'main', 'fail', 'not the key this server signs with'],
    ['quoted', 'main', 'fail', 'literal quote characters'],
    ['mw', 'main', 'pass', 'matches the local key'],
  ] as const)('DKIM selector %s (local key %s) → %s', async (selector, local, want, words) => {
    const r = await check({ ...sc('dkim').answers, dkimSelector: selector }, { dkimPublicKeyPem: keys[local] });
    expect(status(r, 'dkim')).toBe(want);
    expect(text(r, 'dkim')).toContain(words);
    expect(failing(r).filter((id) => id !== 'dkim')).toEqual([]);
  });

  it('a 1024-bit key that is not the local one: fail (mismatch), and the length is still reported', async () => {
    const r = await check({ ...sc('dkim').answers, dkimSelector: 'k1024' });
    expect(status(r, 'dkim')).toBe('fail');
    expect(findings(r, 'dkim')[0]?.evidence).toContain('1024 bits');
    expect(text(r, 'dkim')).toContain('not the key this server signs with');
  });

  it('without a local key the DKIM record is still checked, and not compared', async () => {
    const r = await runDnsChecks({ answers: sc('good').answers, nameservers: [nsd!.address], local: false, web: false });
    expect(status(r, 'dkim')).toBe('pass');
    expect(text(r, 'dkim')).toContain('not compared: no local key given');
  });

  it.each([
    ['dmarcmissing', 'fail', 'no DMARC record at _dmarc.dmarcmissing.example'],
    ['dmarcbadv', 'fail', 'does not start with "v=DMARC1"'],
    ['dmarcbadp', 'fail', 'p=rejected is not a policy'],
    ['dmarcpct', 'warn', 'pct= was removed by RFC 9989'],
  ])('DMARC %s → %s', async (key, want, words) => {
    const r = await check(sc(key).answers);
    expect(status(r, 'dmarc')).toBe(want);
    expect(text(r, 'dmarc')).toContain(words);
    expect(failing(r).filter((id) => id !== 'dmarc')).toEqual([]);
  });

  it('no PTR', async () => {
    const r = await check(sc('ptrmissing').answers);
    expect(status(r, 'ptr')).toBe('fail');
    expect(text(r, 'ptr')).toContain('no PTR for 192.0.2.30 (30.2.0.192.in-addr.arpa');
    expect(text(r, 'ptr')).toContain('set its PTR to mail.ptrmissing.example');
    expect(failing(r)).toEqual(['ptr']);
  });

  it('a PTR that names another host', async () => {
    const r = await check(sc('ptrwrong').answers);
    expect(status(r, 'ptr')).toBe('fail');
    expect(text(r, 'ptr')).toContain('the PTR of 192.0.2.31 is other.example.net, not mail.ptrwrong.example');
  });

  it('a host name that does not resolve back to the IP', async () => {
    const r = await check(sc('ptrnoback').answers);
    expect(status(r, 'ptr')).toBe('fail');
    expect(text(r, 'ptr')).toContain('mail.ptrnoback.example does not resolve back to 192.0.2.32 (A 192.0.2.99)');
    expect(status(r, 'a')).toBe('fail');
  });

  it('extras: CAA without Let\'s Encrypt, malformed MTA-STS and TLS-RPT are warnings', async () => {
    const r = await check(sc('extras').answers);
    expect(status(r, 'caa')).toBe('warn');
    expect(status(r, 'mta-sts')).toBe('warn');
    expect(status(r, 'tls-rpt')).toBe('warn');
    expect(failing(r)).toEqual([]);
  });

  it('the records of issue 16 with the usual mistakes: each named, with the record to publish', async () => {
    const r = await check(sc('mix').answers);
    expect(status(r, 'srv')).toBe('fail');
    expect(text(r, 'srv')).toContain('_imaps._tcp.mix.example says port 143; the server listens for imaps on 993');
    expect(text(r, 'srv')).toContain('_imaps._tcp.mix.example. 3600 IN SRV 0 1 993 mail.mix.example.');
    expect(text(r, 'srv')).toContain('_submission._tcp.mix.example points at smtp.mix.example, not at mail.mix.example');
    expect(text(r, 'srv')).toContain('no _pop3._tcp.mix.example record');
    // enforce: an id from an old run keeps senders on the policy they cached
    expect(findings(r, 'mta-sts').find((f) => f.summary.includes('copied from an old run'))?.status).toBe('fail');
    expect(text(r, 'mta-sts')).toMatch(/_mta-sts\.mix\.example\. 3600 IN TXT "v=STSv1; id=[0-9a-f]{20}"/);
    expect(text(r, 'mta-sts')).toContain('mta-sts.mix.example is a CNAME to mail.mix.example');
    expect(status(r, 'tls-rpt')).toBe('warn');
    expect(text(r, 'tls-rpt')).toContain('found at _smtp._tls.mail.mix.example only, must (also) be at _smtp._tls.mix.example');
    expect(status(r, 'autoconfig')).toBe('warn');
    expect(text(r, 'autoconfig')).toContain('publish: autoconfig.mix.example. 3600 IN CNAME mail.mix.example.');
    expect(failing(r).sort()).toEqual(['mta-sts', 'srv']);
  });

  it('web names reached another way: a CNAME to another name with this server\'s address passes; the server\'s A alone warns of the missing AAAA', async () => {
    const r = await check(sc('webnames').answers);
    expect(status(r, 'mta-sts')).toBe('pass');
    expect(text(r, 'mta-sts')).toContain('mta-sts.webnames.example is a CNAME to www.webnames.example, which has this server\'s address 192.0.2.36');
    expect(status(r, 'autoconfig')).toBe('warn');
    expect(text(r, 'autoconfig')).toContain('autoconfig.webnames.example has this server\'s IPv4 address but no AAAA');
    expect(text(r, 'autoconfig')).toContain('publish: autoconfig.webnames.example. 3600 IN CNAME mail.webnames.example.');
    expect(failing(r)).toEqual([]);
  });

  it('the host name is the domain: the printed zone (CNAMEs and SRV targets at the apex) passes every check', async () => {
    const r = await check(sc('apex').answers);
    expect(r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.summary}`)).toEqual([]);
    expect(text(r, 'mta-sts')).toContain('mta-sts.apex.example is a CNAME to apex.example');
    expect(text(r, 'srv')).toContain('at apex.example');
  });

  it('CAA with another ACME directory: not held against Let\'s Encrypt\'s name, and the directory is named', async () => {
    const answers = sc('extras').answers;
    const r = await check({ ...answers, tls: { mode: 'acme', directory: 'https://acme.other-ca.example/directory' } });
    expect(status(r, 'caa')).toBe('pass');
    expect(text(r, 'caa')).toContain('the CA at https://acme.other-ca.example/directory');
    const staging = await check({ ...answers, tls: { mode: 'acme', directory: 'https://acme-staging-v02.api.letsencrypt.org/directory' } });
    expect(status(staging, 'caa')).toBe('warn');
  });

  it('NODATA and NXDOMAIN are told apart in what is reported', async () => {
    const r = await check(sc('dmarcmissing').answers);
    expect(text(r, 'dmarc')).toContain('the name does not exist (NXDOMAIN)');
    const t = await check(sc('spfquotes').answers);
    expect(findings(t, 'spf').length).toBeGreaterThan(0);
  });

  it('discovery: zone and NS found through a resolv.conf pointing at NSD, each NS asked', async () => {
    if (!nsd) throw new Error('nsd not started');
    const r = await runDnsChecks({
      answers: sc('good').answers,
      dkimPublicKeyPem: keys.main,
      resolvConf: `# test\nnameserver [127.0.0.1]:${nsd.port}\nsearch example.org\n`,
      authPort: nsd.port,
      local: { hosts: '/nonexistent/hosts' },
      web: false,
      timeoutMs: 8000,
      queryTimeoutMs: 1000,
    });
    expect(r.mode).toBe('discovered');
    expect(r.zone).toBe('example.org');
    expect(r.servers.map((s) => s.name)).toEqual(['ns1.example.org', 'ns2.example.org']);
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(status(r, 'ns')).toBe('pass');
    // no localhost in the hosts file, and search example.org: DNS decides, and it is clean here
    expect(status(r, 'local-localhost')).toBe('warn');
    expect(text(r, 'local-localhost')).toContain('localhost.example.org');
  });

  it('discovery + local check: the wildcard reaches this machine through the search domain', async () => {
    if (!nsd) throw new Error('nsd not started');
    const r = await runDnsChecks({
      answers: sc('wildcard').answers,
      resolvConf: `nameserver [127.0.0.1]:${nsd.port}\nsearch wildcard.example\n`,
      authPort: nsd.port,
      local: { hosts: '/nonexistent/hosts' },
      web: false,
      timeoutMs: 8000,
      queryTimeoutMs: 1000,
    });
    expect(status(r, 'local-localhost')).toBe('fail');
    expect(text(r, 'local-localhost')).toContain('localhost.wildcard.example (→ 192.0.2.12)');
  });
});
