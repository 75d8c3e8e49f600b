/**
 * `check dns --wait`: the per-server view of each record, re-checked until published or the time
 * is up, against a real NSD whose zone has nothing published yet.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { reverseName } from '../../src/dns/expected.js';
import { startNsd, type Nsd } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';

describeWithNsd('check dns --wait', () => {
  let nsd: Nsd;
  beforeAll(async () => {
    nsd = await startNsd([{ name: 'example.org', text: '$TTL 300\n@ IN SOA ns1.example.org. hostmaster.example.org. 7 3600 900 604800 120\n@ NS ns1.example.org.\n' }]);
  }, 30_000);
  afterAll(async () => {
    await nsd?.stop();
  });

  it('shows each record at each server with the negative TTL, gives up after the wait, then checks', async () => {
    const { code, stdout } = await cli(['check', 'dns', '--demo', '--nameserver', nsd.address, '--wait', '1']);
    expect(stdout).toMatch(/^-- 0 s: not yet published everywhere$/m);
    expect(stdout).toContain(`✗ example.org. MX 10 mail.example.org.`);
    expect(stdout).toMatch(new RegExp(`${nsd.address.replace(/\./g, '\\.')} +MISSING .*caches may keep this for up to 120 s`));
    expect(stdout).toContain('still not published everywhere after 1 s; the full check follows.');
    expect(stdout).toMatch(/^FAIL  mx /m);
    expect(code).toBe(1);
  }, 30_000);

  it('waits for the rows of issue 16 too: SRV, MTA-STS, TLS-RPT, the web names (a web name with the server\'s A record instead of the CNAME counts)', async () => {
    const printed = (await cli(['records', '--demo', '--format', 'zone'])).stdout;
    const head = '$TTL 300\n@ IN SOA ns1.example.org. hostmaster.example.org. 8 3600 900 604800 120\n@ NS ns1.example.org.\n';
    const asA = printed.replace(/^mta-sts\.example\.org\.\t(\d+)\tIN\tCNAME\t\S+$/m, 'mta-sts.example.org.\t$1\tIN\tA\t192.0.2.25');
    expect(asA).not.toBe(printed);
    // the demo's addresses, 192.0.2.25 and 2001:db8::25, with their PTRs (what the provider sets)
    const reverse = (zone: string, owner: string) => ({ name: zone, text: `$TTL 300\n@ IN SOA ns1.example.org. hostmaster.example.org. 1 3600 900 604800 120\n@ NS ns1.example.org.\n${owner}. PTR mail.example.org.\n` });
    const ptrs = [reverse('2.0.192.in-addr.arpa', reverseName('192.0.2.25')), reverse('8.b.d.0.1.0.0.2.ip6.arpa', reverseName('2001:db8::25'))];
    const full = await startNsd([{ name: 'example.org', text: head + asA }, ...ptrs]);
    try {
      const { stdout } = await cli(['check', 'dns', '--demo', '--nameserver', full.address, '--wait', '60']);
      expect(stdout).toMatch(/^-- 0 s: published everywhere$/m);
      for (const row of ['_imaps._tcp.example.org. SRV 0 1 993 mail.example.org.', '_pop3._tcp.example.org. SRV 0 0 0 .', 'mta-sts.example.org. CNAME mail.example.org.', 'autoconfig.example.org. CNAME mail.example.org.', '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@example.org"']) {
        expect(stdout).toContain(`✓ ${row}`);
      }
      expect(stdout).toMatch(/^✓ _mta-sts\.example\.org\. TXT "v=STSv1; id=[0-9a-f]{20}"$/m);
    } finally {
      await full.stop();
    }
    // without the SRV records: those rows, and only those of the new kinds, are still owed
    const noSrv = printed.split('\n').filter((l) => !/\tSRV\t/.test(l)).join('\n');
    const partial = await startNsd([{ name: 'example.org', text: head + noSrv }, ...ptrs]);
    try {
      const { stdout } = await cli(['check', 'dns', '--demo', '--nameserver', partial.address, '--wait', '1']);
      expect(stdout).toContain('still not published everywhere after 1 s');
      // each round prints the rows again
      expect([...new Set(stdout.match(/^✗ .*$/gm))]).toEqual([
        '✗ _submissions._tcp.example.org. SRV 0 1 465 mail.example.org.',
        '✗ _submission._tcp.example.org. SRV 10 1 587 mail.example.org.',
        '✗ _imaps._tcp.example.org. SRV 0 1 993 mail.example.org.',
        '✗ _imap._tcp.example.org. SRV 10 1 143 mail.example.org.',
        '✗ _pop3s._tcp.example.org. SRV 0 0 0 .',
        '✗ _pop3._tcp.example.org. SRV 0 0 0 .',
      ]);
    } finally {
      await partial.stop();
    }
  }, 60_000);

  it('--wait takes a number of seconds, and only with check dns', async () => {
    expect((await cli(['check', 'dns', '--demo', '--wait', 'soon'])).stderr).toContain('--wait: "soon" is not a number of seconds');
    expect((await cli(['plan', '--demo', '--wait', '5'])).code).toBe(2);
  });
});
