/**
 * No failing DNS finding without a way out: for every id of `check dns`, the published zone (in a
 * real NSD) is broken the way people break it, the check shows that id failing (or warning, for
 * the checks that only warn), its fix is read and carried out literally (repair-fix.ts: what it
 * says to publish is published at the name it gives, what it says to delete is deleted), the zone
 * is served again, and the check passes with nothing else failing.
 *
 * REPAIR_COVERS lists the ids this file breaks; test/unit/check-table.test.ts requires every id
 * the code can emit to be in some break test's list.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Answers } from '../../src/answers/schema.js';
import { CHECK_IDS, type CheckId } from '../../src/dns/checks/index.js';
import { runDnsChecks, type DoctorOptions, type DoctorReport } from '../../src/dns/doctor.js';
import { reverseName } from '../../src/dns/expected.js';
import { startNsd, type Nsd } from './nsd.js';
import { applyFix, parseLine, type Published } from './repair-fix.js';
import { describeWithNsd } from './with-nsd.js';
import { answersFor, goodLines, makeKeys, type Keys } from './zones.js';

export const REPAIR_COVERS = [
  'ns',
  'consistency',
  'a',
  'aaaa',
  'mx',
  'ptr',
  'spf',
  'dkim',
  'dmarc',
  'wildcard',
  'localhost',
  'caa',
  'mta-sts',
  'tls-rpt',
  'srv',
  'autoconfig',
  'local-localhost',
] as const;

interface Case {
  /** The id broken; `also` lists other ids the same break fails (and the same fixes mend). */
  id: CheckId;
  what: string;
  answers: Answers;
  /** Lines removed from the good zone: owner and type ("mail.a.example. A"). */
  drop?: string[];
  /** Lines added to the broken zone (absolute owners). */
  add?: string[];
  /** The reverse zone leaves out the PTR of the IPv4 address. */
  noPtr?: boolean;
  also?: CheckId[];
  /** Asked through discovery (NS records) instead of a given server. */
  discovered?: boolean;
  /** Two servers, the second serving the zone as it was before (an older serial). */
  stale?: boolean;
  /** The machine's hosts file and resolv.conf search domain (the local check). */
  hosts?: string;
}

let keys: Keys;
let tmp: string;

