/**
 * Several NSDs at once: the client against real truncation, servers that disagree (serials and
 * records), what the setup screen polls (recordsByServer / waitForRecords), and the check dns
 * command's output and exit codes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkDnsCommand } from '../../src/commands/check-dns.js';
import { query, recordsOf } from '../../src/dns/client.js';
import { recordsByServer, runDnsChecks, waitForRecords } from '../../src/dns/doctor.js';
import { formatSnapshot } from '../../src/dns/published-view.js';
import { startNsd, type Nsd } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';
import { makeKeys, reverseZones, scenarios, zoneFor, type Keys, type Scenario } from './zones.js';

let keys: Keys;
let good: Scenario;
let a: Nsd | undefined; // example.org, serial 1
let b: Nsd | undefined; // example.org, serial 2, MX moved elsewhere
let c: Nsd | undefined; // the same zone as a

function sink(): { out: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
  return { out, text: () => text };
}

describeWithNsd('several NSDs', () => {
  beforeAll(async () => {
    keys = makeKeys();
    const all = scenarios(keys);
    good = all.good!;
    const rev = reverseZones(all);
    const big = {
      name: 'big.example',
      text: ['$TTL 300', '@ SOA ns1 hostmaster 1 3600 900 604800 120', '@ NS ns1', 'ns1 A 127.0.0.1', 'empty A 192.0.2.1',
        ...Array.from({ length: 12 }, (_, i) => `@ TXT "${String(i).padStart(2, '0')}${'x'.repeat(198)}"`)].join('\n'),
    };
    const moved = zoneFor(good.answers, keys.main, {
      serial: 2,
      drop: ['example.org.'],
      add: ['@ MX 10 mx2', 'mx2 A 192.0.2.99', '@ TXT "v=spf1 mx -all"', '@ CAA 0 issue "letsencrypt.org"'],
    });
    [a, b, c] = await Promise.all([
      startNsd([good.zone!, big, ...rev]),
      startNsd([moved, ...rev]),
      startNsd([good.zone!, ...rev]),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it('a real truncated answer from NSD is fetched again over TCP', async () => {
    const r = await query(a!, 'big.example', 'TXT', { timeoutMs: 1000 });
    expect(r.kind).toBe('answer');
    expect(r.transport).toBe('tcp');
    expect(recordsOf(r, 'TXT')).toHaveLength(12);
  });

  it('NXDOMAIN is told apart from NODATA, and both carry the SOA for the negative TTL', async () => {
    const nx = await query(a!, 'nope.big.example', 'A');
    const nodata = await query(a!, 'empty.big.example', 'TXT');
    expect(nx.kind).toBe('nxdomain');
    expect(nodata.kind).toBe('nodata');
    expect(nodata.kind === 'nodata' && nodata.authority.some((x) => x.type === 'SOA')).toBe(true);
  });

  it('two servers that agree: consistency passes with the serial', async () => {
    const r = await runDnsChecks({ answers: good.answers, nameservers: [a!.address, c!.address], dkimPublicKeyPem: keys.main, local: false, web: false });
    const cons = r.checks.filter((x) => x.id === 'consistency');
    expect(cons.map((x) => x.status)).toEqual(['pass']);
    expect(cons[0]?.summary).toContain('2 servers agree on every record asked (SOA serial 1)');
    expect(r.checks.filter((x) => x.status !== 'pass')).toEqual([]);
  });

  it('two servers that disagree: consistency fails, and the mx finding names the server', async () => {
    const r = await runDnsChecks({ answers: good.answers, nameservers: [a!.address, b!.address], dkimPublicKeyPem: keys.main, local: false, web: false });
    const cons = r.checks.filter((x) => x.id === 'consistency');
    expect(cons.every((x) => x.status === 'fail')).toBe(true);
    expect(cons.map((x) => x.summary).join('\n')).toContain('the servers disagree about example.org MX');
    expect(cons.map((x) => x.summary).join('\n')).toContain(`the SOA serials of example.org differ (${a!.address}: 1, ${b!.address}: 2)`);
    const mx = r.checks.filter((x) => x.id === 'mx');
    const bad = mx.find((x) => x.status === 'fail');
    expect(bad?.summary).toContain('points at mx2.example.org, not at this server mail.example.org');
    expect(bad?.servers).toEqual([b!.address]);
    expect(mx.find((x) => x.status === 'pass')?.servers).toEqual([a!.address]);
  });

  it('recordsByServer: each expected record per server, with TTLs and agreement', async () => {
    const snap = await recordsByServer({ answers: good.answers, nameservers: [a!.address, b!.address], dkimPublicKeyPem: keys.main });
    expect(snap.zone).toBe('example.org');
    expect(snap.servers.map((s) => s.serial)).toEqual([1, 2]);
    const mx = snap.records.find((r) => r.expected.type === 'MX');
    expect(mx?.servers.map((s) => s.state)).toEqual(['ok', 'different']);
    expect(mx?.servers[1]?.seen).toEqual(['example.org. 300 IN MX 10 mx2.example.org.']);
    expect(mx?.agree).toBe(false);
    expect(mx?.servers.map((s) => s.cacheTtl)).toEqual([300, 300]);
    const dkim = snap.records.find((r) => r.expected.check === 'dkim');
    expect(dkim?.ok).toBe(true);
    expect(snap.allAgree).toBe(false);
    expect(snap.allOk).toBe(false);
    expect(snap.maxCacheTtl).toBe(300);
  });

  it('recordsByServer: a missing record reports the negative-caching TTL (SOA)', async () => {
    const snap = await recordsByServer({ answers: { ...good.answers, dkimSelector: 'nothere' }, nameservers: [a!.address], dkimPublicKeyPem: keys.main });
    const dkim = snap.records.find((r) => r.expected.check === 'dkim');
    expect(dkim?.servers[0]?.state).toBe('missing');
    expect(dkim?.servers[0]?.seen).toEqual(['NXDOMAIN']);
    expect(dkim?.servers[0]?.cacheTtl).toBe(120);
  });

  it('formatSnapshot: a line per record, one per server, and the caching delay', async () => {
    const snap = await recordsByServer({ answers: good.answers, nameservers: [a!.address, b!.address], dkimPublicKeyPem: keys.main });
    const lines = formatSnapshot(snap);
    const i = lines.findIndex((l) => l.startsWith('✗ example.org. MX 10 mail.example.org.'));
    expect(lines[i]).toContain('(servers disagree)');
    expect(lines[i + 1]).toMatch(new RegExp(`^ {4}${a!.address.replace(/\./g, '\\.')} +ok +example\\.org\\. 300 IN MX 10 mail\\.example\\.org\\.$`));
    expect(lines[i + 2]).toContain('DIFFERENT  example.org. 300 IN MX 10 mx2.example.org.   caches may keep this for up to 300 s');
    expect(lines.at(-1)).toBe('Resolvers that asked before the change may keep old answers for up to 300 s after it is fixed.');
  });

  it('recordsByServer: a dead server shows on every row as NO ANSWER', async () => {
    const snap = await recordsByServer({ answers: good.answers, nameservers: [a!.address, '127.0.0.1:9'], timeoutMs: 3000, queryTimeoutMs: 200, retries: 0 });
    const mx = snap.records.find((r) => r.expected.type === 'MX');
    expect(mx?.servers.map((s) => s.state)).toEqual(['ok', 'no-answer']);
    expect(snap.problems.join('\n')).toContain('127.0.0.1:9');
  });

  it('waitForRecords returns as soon as the servers agree, and gives up at the deadline otherwise', async () => {
    const rounds: number[] = [];
    const ok = await waitForRecords({ answers: good.answers, nameservers: [a!.address, c!.address], dkimPublicKeyPem: keys.main, intervalMs: 50, maxWaitMs: 2000, onSnapshot: () => rounds.push(1) });
    expect(ok.allAgree && ok.allOk).toBe(true);
    expect(rounds).toHaveLength(1);
    const t = Date.now();
    const seen: boolean[] = [];
    const never = await waitForRecords({ answers: good.answers, nameservers: [a!.address, b!.address], intervalMs: 50, maxWaitMs: 300, until: 'agree', onSnapshot: (s) => seen.push(s.allAgree) });
    expect(never.allAgree).toBe(false);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('check dns: exit 0 and readable lines for a correct zone', async () => {
    const s = sink();
    const code = await checkDnsCommand({ answers: good.answers, nameservers: [a!.address], json: false, dkimPublicKeyPem: keys.main, out: s.out, doctor: { local: false, web: false } });
    expect(code).toBe(0);
    expect(s.text()).toMatch(/^PASS {2}mx {11}example\.org MX → mail\.example\.org/m);
    expect(s.text()).toContain('0 failed, 0 warnings');
  });

  it('check dns: exit 1, with seen: and fix: lines, when a check fails', async () => {
    const s = sink();
    const code = await checkDnsCommand({ answers: good.answers, nameservers: [b!.address], json: false, out: s.out, doctor: { local: false } });
    expect(code).toBe(1);
    expect(s.text()).toMatch(/^FAIL {2}mx .*points at mx2\.example\.org/m);
    expect(s.text()).toMatch(/^ {6}seen: example\.org\. 300 IN MX 10 mx2\.example\.org\.$/m);
    expect(s.text()).toMatch(/^ {6}fix: {2}publish: example\.org\. 3600 IN MX 10 mail\.example\.org\./m);
  });

  it('check dns --json: {"checks":[{id,status,summary,fix,...}]}', async () => {
    const s = sink();
    const code = await checkDnsCommand({ answers: good.answers, nameservers: [b!.address], json: true, out: s.out, doctor: { local: false } });
    expect(code).toBe(1);
    const parsed = JSON.parse(s.text()) as { checks: Array<Record<string, unknown>>; status: string };
    expect(parsed.status).toBe('fail');
    const mx = parsed.checks.find((x) => x.id === 'mx');
    expect(mx).toMatchObject({ id: 'mx', status: 'fail' });
    expect(Object.keys(mx ?? {})).toEqual(expect.arrayContaining(['id', 'status', 'summary', 'fix', 'evidence']));
  });

  it('check dns: a bad --nameserver is one clear line and exit 2, before any packet', async () => {
    const s = sink();
    const code = await checkDnsCommand({ answers: good.answers, nameservers: ['127.0.0.1:99999'], json: false, out: s.out });
    expect(code).toBe(2);
    expect(s.text()).toBe('error: --nameserver 127.0.0.1:99999: the port 99999 is out of range (1-65535)\n');
  });
});
