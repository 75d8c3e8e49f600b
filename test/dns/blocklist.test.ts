/**
 * `blocklist` against list zones served by a real NSD: a listing is a fail naming the list and its
 * answer, Spamhaus's "you may not ask" answers (127.255.255.x) are a warning that the check could
 * not be made, never a listing, and a clean answer (NXDOMAIN) passes. Also through the CLI: the
 * JSON shape, the exit status, and bad input.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { blocklistCheck } from '../../src/delivery/blocklist.js';
import { dnsView } from '../../src/delivery/common.js';
import { runDeliveryChecks } from '../../src/delivery/index.js';
import { rootedHost } from '../../src/host/rooted.js';
import { PLATFORMS } from '../../src/platform/detect.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { startNsd, type Nsd } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';
import { answersFor } from './zones.js';

const answers = answersFor('bl-domain.test', 25, { ipv6: '2001:db8::25', tls: { mode: 'self-signed' } });
const soa = ['$TTL 300', '@ SOA ns1 hostmaster 1 3600 900 604800 120', '@ NS ns1', 'ns1 A 127.0.0.1'];
// 2001:db8::25 as nibbles, for a list that lists the IPv6 address too
const V6 = '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';

let nsd: Nsd | undefined;
let root: string;

describeWithNsd('blocklist at real list zones', () => {
  beforeAll(async () => {
    nsd = await startNsd([
      // listed: the IPv4 address (SBL) and, with its reason, the IPv6 address (PBL)
      { name: 'listed.bl.test', text: [...soa, '25.2.0.192 A 127.0.0.2', '25.2.0.192 TXT "Listed, see https://check.bl.test/ip/192.0.2.25"', `${V6} A 127.0.0.10`].join('\n') },
      // refuses every question, as Spamhaus does for queries through a public resolver
      { name: 'refusing.bl.test', text: [...soa, '* A 127.255.255.254'].join('\n') },
      // lists nothing: NXDOMAIN for every address
      { name: 'clean.bl.test', text: soa.join('\n') },
      // a domain list that lists the mail domain
      { name: 'dbl.bl.test', text: [...soa, 'bl-domain.test A 127.0.1.2'].join('\n') },
    ]);
    root = await tempDir('mw-blocklist-');
    await fs.writeFile(path.join(root, 'answers.json'), JSON.stringify(answers));
  }, 60_000);

  afterAll(async () => {
    await nsd?.stop();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  async function run(dnsbl: string[], dnsblDomain: string[]) {
    const host = rootedHost(root, { exec: 'none' });
    const report = await runDeliveryChecks({
      answers,
      platform: PLATFORMS.debian,
      facts: {},
      host,
      dns: dnsView(host, [{ host: nsd!.host, port: nsd!.port }]),
      nameservers: [nsd!.address],
      probes: [],
      dnsbl,
      dnsblDomain,
      checks: [blocklistCheck],
    });
    return report.checks;
  }

  it('a listing is a fail naming the list, the address and the answer, with the reason the list gives', async () => {
    const checks = await run(['listed.bl.test'], []);
    const fails = checks.filter((c) => c.status === 'fail');
    expect(fails.map((c) => c.summary)).toEqual([
      '192.0.2.25 is listed at listed.bl.test (127.0.0.2)',
      '2001:db8::25 is listed at listed.bl.test (127.0.0.10)',
    ]);
    expect(fails[0]!.evidence).toContain('Listed, see https://check.bl.test/ip/192.0.2.25');
    expect(fails[0]!.fix).toContain('https://check.bl.test/ip/192.0.2.25');
    expect(checks.every((c) => c.id === 'blocklist')).toBe(true);
  });

  it('an error answer (127.255.255.254) is a warning that the check could not be made, never a listing', async () => {
    const checks = await run(['refusing.bl.test'], []);
    expect(checks.map((c) => c.status)).toEqual(['warn', 'warn']);
    expect(checks[0]!.summary).toBe('could not check 192.0.2.25 at refusing.bl.test: the list refuses queries sent through a public or open resolver (127.255.255.254): ask through your own resolver, or with a Spamhaus DQS key');
    expect(checks[0]!.fix).toMatch(/^This is not a listing/);
    expect(checks.some((c) => /listed/.test(c.summary))).toBe(false);
  });

  it('a clean answer passes; domain lists are asked for the mail domain', async () => {
    const clean = await run(['clean.bl.test'], []);
    expect(clean.map((c) => [c.status, c.summary])).toEqual([['pass', 'not listed: 192.0.2.25 at clean.bl.test, 2001:db8::25 at clean.bl.test']]);
    const domain = await run([], ['dbl.bl.test', 'clean.bl.test']);
    expect(domain.map((c) => [c.status, c.summary])).toEqual([
      ['fail', 'bl-domain.test is listed at dbl.bl.test (127.0.1.2)'],
      ['pass', 'not listed: bl-domain.test at clean.bl.test'],
    ]);
  });

  it('check delivery --json: the same shape as check dns, exit 1 on a listing, 0 when only warnings', async () => {
    const base = ['check', 'delivery', '--json', '--root', root, '--platform', 'debian', '--answers', path.join(root, 'answers.json'), '--nameserver', nsd!.address, '--probe', '127.0.0.1:9'];
    const listed = await cli([...base, '--dnsbl', 'listed.bl.test', '--dnsbl-domain', 'clean.bl.test']);
    expect(listed.code, listed.stderr).toBe(1);
    const json = JSON.parse(listed.stdout) as { checks: { id: string; status: string; summary: string; evidence: string | null; fix: string | null }[] };
    for (const c of json.checks) expect(Object.keys(c).sort()).toEqual(['evidence', 'fix', 'id', 'status', 'summary']);
    const ids = [...new Set(json.checks.map((c) => c.id))];
    expect(ids).toEqual(['resolver', 'outbound-25', 'blocklist', 'tls.25', 'tls.143', 'tls.465', 'tls.587', 'tls.993', 'banner', 'ipv6-ptr', 'verdict']);
    expect(json.checks.filter((c) => c.id === 'blocklist' && c.status === 'fail')).toHaveLength(2);

    // Only the lists: a warning-only run of the blocklist is not a failure (the other checks still run)
    const plain = await cli([...base.filter((a) => a !== '--json'), '--dnsbl', 'refusing.bl.test', '--dnsbl-domain', 'clean.bl.test']);
    expect(plain.stdout).toMatch(/^WARN {2}blocklist {4}could not check 192\.0\.2\.25 at refusing\.bl\.test/m);
    expect(plain.stdout).not.toMatch(/^FAIL {2}blocklist/m);
  }, 120_000);

  it('bad input: one line naming the option and value, exit 2', async () => {
    const bad = await cli(['check', 'delivery', '--root', root, '--answers', path.join(root, 'answers.json'), '--dnsbl', 'not a zone', '--probe', 'mx.example:99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').sort()).toEqual([
      'mail-wizard: --dnsbl "not a zone" is not a DNS zone name (like zen.spamhaus.org)',
      'mail-wizard: --probe mx.example:99999: the port 99999 is out of range (1-65535)',
    ]);
    const misplaced = await cli(['check', 'dns', '--demo', '--dnsbl', 'zen.spamhaus.org']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr.trim()).toBe('mail-wizard: --probe, --dnsbl and --dnsbl-domain go with check delivery');
  });
});
