/**
 * DNSSEC and DANE against a real NSD serving zones signed with the real tools (ldns-keygen,
 * ldns-signzone, ldns-key2ds), their parent zone `example` (with the delegations and DS records)
 * in the same NSD, and an unsigned zone:
 * - signed with the DS at the parent: `dnssec` passes naming the keys; the wizard offers the TLSA
 *   (`records --dane`, setup's DNS step); `tlsa` passes for the published key, fails for a changed
 *   key naming both hashes, and fails for a TLSA added without signing the zone again;
 * - signed without a DS: a warning whose fix is the DS (the one ldns-key2ds computes); published
 *   at the parent as written, `dnssec` passes;
 * - unsigned: the one "DANE needs DNSSEC" finding (a pass: nothing is broken), no TLSA offered,
 *   nothing about TLSA;
 * - expired signatures, or a DS of another key: fail.
 *
 * REPAIR_COVERS lists the ids this file breaks and repairs (test/unit/check-table.test.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordsCommand } from '../../src/commands/records.js';
import { dnsStep } from '../../recipes/dns.js';
import type { Answers } from '../../src/answers/schema.js';
import { tlsaName, tlsaValue, type LocalCertificate } from '../../src/dns/dane.js';
import { recordsByServer, runDnsChecks, zoneSecurity, type DoctorReport } from '../../src/dns/doctor.js';
import { dsLine, keyTag } from '../../src/dns/dnssec.js';
import { startNsd, type Nsd, type Zone } from './nsd.js';
import { dnskeyOf, dsData, dsOf, makeZoneKeys, missingLdnsTool, signZone, type ZoneKeys } from './signed-zones.js';
import { describeWithNsd } from './with-nsd.js';
import { answersFor, goodLines, makeKeys, type Keys } from './zones.js';

export const REPAIR_COVERS = ['dnssec', 'tlsa'] as const;

const missing = missingLdnsTool();
if (missing && process.env.CI) throw new Error(`${missing} is not installed, and CI is set: install the Debian package "ldnsutils"`);
if (missing) console.warn(`\n*** SKIPPED the DANE tests: ${missing} is not installed (Debian: apt-get install ldnsutils) ***\n`);

const CERT_PATH = '/etc/ssl/mail.fullchain.pem';

let tmp: string;
let keys: Keys;
const zoneKeys: Record<string, ZoneKeys> = {};
let nsd: Nsd | undefined;

function certificate(host: string, name: string): LocalCertificate {
  const key = path.join(tmp, `${name}.key`);
  const cert = path.join(tmp, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], { stdio: 'ignore' });
  return { path: CERT_PATH, pem: execFileSync('cat', [cert], { encoding: 'utf8' }) };
}

/** A child zone's text: our records, its own NS and SOA. */
function childText(a: Answers, extra: string[] = []): string {
  const d = a.domain;
  return [
    `$ORIGIN ${d}.`,
    '$TTL 300',
    `@ IN SOA ns1.example. hostmaster.${d}. 1 3600 900 604800 120`,
    '@ NS ns1.example.',
    ...goodLines(a, keys.main),
    ...extra,
  ].join('\n');
}

function parentText(children: string[], ds: string[]): string {
  return [
    '$ORIGIN example.',
    '$TTL 300',
    '@ IN SOA ns1.example. hostmaster.example. 1 3600 900 604800 120',
    '@ NS ns1.example.',
    'ns1 A 127.0.0.1',
    ...children.map((c) => `${c}. NS ns1.example.`),
    ...ds,
  ].join('\n');
}

const A = {
  signed: answersFor('signed.example', 60),
  nods: answersFor('nods.example', 61),
  plain: answersFor('plain.example', 62),
  expired: answersFor('expired.example', 63),
  wrongds: answersFor('wrongds.example', 64),
};

/** Serves the zones (restarting NSD), the parent with the given DS lines. */
async function serve(zones: Record<string, string>, ds: string[]): Promise<Nsd> {
  await nsd?.stop();
  const list: Zone[] = [{ name: 'example', text: parentText(Object.keys(zones), ds) }, ...Object.entries(zones).map(([name, text]) => ({ name, text }))];
  nsd = await startNsd(list);
  return nsd;
}

