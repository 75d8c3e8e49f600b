/**
 * `check dns --wait`: the per-server view of each record, re-checked until published or the time
 * is up, against a real NSD whose zone has nothing published yet.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
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

  it('--wait takes a number of seconds, and only with check dns', async () => {
    expect((await cli(['check', 'dns', '--demo', '--wait', 'soon'])).stderr).toContain('--wait: "soon" is not a number of seconds');
    expect((await cli(['plan', '--demo', '--wait', '5'])).code).toBe(2);
  });
});
