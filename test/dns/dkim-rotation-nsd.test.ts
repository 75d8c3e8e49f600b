/**
 * `check dns` during a DKIM key rotation, against a real NSD: the retired selector is still valid
 * while it is published (and only a warning once it is gone early), the next selector fails until
 * it is published, and `records` lists every published selector's record.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordsCommand } from '../../src/commands/records.js';
import { runDnsChecks, type DoctorReport } from '../../src/dns/doctor.js';
import type { OtherDkimKey } from '../../src/dns/dkim-selectors.js';
import { startNsd, type Nsd } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';
import { makeKeys, reverseZones, scenarios, type Keys, type Scenario } from './zones.js';

let nsd: Nsd | undefined;
let keys: Keys;
let dkim: Scenario;

async function check(otherDkim: OtherDkimKey[]): Promise<DoctorReport> {
  return runDnsChecks({ answers: dkim.answers, nameservers: [nsd!.address], dkimPublicKeyPem: keys.main, otherDkim, local: false, timeoutMs: 8000, queryTimeoutMs: 1000 });
}
const dkimFindings = (r: DoctorReport) => r.checks.filter((c) => c.id === 'dkim');

describeWithNsd('check dns during a DKIM rotation (NSD)', () => {
  beforeAll(async () => {
    keys = makeKeys();
    const all = scenarios(keys);
    dkim = all.dkim!;
    nsd = await startNsd([dkim.zone!, ...reverseZones({ dkim })]);
  }, 60_000);

  afterAll(async () => {
    await nsd?.stop();
  });

  it('the active and the retired selector both published: both pass, each compared with its own key', async () => {
    const r = await check([{ selector: 'other', role: 'retired', publicKeyPem: keys.other }]);
    const f = dkimFindings(r);
    expect(f.map((x) => x.status)).toEqual(['pass', 'pass']);
    expect(f.map((x) => x.summary)).toEqual([
      'mw._domainkey.dkim.example: 2048-bit RSA key, matches the local key',
      'other._domainkey.dkim.example: 2048-bit RSA key, matches the local key [retired key, still published]',
    ]);
  });

  it('a retired selector removed early is a warning that says what it costs; a next one not published yet fails', async () => {
    const r = await check([
      { selector: 'gone', role: 'retired', publicKeyPem: keys.other },
      { selector: 'pending', role: 'next', publicKeyPem: keys.other },
    ]);
    const gone = dkimFindings(r).find((f) => f.summary.includes('gone._domainkey'));
    expect(gone).toMatchObject({ status: 'warn', summary: expect.stringContaining('no DKIM key at gone._domainkey.dkim.example') });
    expect(gone?.fix).toContain('Mail signed with gone in the last 7 days fails DKIM without it');
    expect(gone?.fix).toContain('mail-wizard dkim retire gone');
    const pending = dkimFindings(r).find((f) => f.summary.includes('pending._domainkey'));
    expect(pending).toMatchObject({ status: 'fail', summary: expect.stringContaining('[next key (dkim rotate)]') });
  });

  it('a retired record that is not the retired key is flagged (as a warning)', async () => {
    const r = await check([{ selector: 'other', role: 'retired', publicKeyPem: keys.main }]);
    const f = dkimFindings(r).find((x) => x.summary.includes('other._domainkey'));
    expect(f).toMatchObject({ status: 'warn', summary: expect.stringContaining('not the key this server signs with') });
  });

  it('records lists the other selectors with what to do about each', async () => {
    let out = '';
    const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
    await recordsCommand({
      answers: dkim.answers,
      format: 'zone',
      dkimPublicKeyPem: keys.main,
      otherDkim: [{ selector: 'old', role: 'retired', publicKeyPem: keys.other }, { selector: 'new', role: 'next', publicKeyPem: keys.other }],
      out: sink,
    });
    expect(out).toMatch(/^mw\._domainkey\.dkim\.example\.\t/m);
    expect(out).toMatch(/^; retired DKIM key: keep it 7 days after the switch, then `mail-wizard dkim retire old` and delete it\nold\._domainkey\.dkim\.example\.\t/m);
    expect(out).toMatch(/^; next DKIM key: publish it;[^\n]*\nnew\._domainkey\.dkim\.example\.\t/m);
  });
});