async function doctor(a: Answers, cert?: LocalCertificate): Promise<DoctorReport> {
  return runDnsChecks({ answers: a, nameservers: [nsd!.address], dkimPublicKeyPem: keys.main, local: false, timeoutMs: 8000, queryTimeoutMs: 500, retries: 1, ...(cert ? { tlsCertificate: cert } : {}) });
}

const of = (r: DoctorReport, id: string) => r.checks.filter((c) => c.id === id);

function sink(): { out: NodeJS.WritableStream; text: () => string } {
  let text = '';
  return { out: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, text: () => text };
}

async function recordsJson(a: Answers, cert: LocalCertificate): Promise<{ records: { check: string; type: string; name: string; value: string }[]; notes: string[] }> {
  const dnssec = await zoneSecurity({ answers: a, nameservers: [nsd!.address], timeoutMs: 8000, queryTimeoutMs: 500, retries: 1 });
  const s = sink();
  await recordsCommand({ answers: a, format: 'json', dkimPublicKeyPem: keys.main, out: s.out, dane: { ...dnssec, tlsCertificate: cert } });
  return JSON.parse(s.text());
}

/** The zones as first served: every case signed (or not) the way its name says. */
function zonesNow(extraSigned: string[] = [], signedOpts: { unsignedTlsa?: string } = {}): Record<string, string> {
  const past = { inception: '20200101', expiration: '20200201' };
  let signed = signZone(zoneKeys['signed.example']!, childText(A.signed, extraSigned));
  if (signedOpts.unsignedTlsa) signed += `\n${signedOpts.unsignedTlsa}\n`;
  return {
    'signed.example': signed,
    'nods.example': signZone(zoneKeys['nods.example']!, childText(A.nods)),
    'plain.example': childText(A.plain),
    'expired.example': signZone(zoneKeys['expired.example']!, childText(A.expired), past),
    'wrongds.example': signZone(zoneKeys['wrongds.example']!, childText(A.wrongds)),
  };
}

const baseDs = () => [dsOf(zoneKeys['signed.example']!), dsOf(zoneKeys['expired.example']!), dsOf(zoneKeys['other.example']!).replace(/^other\.example\./, 'wrongds.example.')];