function cases(): Case[] {
  const a = (name: string, last: number, extra: Partial<Answers> = {}) => answersFor(name, last, extra);
  return [
    { id: 'a', what: 'the host\'s A record points elsewhere', answers: a('a.example', 40), drop: ['mail.a.example. A'], add: ['mail.a.example. 300 IN A 192.0.2.99'], also: ['ptr', 'spf'] },
    { id: 'a', what: 'no A record for the host', answers: a('a2.example', 41), drop: ['mail.a2.example. A'], also: ['mx', 'ptr', 'spf'] },
    { id: 'aaaa', what: 'no AAAA record for the host that has IPv6', answers: a('aaaa.example', 42, { ipv6: '2001:db8::42' }), drop: ['mail.aaaa.example. AAAA'], also: ['ptr', 'spf'] },
    { id: 'mx', what: 'no MX', answers: a('mx.example', 43), drop: ['mx.example. MX'], also: ['spf'] },
    { id: 'mx', what: 'an MX pointing at an IP address', answers: a('mxip2.example', 44), drop: ['mxip2.example. MX'], add: ['mxip2.example. 300 IN MX 10 192.0.2.44.mxip2.example.'], also: ['spf'] },
    { id: 'ptr', what: 'no PTR for the address', answers: a('ptr.example', 45), noPtr: true },
    { id: 'spf', what: 'two SPF records', answers: a('spf.example', 46), add: ['spf.example. 300 IN TXT "v=spf1 ip4:192.0.2.46 -all"'] },
    { id: 'spf', what: 'SPF with literal quotes', answers: a('spfq.example', 47), drop: ['spfq.example. TXT'], add: ['spfq.example. 300 IN TXT "\\"v=spf1 mx -all\\""'] },
    { id: 'dkim', what: 'no DKIM record', answers: a('dkim.example', 48), drop: ['mw._domainkey.dkim.example. TXT'] },
    { id: 'dkim', what: 'a DKIM record of another key', answers: a('dkim2.example', 49), drop: ['mw._domainkey.dkim2.example. TXT'], add: ['OTHER-KEY'] },
    { id: 'dmarc', what: 'a DMARC record with a policy that is not one', answers: a('dmarc.example', 50), drop: ['_dmarc.dmarc.example. TXT'], add: ['_dmarc.dmarc.example. 300 IN TXT "v=DMARC1; p=rejected"'] },
    { id: 'wildcard', what: 'a wildcard CNAME', answers: a('wild.example', 51), add: ['*.wild.example. 300 IN CNAME wild.example.', 'wild.example. 300 IN A 192.0.2.51'], also: ['localhost'] },
    { id: 'localhost', what: 'a localhost record in the zone', answers: a('lh.example', 52), add: ['localhost.lh.example. 300 IN A 192.0.2.52'] },
    { id: 'caa', what: 'CAA that allows another CA only (acme certificates)', answers: a('caa.example', 53), add: ['caa.example. 300 IN CAA 0 issue "digicert.com"'] },
    { id: 'mta-sts', what: 'a malformed MTA-STS record', answers: a('sts.example', 54), drop: ['_mta-sts.sts.example. TXT'], add: ['_mta-sts.sts.example. 300 IN TXT "v=STSv1; id=not valid!"'] },
    { id: 'mta-sts', what: 'the MTA-STS id copied from an old run (enforce)', answers: a('stsold.example', 60, { mtaSts: 'enforce' }), drop: ['_mta-sts.stsold.example. TXT'], add: ['_mta-sts.stsold.example. 300 IN TXT "v=STSv1; id=20240101T000000"'] },
    { id: 'mta-sts', what: 'the MTA-STS record on the host name', answers: a('stshost.example', 61), drop: ['_mta-sts.stshost.example. TXT'], add: ['_mta-sts.mail.stshost.example. 300 IN TXT "v=STSv1; id=20240101T000000"'] },
    { id: 'mta-sts', what: 'mta-sts.<domain> left at an old web server\'s address', answers: a('stsweb.example', 62), drop: ['mta-sts.stsweb.example. CNAME'], add: ['mta-sts.stsweb.example. 300 IN A 192.0.2.99'] },
    { id: 'mta-sts', what: 'MTA-STS turned off, its record left behind', answers: a('stsoff.example', 63, { mtaSts: 'off' }), add: ['_mta-sts.stsoff.example. 300 IN TXT "v=STSv1; id=20240101T000000"'] },
    { id: 'tls-rpt', what: 'a malformed TLS-RPT record', answers: a('rpt.example', 55), drop: ['_smtp._tls.rpt.example. TXT'], add: ['_smtp._tls.rpt.example. 300 IN TXT "v=TLSRPTv1; rua=tlsrpt@rpt.example"'] },
    { id: 'tls-rpt', what: 'TLS-RPT reports to an address that is no mailbox', answers: a('rpt2.example', 64), drop: ['_smtp._tls.rpt2.example. TXT'], add: ['_smtp._tls.rpt2.example. 300 IN TXT "v=TLSRPTv1; rua=mailto:reports@rpt2.example"'] },
    { id: 'tls-rpt', what: 'TLS-RPT with literal quotes', answers: a('rpt3.example', 65), drop: ['_smtp._tls.rpt3.example. TXT'], add: ['_smtp._tls.rpt3.example. 300 IN TXT "\\"v=TLSRPTv1; rua=mailto:tlsrpt@rpt3.example\\""'] },
    { id: 'srv', what: 'an SRV record with the wrong port', answers: a('srv.example', 66), drop: ['_imaps._tcp.srv.example. SRV'], add: ['_imaps._tcp.srv.example. 300 IN SRV 0 1 143 mail.srv.example.'] },
    { id: 'srv', what: 'no SRV for submission, made on the host name', answers: a('srv2.example', 67), drop: ['_submissions._tcp.srv2.example. SRV'], add: ['_submissions._tcp.mail.srv2.example. 300 IN SRV 0 1 465 mail.srv2.example.'] },
    { id: 'srv', what: 'STARTTLS submission preferred over implicit TLS', answers: a('srv3.example', 69), drop: ['_submissions._tcp.srv3.example. SRV'], add: ['_submissions._tcp.srv3.example. 300 IN SRV 20 1 465 mail.srv3.example.'] },
    { id: 'autoconfig', what: 'no autoconfig name', answers: a('ac.example', 68), drop: ['autoconfig.ac.example. CNAME'] },
    { id: 'ns', what: 'a lame name server in the NS records', answers: a('ns.example', 56), discovered: true, add: ['ns.example. 300 IN NS ns3.ns.example.', 'ns3.ns.example. 300 IN A 127.0.0.2'] },
    { id: 'consistency', what: 'a second server with an older zone', answers: a('cons.example', 57), stale: true },
    {
      id: 'local-localhost',
      what: 'no localhost in the hosts file, and a wildcard in the search domain',
      answers: a('local.example', 58),
      hosts: '192.0.2.58 mail.local.example mail\n',
      add: ['*.local.example. 300 IN A 192.0.2.58'],
      also: ['wildcard', 'localhost'],
    },
  ];
}

