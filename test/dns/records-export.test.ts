/** Expected records and their export: zone lines, table, JSON, and the records command. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/answers/schema.js';
import { query, recordsOf } from '../../src/dns/client.js';
import { recordsCommand } from '../../src/commands/records.js';
import { splitTxtValue } from '../../src/dkim/record.js';
import { DKIM_PLACEHOLDER, dmarcValue, expandIPv6, expectedRecords, reverseName } from '../../src/dns/expected.js';
import { recordData } from '../../src/dns/records.js';
import { mtaStsTxt } from '../../src/published/mta-sts.js';
import { recordsJson, recordsTable, zoneData, zoneLines } from '../../src/dns/zone-export.js';
import { nsdBinary, startNsd } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';
import { answersFor } from './zones.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 4096 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const answers = answersFor('example.org', 10, { ipv6: '2001:db8::10' });

function sink(): { out: NodeJS.WritableStream; text: () => string } {
  let text = '';
  return { out: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, text: () => text };
}

describe('names and values', () => {
  it.each([
    ['192.0.2.10', '10.2.0.192.in-addr.arpa'],
    ['2001:db8::10', '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
    ['2001:DB8:0:0:0:0:0:1', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
  ])('reverseName(%s)', (ip, name) => expect(reverseName(ip)).toBe(name));

  it('expandIPv6 handles :: anywhere and an IPv4 tail', () => {
    expect(expandIPv6('::1')).toBe('0000:0000:0000:0000:0000:0000:0000:0001');
    expect(expandIPv6('2001:db8::')).toBe('2001:0db8:0000:0000:0000:0000:0000:0000');
    expect(expandIPv6('::ffff:192.0.2.1')).toBe('0000:0000:0000:0000:0000:ffff:c000:0201');
  });

  it('DMARC is generated per RFC 9989: no pct, rf or ri; mailto: added once', () => {
    expect(dmarcValue({ dmarcPolicy: 'reject', dmarcReports: 'dmarc@example.org' })).toBe('v=DMARC1; p=reject; rua=mailto:dmarc@example.org');
    expect(dmarcValue({ dmarcPolicy: 'none', dmarcReports: 'mailto:d@example.org' })).toBe('v=DMARC1; p=none; rua=mailto:d@example.org');
    expect(dmarcValue({ dmarcPolicy: 'quarantine' })).toBe('v=DMARC1; p=quarantine');
    expect(dmarcValue({ dmarcPolicy: 'reject', dmarcReports: 'alice', domain: 'example.org' })).toBe('v=DMARC1; p=reject; rua=mailto:alice@example.org');
    expect(dmarcValue({ dmarcPolicy: 'quarantine', dmarcReports: 'x@y.org' })).not.toMatch(/pct|rf=|ri=/);
  });

  it('expected records: MX, A, AAAA, SPF at domain and host, DKIM, DMARC, MTA-STS, TLS-RPT, client SRV and autoconfig, both PTRs', () => {
    const r = expectedRecords(answers, pem);
    expect(r.map((x) => `${x.check} ${x.name} ${x.type} ${x.type === 'TXT' ? x.value.slice(0, 20) : x.value}`)).toEqual([
      'mx example.org MX 10 mail.example.org.',
      'a mail.example.org A 192.0.2.10',
      'aaaa mail.example.org AAAA 2001:db8::10',
      'spf example.org TXT v=spf1 mx -all',
      'spf mail.example.org TXT v=spf1 a -all',
      'dkim mw._domainkey.example.org TXT v=DKIM1; k=rsa; p=MI',
      'dmarc _dmarc.example.org TXT v=DMARC1; p=quaranti',
      'mta-sts mta-sts.example.org CNAME mail.example.org.',
      `mta-sts _mta-sts.example.org TXT ${mtaStsTxt(answers)!.slice(0, 20)}`,
      'tls-rpt _smtp._tls.example.org TXT v=TLSRPTv1; rua=mail',
      'autoconfig autoconfig.example.org CNAME mail.example.org.',
      'srv _submissions._tcp.example.org SRV 0 1 465 mail.example.org.',
      'srv _submission._tcp.example.org SRV 10 1 587 mail.example.org.',
      'srv _imaps._tcp.example.org SRV 0 1 993 mail.example.org.',
      'srv _imap._tcp.example.org SRV 10 1 143 mail.example.org.',
      'srv _pop3s._tcp.example.org SRV 0 0 0 .',
      'srv _pop3._tcp.example.org SRV 0 0 0 .',
      'ptr 10.2.0.192.in-addr.arpa PTR mail.example.org.',
      `ptr ${reverseName('2001:db8::10')} PTR mail.example.org.`,
    ]);
    expect(r.filter((x) => x.where === 'provider').map((x) => x.type)).toEqual(['PTR', 'PTR']);
  });

  it('MTA-STS off: no web names and no _mta-sts; TLS-RPT and the SRV records stay', () => {
    const r = expectedRecords({ ...answers, mtaSts: 'off' }, pem);
    expect(r.filter((x) => x.type === 'CNAME' || x.check === 'mta-sts')).toEqual([]);
    expect(r.filter((x) => x.check === 'tls-rpt').map((x) => x.value)).toEqual(['v=TLSRPTv1; rua=mailto:tlsrpt@example.org']);
    expect(r.filter((x) => x.check === 'srv')).toHaveLength(6);
  });

  it('the host name is the domain: the web names are CNAMEs to the apex; a web name that is the host name gets none', () => {
    const apex = expectedRecords({ ...answers, hostname: 'example.org' }, pem);
    expect(apex.filter((x) => x.type === 'CNAME').map((x) => `${x.name} ${x.value}`)).toEqual(['mta-sts.example.org example.org.', 'autoconfig.example.org example.org.']);
    expect(apex.filter((x) => x.type === 'SRV' && x.check === 'srv').map((x) => x.value.split(' ').pop())).toEqual(['example.org.', 'example.org.', 'example.org.', 'example.org.', '.', '.']);
    const self = expectedRecords({ ...answers, hostname: 'autoconfig.example.org' }, pem);
    expect(self.filter((x) => x.type === 'CNAME').map((x) => x.name)).toEqual(['mta-sts.example.org']);
  });

  it('no key yet: a placeholder, flagged', () => {
    const dkim = expectedRecords(answers).find((x) => x.check === 'dkim');
    expect(dkim?.value).toBe(DKIM_PLACEHOLDER);
    expect(dkim?.placeholder).toBe(true);
  });
});

describe('TXT splitting', () => {
  it('splits into ≤255-byte strings that concatenate to the value', () => {
    const v = expectedRecords(answers, pem).find((x) => x.check === 'dkim')!.value;
    const parts = splitTxtValue(v);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.every((p) => Buffer.byteLength(p) <= 255)).toBe(true);
    expect(parts.join('')).toBe(v);
  });

  it('never splits inside a UTF-8 character', () => {
    const v = 'é'.repeat(300);
    const parts = splitTxtValue(v);
    expect(parts.every((p) => Buffer.byteLength(p) <= 255)).toBe(true);
    expect(parts.join('')).toBe(v);
    expect(splitTxtValue('')).toEqual(['']);
  });

  it('zone data: short values one string, long ones in parentheses, quotes escaped', () => {
    expect(zoneData({ type: 'TXT', value: 'v=spf1 mx -all' })).toBe('"v=spf1 mx -all"');
    expect(zoneData({ type: 'TXT', value: 'a"b\\c' })).toBe('"a\\"b\\\\c"');
    const long = zoneData({ type: 'TXT', value: 'x'.repeat(600) });
    expect(long.startsWith('( "')).toBe(true);
    expect(long.match(/"x+"/g)?.map((s) => s.length - 2)).toEqual([255, 255, 90]);
  });
});

describe('exports', () => {
  it('zone lines: every record; the PTR requests apart, as comments that say where they go', () => {
    const lines = zoneLines(expectedRecords(answers, pem));
    const text = lines.join('\n');
    expect(text).toContain('example.org.\t3600\tIN\tMX\t10 mail.example.org.');
    expect(text).toContain('mw._domainkey.example.org.\t3600\tIN\tTXT\t( "v=DKIM1; k=rsa; p=');
    expect(text).toMatch(/; Reverse DNS \(PTR\): not part of your zone[^\n]*\n[^\n]*hosting provider/);
    expect(lines).toContain('; 10.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\tmail.example.org.');
    expect(lines).toContain(`; ${reverseName('2001:db8::10')}.\t3600\tIN\tPTR\tmail.example.org.`);
    // no line outside a comment names a reverse zone
    expect(lines.filter((l) => !l.startsWith(';') && l.includes('.arpa.'))).toEqual([]);
  });

  it('table: aligned, long values wrapped (IPv4-only names fit 100 columns)', () => {
    const t = recordsTable(expectedRecords({ ...answers, ipv6: undefined }, pem), 100);
    expect(t[0]).toMatch(/^TYPE\s+NAME\s+WHERE\s+VALUE$/);
    expect(t.every((l) => l.length <= 100)).toBe(true);
    expect(t.filter((l) => l.startsWith(' ')).join('').replace(/\s+/g, '')).toContain(expectedRecords(answers, pem).find((x) => x.check === 'dkim')!.value.slice(-40));
  });

  it('table with IPv6: the long PTR name wraps, so every line fits 100 columns and each SRV and CNAME row is one line', () => {
    const t = recordsTable(expectedRecords(answers, pem), 100);
    expect(t.filter((l) => l.length > 100)).toEqual([]);
    for (const r of expectedRecords(answers, pem).filter((x) => x.type === 'SRV' || x.type === 'CNAME')) {
      expect(t.filter((l) => l.includes(` ${r.name} `)).map((l) => l.endsWith(r.value)), r.name).toEqual([true]);
    }
    // the wrapped name reads back whole from its lines
    const ptr6 = reverseName('2001:db8::10');
    const at = t.findIndex((l) => l.startsWith('PTR') && ptr6.startsWith(l.split(/\s+/)[1]!) && l.split(/\s+/)[1] !== ptr6);
    expect(t.slice(at, at + 3).map((l) => (l.startsWith('PTR') ? l.split(/\s+/)[1] : l.trim().split(/\s+/)[0])).join('')).toBe(ptr6);
  });

  it('json: strings for TXT, zoneLine for each', () => {
    const j = recordsJson(expectedRecords(answers, pem));
    const dkim = j.find((x) => x.check === 'dkim');
    expect(dkim?.strings?.join('')).toBe(dkim?.value);
    expect(j.every((x) => x.zoneLine.startsWith(`${x.name}.`))).toBe(true);
  });
});

describe('recordsCommand', () => {
  it.each(['zone', 'table', 'json'] as const)('%s without a key: placeholder and a note that setup creates it', async (format) => {
    const s = sink();
    expect(await recordsCommand({ answers, format, out: s.out })).toBe(0);
    expect(s.text()).toContain('PUBLIC-KEY');
    expect(s.text()).toContain('setup creates it');
  });

  it('zone with a key: no placeholder, and the key is there', async () => {
    const s = sink();
    await recordsCommand({ answers, format: 'zone', dkimPublicKeyPem: pem, out: s.out });
    expect(s.text()).not.toContain('PUBLIC-KEY');
    expect(s.text()).toContain('v=DKIM1; k=rsa; p=MII');
  });

  it('json parses and lists the records', async () => {
    const s = sink();
    await recordsCommand({ answers, format: 'json', dkimPublicKeyPem: pem, out: s.out });
    const j = JSON.parse(s.text()) as { records: Array<{ type: string }> };
    expect(j.records.map((r) => r.type)).toEqual(['MX', 'A', 'AAAA', 'TXT', 'TXT', 'TXT', 'TXT', 'CNAME', 'TXT', 'TXT', 'CNAME', 'SRV', 'SRV', 'SRV', 'SRV', 'SRV', 'SRV', 'PTR', 'PTR']);
  });
});

/**
 * `records --format zone` output, pasted as it is below the SOA and NS of the domain's zone (and
 * below what the zone already holds: a website at the apex, say).
 */