describeWithNsd('DNSSEC and DANE in real signed zones', () => {
  describe.skipIf(missing !== undefined)('with ldnsutils', () => {
    let cert: LocalCertificate;
    let newCert: LocalCertificate;

    beforeAll(async () => {
      keys = makeKeys();
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mw-dane-'));
      for (const z of ['signed.example', 'nods.example', 'expired.example', 'wrongds.example', 'other.example']) zoneKeys[z] = makeZoneKeys(tmp, z);
      cert = certificate(A.signed.hostname, 'cert');
      newCert = certificate(A.signed.hostname, 'new');
      await serve(zonesNow(), baseDs());
    }, 60_000);
    afterAll(async () => {
      await nsd?.stop();
      await fs.rm(tmp, { recursive: true, force: true });
    });

    it('the DS the doctor computes is the one ldns-key2ds writes', () => {
      const k = zoneKeys['signed.example']!;
      const line = dnskeyOf(k, 'ksk').split(/\s+/);
      const dnskey = { flags: Number(line[3]), algorithm: Number(line[5]), key: line.slice(6).join('') };
      const ldns = dsData(dsOf(k));
      expect(keyTag(dnskey)).toBe(Number(ldns.split(' ')[0]));
      expect(dsData(dsLine('signed.example', dnskey))).toBe(ldns);
    });

    it('signed, DS at the parent: dnssec passes naming the keys; the TLSA is offered (records --dane, the DNS step) and missing until published', async () => {
      const r = await doctor(A.signed, cert);
      const ksk = Number(dsData(dsOf(zoneKeys['signed.example']!)).split(' ')[0]);
      expect(of(r, 'dnssec').map((c) => c.status)).toEqual(['pass']);
      expect(of(r, 'dnssec')[0]!.summary).toContain(`signed.example is signed and delegated securely: DS at example for key ${ksk} (algorithm 13 ECDSAP256SHA256)`);
      expect(r.dnssec).toEqual({ signed: true, secure: true });
      const [tlsa] = of(r, 'tlsa');
      expect(tlsa!.status).toBe('warn');
      expect(tlsa!.summary).toBe(`the zone is signed but has no TLSA at _25._tcp.mail.signed.example: sending servers cannot use DANE`);
      expect(tlsa!.fix).toBe(`publish: _25._tcp.mail.signed.example. 3600 IN TLSA ${tlsaValue(cert.pem)}`);

      const json = await recordsJson(A.signed, cert);
      expect(json.records.filter((x) => x.type === 'TLSA')).toEqual([expect.objectContaining({ check: 'tlsa', name: '_25._tcp.mail.signed.example', value: tlsaValue(cert.pem) })]);
      expect(tlsaValue(cert.pem)).toMatch(/^3 1 1 [0-9a-f]{64}$/);

      // setup's DNS step lists it among the records to publish
      const plan = dnsStep.plan({ answers: A.signed } as never, { tlsCertificate: cert, report: r });
      const lines = plan.actions.flatMap((x) => ('lines' in x ? x.lines : []));
      expect(lines).toContain(`_25._tcp.mail.signed.example. 3600 IN TLSA ${tlsaValue(cert.pem)}`);
    });

    it('the TLSA published as offered (and the zone signed again): tlsa passes; after the key changes it fails naming both hashes; publishing what the fix says mends it', async () => {
      const published = `_25._tcp.mail.signed.example. 300 IN TLSA ${tlsaValue(cert.pem)}`;
      await serve(zonesNow([published]), baseDs());
      const ok = await doctor(A.signed, cert);
      expect(of(ok, 'tlsa').map((c) => [c.status, c.summary])).toEqual([['pass', `_25._tcp.mail.signed.example: ${tlsaValue(cert.pem)} matches the key in ${CERT_PATH}`]]);
      expect(of(ok, 'dnssec').map((c) => c.status)).toEqual(['pass']);

      // a renewal that made a new key
      const changed = await doctor(A.signed, newCert);
      const [bad] = of(changed, 'tlsa');
      expect(bad!.status).toBe('fail');
      const oldHash = tlsaValue(cert.pem)!.slice(6);
      const newHash = tlsaValue(newCert.pem)!.slice(6);
      expect(oldHash).not.toBe(newHash);
      expect(bad!.summary).toBe(`the TLSA at _25._tcp.mail.signed.example (3 1 1 ${oldHash}) does not match the key on this box (3 1 1 ${newHash}): DANE senders will not deliver`);
      expect(bad!.fix).toMatch(new RegExp(`^publish: _25\\._tcp\\.mail\\.signed\\.example\\. 3600 IN TLSA 3 1 1 ${newHash};`));

      // what the fix says, done as written: the new record beside the old one, the zone signed again
      const fixLine = /^publish: (.+?);/.exec(bad!.fix!)![1]!;
      await serve(zonesNow([published, fixLine]), baseDs());
      const mended = await doctor(A.signed, newCert);
      expect(of(mended, 'tlsa').map((c) => [c.status, c.summary])).toEqual([['pass', `_25._tcp.mail.signed.example: 3 1 1 ${newHash} matches the key in ${CERT_PATH} (and 1 more record(s), such as the next key)`]]);
    });

    it('a TLSA added to the signed zone without signing it again: fail, the record has no signature', async () => {
      await serve(zonesNow([], { unsignedTlsa: `_25._tcp.mail.signed.example. 300 IN TLSA ${tlsaValue(cert.pem)}` }), baseDs());
      const r = await doctor(A.signed, cert);
      expect(of(r, 'tlsa').map((c) => [c.status, c.summary])).toEqual([
        ['fail', 'the TLSA at _25._tcp.mail.signed.example has no signature (RRSIG): it was added without signing the zone again, and DANE senders treat it as bogus'],
      ]);
      await serve(zonesNow(), baseDs());
    });

    it('unsigned: one "DANE needs DNSSEC" finding (informational: a pass, as for an optional record), no TLSA offered and nothing about TLSA', async () => {
      const r = await doctor(A.plain, cert);
      expect(of(r, 'dnssec').map((c) => [c.status, c.summary])).toEqual([['pass', 'DANE needs DNSSEC: plain.example is not signed (no DNSKEY at its servers), so no TLSA record is offered']]);
      expect(of(r, 'tlsa')).toEqual([]);
      expect(r.dnssec).toEqual({ signed: false, secure: false });
      const json = await recordsJson(A.plain, cert);
      expect(json.records.some((x) => x.type === 'TLSA')).toBe(false);
      expect(json.notes).toContain('No TLSA record: DANE needs DNSSEC: plain.example is not signed (no DNSKEY at its servers), so no TLSA record is offered');
      const plan = dnsStep.plan({ answers: A.plain } as never, { tlsCertificate: cert, report: r });
      expect(plan.actions.flatMap((x) => ('lines' in x ? x.lines : [])).some((l) => l.includes('TLSA'))).toBe(false);
    });

    it('DNSKEY without a DS at the parent: a warning whose fix is the DS; published at the parent as written, dnssec passes', async () => {
      const r = await doctor(A.nods, cert);
      const [w] = of(r, 'dnssec');
      expect(w!.status).toBe('warn');
      expect(w!.summary).toMatch(/^nods\.example is signed \(keys \d+, \d+\) but example has no DS for it: resolvers treat it as unsigned, so DANE cannot hold$/);
      expect(of(r, 'tlsa')).toEqual([]);
      expect(r.dnssec).toEqual({ signed: true, secure: false });
      const ds = /^publish the DS at your registrar \(the parent zone\): (.+)$/.exec(w!.fix!)![1]!;
      expect(ds).toBe(`nods.example. 3600 IN DS ${dsData(dsOf(zoneKeys['nods.example']!))}`);
      const json = await recordsJson(A.nods, cert);
      expect(json.records.some((x) => x.type === 'TLSA')).toBe(false);

      await serve(zonesNow(), [...baseDs(), ds]);
      const fixed = await doctor(A.nods, cert);
      expect(of(fixed, 'dnssec').map((c) => c.status)).toEqual(['pass']);
      expect(fixed.dnssec).toEqual({ signed: true, secure: true });
      await serve(zonesNow(), baseDs());
    });

    it('expired signatures fail; a DS of another key fails and names the DS to publish instead', async () => {
      const expired = await doctor(A.expired, cert);
      expect(of(expired, 'dnssec').map((c) => [c.status, c.summary])).toContainEqual(['fail', expect.stringMatching(/^the signatures of expired\.example expired on 2020-02-01T00:00:00Z \(.*\): validating resolvers reject its answers, so mail to it fails for them$/)]);
      expect(expired.dnssec?.secure).toBe(false);

      const wrong = await doctor(A.wrongds, cert);
      const [f] = of(wrong, 'dnssec');
      expect(f!.status).toBe('fail');
      expect(f!.summary).toMatch(/^the DS of wrongds\.example at example \(key \d+\) matches none of its keys \(\d+, \d+\): validating resolvers reject every answer of the zone/);
      expect(f!.fix).toBe(`replace the DS at your registrar: wrongds.example. 3600 IN DS ${dsData(dsOf(zoneKeys['wrongds.example']!))}`);
    });

    it('the DNSKEY set signed only by the ZSK while the DS names the KSK: fail', async () => {
      const k = zoneKeys['signed.example']!;
      // the KSK's DNSKEY in the zone, but ldns-signzone given the ZSK alone: nothing signs with the key the DS names
      const zones = zonesNow();
      zones['signed.example'] = signZone({ ...k, ksk: k.zsk }, childText(A.signed, [dnskeyOf(k, 'ksk')]));
      await serve(zones, baseDs());
      try {
        const r = await doctor(A.signed, cert);
        const ksk = dsData(dsOf(k)).split(' ')[0];
        expect(of(r, 'dnssec').map((c) => [c.status, c.summary])).toEqual([
          ['fail', `the DNSKEY set of signed.example is not signed by key ${ksk}, the one the DS at example names (at ${nsd!.address}): validating resolvers reject every answer of the zone`],
        ]);
        expect(r.dnssec?.secure).toBe(false);
      } finally {
        await serve(zonesNow(), baseDs());
      }
    });

    it('found through the NS records (no --nameserver): the zone\'s servers and then the parent\'s are asked, and dnssec passes', async () => {
      const r = await runDnsChecks({ answers: A.signed, resolvConf: `nameserver [127.0.0.1]:${nsd!.port}\n`, authPort: nsd!.port, dkimPublicKeyPem: keys.main, local: false, timeoutMs: 8000, queryTimeoutMs: 500, retries: 1, tlsCertificate: cert });
      expect(r.mode).toBe('discovered');
      expect(of(r, 'dnssec').map((c) => c.status)).toEqual(['pass']);
      expect(of(r, 'dnssec')[0]!.summary).toContain('signed.example is signed and delegated securely: DS at example for key');
      expect(r.questions.some((q) => q.name === 'signed.example' && q.type === 'DS')).toBe(true);
    });

    it('signed at one server, unsigned at the other: fail, naming the server', async () => {
      const second = await startNsd([{ name: 'signed.example', text: childText(A.signed) }]);
      try {
        const r = await runDnsChecks({ answers: A.signed, nameservers: [nsd!.address, second.address], dkimPublicKeyPem: keys.main, local: false, timeoutMs: 8000, queryTimeoutMs: 500, retries: 1, tlsCertificate: cert });
        const fails = of(r, 'dnssec').filter((c) => c.status === 'fail');
        expect(fails.map((c) => c.summary)).toContain(`signed.example is signed at ${nsd!.address} but not at ${second.address}`);
        expect(r.dnssec?.secure).toBe(false);
        expect(of(r, 'tlsa')).toEqual([]);
      } finally {
        await second.stop();
      }
    });

    it('signatures that expire within 3 days: a warning; the zone is still secure', async () => {
      const soon = String(Math.floor(Date.now() / 1000) + 86_400);
      const zones = zonesNow();
      zones['expired.example'] = signZone(zoneKeys['expired.example']!, childText(A.expired), { expiration: soon });
      await serve(zones, baseDs());
      try {
        const r = await doctor(A.expired, cert);
        expect(of(r, 'dnssec').map((c) => [c.status, c.summary])).toEqual([['warn', expect.stringMatching(/^the signatures of expired\.example expire on \S+ \(.*\), in less than 3 days$/)]]);
        expect(r.dnssec).toEqual({ signed: true, secure: true });
      } finally {
        await serve(zonesNow(), baseDs());
      }
    });

    it('check dns --wait awaits the TLSA in the signed zone only', async () => {
      const opts = { nameservers: [nsd!.address], dkimPublicKeyPem: keys.main, timeoutMs: 8000, queryTimeoutMs: 500, retries: 1, tlsCertificate: cert };
      const signed = await recordsByServer({ ...opts, answers: A.signed });
      expect(signed.records.filter((x) => x.expected.type === 'TLSA').map((x) => [x.expected.name, x.expected.value, x.servers.map((v) => v.state)])).toEqual([
        ['_25._tcp.mail.signed.example', tlsaValue(cert.pem), ['missing']],
      ]);
      const plain = await recordsByServer({ ...opts, answers: A.plain });
      expect(plain.records.some((x) => x.expected.type === 'TLSA')).toBe(false);
    });

    it('the TLSA name is _25._tcp.<host>', () => {
      expect(tlsaName('Mail.Example.ORG.')).toBe('_25._tcp.mail.example.org');
    });
  });
});