/** The good zone for the answers, with absolute owners and its own NS records. */
function goodZone(c: Case): string[] {
  const d = c.answers.domain;
  return [
    `${d}. 300 IN SOA ns1.${d}. hostmaster.${d}. 1 3600 900 604800 120`,
    `${d}. 300 IN NS ns1.${d}.`,
    `${d}. 300 IN NS ns2.${d}.`,
    `ns1.${d}. 300 IN A 127.0.0.1`,
    `ns2.${d}. 300 IN A 127.0.0.1`,
    ...goodLines(c.answers, keys.main),
  ];
}

function brokenWorld(c: Case): Published {
  const forward = goodZone(c).filter((l) => {
    const r = parseLine(l);
    return !(c.drop ?? []).some((d) => r && `${r.owner} ${r.type}`.toLowerCase() === d.toLowerCase());
  });
  for (const line of c.add ?? []) {
    // Another key's DKIM record, as left behind by a key made again.
    if (line === 'OTHER-KEY') forward.push(goodLines(c.answers, keys.other).find((l) => l.startsWith('mw._domainkey.'))!);
    else forward.push(line);
  }
  const reverse: string[] = [];
  if (!c.noPtr) reverse.push(`${reverseName(c.answers.ipv4)}. 300 IN PTR ${c.answers.hostname}.`);
  if (c.answers.ipv6) reverse.push(`${reverseName(c.answers.ipv6)}. 300 IN PTR ${c.answers.hostname}.`);
  const world: Published = { forward, reverse, hosts: c.hosts ?? '127.0.0.1 localhost\n::1 localhost\n' };
  if (c.stale) {
    // The primary got a CAA record (serial 2); the second server still has serial 1 without it.
    world.secondary = [...world.forward];
    world.forward = [
      ...world.forward.map((l) => l.replace(/ 1 3600 900 604800 120$/, ' 2 3600 900 604800 120')),
      `${c.answers.domain}. 300 IN CAA 0 issue "letsencrypt.org"`,
    ];
  }
  return world;
}

const REVERSE_V4 = '2.0.192.in-addr.arpa';
const REVERSE_V6 = '8.b.d.0.1.0.0.2.ip6.arpa';
const soaOf = (zone: string) => [`${zone}. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 3600 900 604800 120`, `${zone}. 300 IN NS ns1.example.org.`];