async function pastedZone(a: Answers, already: string[] = []): Promise<string> {
  const s = sink();
  expect(await recordsCommand({ answers: a, format: 'zone', dkimPublicKeyPem: pem, out: s.out })).toBe(0);
  const head = ['$TTL 300', `@ IN SOA ns1.${a.domain}. hostmaster.${a.domain}. 1 3600 900 604800 120`, '@ IN NS ns1', 'ns1 IN A 127.0.0.1', ...already];
  return `${head.join('\n')}\n${s.text()}`;
}

/** A zone that already has a website at the apex and www (the usual domain a mail server joins). */
const WEBSITE = ['@ IN A 192.0.2.80', '@ IN AAAA 2001:db8::80', 'www IN CNAME @', '@ IN TXT "google-site-verification=abc"'];

describeWithNsd('records --format zone loads into a real zone as printed', () => {
  const checker = path.join(path.dirname(nsdBinary() ?? '/usr/sbin/nsd'), 'nsd-checkzone');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mw-zone-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const checkzone = (domain: string, text: string) => {
    const file = path.join(dir, `${domain}.zone`);
    writeFileSync(file, `$ORIGIN ${domain}.\n${text}`);
    const r = spawnSync(checker, [domain, file], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  };
  const cases: [string, Answers, string[]][] = [
    ['IPv4 only', answersFor('example.org', 10), []],
    ['IPv4 and IPv6', answersFor('example.org', 10, { ipv6: '2001:db8::10' }), []],
    ['the host name is the domain, beside a website at the apex', answersFor('example.org', 10, { hostname: 'example.org', ipv6: '2001:db8::10' }), WEBSITE.filter((l) => !l.startsWith('@ IN A') && !l.startsWith('@ IN AAAA'))],
    ['a website at the apex, MTA-STS enforce', answersFor('example.org', 10, { mtaSts: 'enforce' }), WEBSITE],
    ['MTA-STS off', answersFor('example.org', 10, { mtaSts: 'off' }), WEBSITE],
  ];

  it.each(cases)('%s: nsd-checkzone accepts it', async (_, a, already) => {
    const r = checkzone(a.domain, await pastedZone(a, already));
    expect(r.output).toContain(`zone ${a.domain} is ok`);
    expect(r.status).toBe(0);
  });

  it('the check can fail: a web name that already has an address beside the printed CNAME is refused', async () => {
    const a = cases[0]![1];
    const r = checkzone(a.domain, await pastedZone(a, ['autoconfig IN A 192.0.2.81']));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/CNAME and other data/);
  });

  it('the check can fail: the same output with its PTR lines uncommented is refused as out of zone', async () => {
    const a = cases[1]![1];
    const uncommented = (await pastedZone(a)).replace(/^; (\S+\.arpa\.\t)/gm, '$1');
    const r = checkzone(a.domain, uncommented);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/out of zone|outside the zone/);
  });

  it.each(cases)('%s: a running NSD serves every zone record of it', async (_, a, already) => {
    const nsd = await startNsd([{ name: a.domain, text: await pastedZone(a, already) }]);
    try {
      const server = { host: nsd.host, port: nsd.port };
      const rows = expectedRecords(a, pem).filter((x) => x.where === 'zone');
      expect(rows.filter((x) => x.type === 'SRV')).toHaveLength(6);
      for (const r of rows) {
        const answer = await query(server, r.name, r.type, { timeoutMs: 2000 });
        expect(answer.kind, `${r.name} ${r.type}`).toBe('answer');
        const got =
          r.type === 'TXT' ? recordsOf(answer, 'TXT').filter((x) => x.name === r.name).map((x) => x.strings.join('')).filter((v) => v.startsWith(r.value.slice(0, 6)))
          : r.type === 'A' || r.type === 'AAAA' ? recordsOf(answer, r.type).map((x) => x.address)
          : (answer.kind === 'answer' ? answer.records : []).filter((x) => x.type === r.type && x.name === r.name).map(recordData);
        expect(got, `${r.name} ${r.type}`).toEqual([r.value]);
      }
      // what a mail client and a sender really ask: the web names lead to the server's address
      for (const web of rows.filter((x) => x.type === 'CNAME')) {
        const answer = await query(server, web.name, 'A', { timeoutMs: 2000 });
        expect(recordsOf(answer, 'A').map((x) => x.address), web.name).toEqual([a.ipv4]);
      }
      const imaps = await query(server, `_imaps._tcp.${a.domain}`, 'SRV', { timeoutMs: 2000 });
      expect(recordsOf(imaps, 'SRV').map((x) => `${x.port} ${x.target}`)).toEqual([`993 ${a.hostname}`]);
      const pop3 = await query(server, `_pop3._tcp.${a.domain}`, 'SRV', { timeoutMs: 2000 });
      expect(recordsOf(pop3, 'SRV').map((x) => `${x.port} ${x.target}.`)).toEqual(['0 .']);
    } finally {
      await nsd.stop();
    }
  });
});