/** Serves what is published (one NSD; a second one for the older zone) and runs the checks. */
async function checkPublished(c: Case, world: Published): Promise<DoctorReport> {
  const zones = (forward: string[]) => [
    { name: c.answers.domain, text: forward.join('\n') },
    { name: REVERSE_V4, text: [...soaOf(REVERSE_V4), ...world.reverse.filter((l) => l.includes('in-addr'))].join('\n') },
    { name: REVERSE_V6, text: [...soaOf(REVERSE_V6), ...world.reverse.filter((l) => l.includes('ip6.arpa'))].join('\n') },
  ];
  const servers: Nsd[] = [await startNsd(zones(world.forward))];
  try {
    if (world.secondary) servers.push(await startNsd(zones(world.secondary)));
    const hostsPath = path.join(tmp, `${c.answers.domain}.hosts`);
    await fs.writeFile(hostsPath, world.hosts);
    const nsd = servers[0]!;
    const options: DoctorOptions = {
      answers: c.answers,
      dkimPublicKeyPem: keys.main,
      timeoutMs: 8000,
      queryTimeoutMs: 500,
      retries: 1,
      web: false, // no web server in these zones: published-fetch.test.ts fetches the policy
      local: c.hosts ? { hosts: hostsPath, nsswitch: '/nonexistent/nsswitch.conf' } : false,
    };
    if (c.discovered || c.hosts) {
      options.resolvConf = `nameserver [127.0.0.1]:${nsd.port}\nsearch ${c.answers.domain}\n`;
      options.authPort = nsd.port;
    }
    if (!c.discovered) options.nameservers = servers.map((s) => s.address);
    return await runDnsChecks(options);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const worst = (r: DoctorReport, id: string) => {
  const f = r.checks.filter((x) => x.id === id);
  return f.length === 0 ? 'absent' : f.some((x) => x.status === 'fail') ? 'fail' : f.some((x) => x.status === 'warn') ? 'warn' : 'pass';
};
/** Fails and warnings, by id, that are not expected of a healthy setup. */
const problems = (r: DoctorReport, allowed: (f: DoctorReport['checks'][number]) => boolean) =>
  r.checks.filter((f) => f.status !== 'pass' && !allowed(f)).map((f) => `${f.id}: ${f.status}: ${f.summary}`);

describeWithNsd('every DNS check broken in a real zone: its fix, applied as written, makes it pass', () => {
  beforeAll(async () => {
    keys = makeKeys();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mw-dns-repair-'));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('covers every id of check dns, and only those', () => {
    // dnssec and tlsa need a signed zone: test/dns/dane-nsd.test.ts breaks and repairs them
    const ids = CHECK_IDS.filter((id) => id !== 'dnssec' && id !== 'tlsa');
    expect([...REPAIR_COVERS].sort()).toEqual([...ids].sort());
    expect([...new Set(cases().map((c) => c.id))].sort()).toEqual([...ids].sort());
  });

  it.each(cases().map((c) => [c.id, c.what, c] as const))('%s: %s', async (id, _what, c) => {
    const world = brokenWorld(c);
    const broken = await checkPublished(c, world);
    expect(worst(broken, id), JSON.stringify(broken.checks.filter((f) => f.id === id))).toMatch(/fail|warn/);
    // Only the ids this break is about are unhappy (a single server in discovery is a warning of its own).
    const expected = new Set<string>([id, ...(c.also ?? [])]);
    const singleNs = (f: DoctorReport['checks'][number]) => f.id === 'ns' && f.status === 'warn' && f.summary.includes('single name server');
    expect(problems(broken, (f) => expected.has(f.id) || singleNs(f))).toEqual([]);

    // Do what the fix says, as a person does: the first finding shown first, then look again.
    const done: string[] = [];
    let report = broken;
    for (let round = 0; round < 6; round++) {
      const first = report.checks.find((f) => f.status !== 'pass' && !singleNs(f));
      if (!first) break;
      expect(expected.has(first.id), `${first.id} after ${done.join('; ')}: ${first.summary}`).toBe(true);
      expect(first.fix, `${first.id}: ${first.summary}`).toBeTruthy();
      done.push(...applyFix(world, first.fix!));
      report = await checkPublished(c, world);
    }
    expect(worst(report, id), `${JSON.stringify(report.checks.filter((f) => f.id === id))}\ndone: ${done.join('; ')}`).toBe('pass');
    expect(problems(report, singleNs), `done: ${done.join('; ')}`).toEqual([]);
    console.log(`${id} (${c.what}): ${done.join('; ')}`);
  }, 60_000);
});
