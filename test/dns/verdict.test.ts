/**
 * The verdict's DNS and its report, with the real parts: messages signed with mailauth's own
 * signer, judged by mailauth's authenticate(), every DNS question answered by a real NSD (or by a
 * server that never answers), and the finding the admin reads. One zone per case.
 */
import { generateKeyPairSync } from 'node:crypto';
import { authenticate, dkimSign } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeMessage } from '../../src/delivery/verdict-auth.js';
import { AuthoritativeResolver } from '../../src/delivery/verdict-dns.js';
import { fromAddressError, verdictMessage } from '../../src/delivery/verdict.js';
import { receiverLine, verdictFinding, type AuthOutcome, type Evaluation } from '../../src/delivery/verdict-report.js';
import { zoneLine } from '../../src/dns/zone-export.js';
import { fakeServer, type FakeServer } from './fake-servers.js';
import { startNsd, type Nsd, type Zone } from './nsd.js';
import { describeWithNsd } from './with-nsd.js';

const IPV4 = '192.0.2.25';
const IPV6 = '2001:db8::25';
const SELECTOR = 'mw';

const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const signing = rsa(2048);
const other = rsa(2048);
const short = rsa(512);
const dkimValue = (key: ReturnType<typeof rsa>) => `v=DKIM1; k=rsa; p=${key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

function zone(domain: string, records: { spf?: string; dkim?: string; dmarc?: string; extra?: string[] }): Zone {
  const txt = (name: string, value: string) => zoneLine({ name, type: 'TXT', value, ttl: 300 });
  return {
    name: domain,
    text: [
      '$TTL 300',
      `@ IN SOA ns1.${domain}. hostmaster.${domain}. 1 3600 900 604800 120`,
      '@ NS ns1',
      'ns1 A 127.0.0.1',
      `mail A ${IPV4}`,
      ...(records.spf ? [txt(domain, records.spf)] : []),
      ...(records.dkim ? [txt(`${SELECTOR}._domainkey.${domain}`, records.dkim)] : []),
      ...(records.dmarc ? [txt(`_dmarc.${domain}`, records.dmarc)] : []),
      ...(records.extra ?? []),
    ].join('\n'),
  };
}

const BOTH = `v=spf1 ip4:${IPV4} ip6:${IPV6} -all`;
const DMARC = 'v=DMARC1; p=reject';
/** A name that is a CNAME into another zone (records.example, on another server). */
const ALIAS = zone('alias.example', { extra: ['spf CNAME spf.records.example.'] });
const ZONES: Zone[] = [
  zone('good.example', { spf: BOTH, dkim: dkimValue(signing), dmarc: DMARC }),
  zone('v4only.example', { spf: `v=spf1 ip4:${IPV4} -all`, dkim: dkimValue(signing), dmarc: DMARC }),
  zone('nospf.example', { dkim: dkimValue(signing), dmarc: DMARC }),
  zone('nodmarc.example', { spf: BOTH, dkim: dkimValue(signing) }),
  zone('nokey.example', { spf: BOTH, dmarc: DMARC }),
  zone('otherkey.example', { spf: BOTH, dkim: dkimValue(other), dmarc: DMARC }),
  zone('shortkey.example', { spf: BOTH, dkim: dkimValue(short), dmarc: DMARC }),
  zone('broken.example', { spf: 'v=spf1 ip4:198.51.100.99 -all', dkim: dkimValue(other), dmarc: DMARC }),
  zone('strict.example', { spf: BOTH, dkim: dkimValue(signing), dmarc: 'v=DMARC1; p=reject; adkim=s; aspf=s' }),
  zone('halfstrict.example', { spf: BOTH, dkim: dkimValue(signing), dmarc: 'v=DMARC1; p=reject; aspf=s' }),
  zone('records.example', { extra: [zoneLine({ name: 'spf.records.example', type: 'TXT', value: BOTH, ttl: 300 })] }),
];

async function signed(domain: string, opts: { from?: string; sign?: boolean; tamper?: boolean } = {}): Promise<string> {
  const message = verdictMessage({ from: opts.from ?? `postmaster@${domain}`, to: `alice@${domain}`, hostname: `mail.${domain}`, token: 'unit', date: new Date() });
  if (opts.sign === false) return message;
  const { signatures, errors } = await dkimSign(message, { signatureData: [{ signingDomain: domain, selector: SELECTOR, privateKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }) }] } as never); // index.d.ts wants the fields at the top; the signer reads signatureData (README)
  expect(errors).toEqual([]);
  const out = signatures + message;
  return opts.tamper ? out.replace('It can be deleted.', 'It can be deleted. (changed on the way)') : out;
}

describeWithNsd('the verdict, judged by mailauth with NSD answering', () => {
  let nsd: Nsd;
  let silent: FakeServer;
  beforeAll(async () => {
    [nsd, silent] = await Promise.all([startNsd(ZONES), fakeServer(() => undefined)]);
  });
  afterAll(async () => {
    await Promise.all([nsd?.stop(), silent?.close()]);
  });

  // generous for NSD on a busy machine; short for the server that never answers (waiting proves nothing there)
  const resolverAt = (server: { host: string; port: number }) =>
    new AuthoritativeResolver({ given: [server], resolvers: [], query: server === silent ? { timeoutMs: 200, retries: 1 } : { timeoutMs: 3000, retries: 2 } });

  async function judge(domain: string, message: string, opts: { ips?: string[]; from?: string; server?: { host: string; port: number } } = {}) {
    const resolver = resolverAt(opts.server ?? nsd);
    const evaluations: Evaluation[] = [];
    for (const ip of opts.ips ?? [IPV4, IPV6]) {
      const outcome = await judgeMessage(message, { sender: `postmaster@${domain}`, ip, helo: `mail.${domain}`, mta: 'unit.test' }, resolver.resolve);
      evaluations.push({ ip, outcome });
    }
    return verdictFinding(evaluations, { domain, hostname: `mail.${domain}`, envelope: `postmaster@${domain}`, from: opts.from ?? `postmaster@${domain}` }, resolver.lookups.map((l) => `${l.type} ${l.name}: ${l.said}`));
  }

  it('everything published: one line for both addresses, no fix', async () => {
    const r = await judge('good.example', await signed('good.example'));
    expect(r.status).toBe('pass');
    expect(r.summary).toBe(`a receiver would add: spf=pass dkim=pass dmarc=pass (from ${IPV4}, ${IPV6})`);
    expect(r.fix).toBeUndefined();
  });

  it('SPF that names only the IPv4 address: the IPv6 line differs and only it is blamed', async () => {
    const r = await judge('v4only.example', await signed('v4only.example'));
    expect(r.status).toBe('fail');
    expect(r.summary).toBe(`a receiver would add: spf=pass dkim=pass dmarc=pass (from ${IPV4}); spf=fail dkim=pass dmarc=pass (from ${IPV6}); failing: SPF`);
    expect(r.evidence).toContain(`SPF: spf=fail: the SPF record of v4only.example does not authorize ${IPV6} (the record: "v=spf1 ip4:${IPV4} -all")`);
    expect(r.evidence).not.toContain(`does not authorize ${IPV4}`);
    expect(r.fix).toContain(`add ip6:${IPV6}`);
  });

  it('no SPF record at all', async () => {
    const r = await judge('nospf.example', await signed('nospf.example'), { ips: [IPV4] });
    expect(r.lines.map((l) => l.spf)).toEqual(['none']);
    expect(r.evidence).toContain(`SPF: nospf.example publishes no SPF record, so nothing authorizes ${IPV4}`);
    expect(r.summary).toMatch(/failing: SPF$/);
  });

  it('a CNAME into a zone of another server is followed, as a recursive resolver would', async () => {
    // this server has alias.example only: it answers with the CNAME and nothing else
    const aliasOnly = await startNsd([ALIAS]);
    try {
      const resolver = new AuthoritativeResolver({ given: [aliasOnly, nsd], resolvers: [], query: { timeoutMs: 3000, retries: 2 } });
      expect(await resolver.resolve('spf.alias.example', 'TXT')).toEqual([[BOTH]]);
      expect(resolver.lookups.map((l) => `${l.name} at ${l.server}: ${l.said}`)).toEqual([
        `spf.alias.example at ${aliasOnly.address}: 1 record(s)`,
        `spf.records.example at ${nsd.address}: 1 record(s)`,
      ]);
    } finally {
      await aliasOnly.stop();
    }
  });

  it('an unsigned message: DKIM says rspamd did not sign, and DMARC passes on SPF alone', async () => {
    const r = await judge('good.example', await signed('good.example', { sign: false }), { ips: [IPV4] });
    expect(r.lines).toEqual([{ ip: IPV4, spf: 'pass', dkim: 'none', dmarc: 'pass' }]);
    expect(r.evidence).toContain('DKIM: the message carries no DKIM signature: rspamd did not sign it');
    expect(r.summary).toMatch(/failing: DKIM$/);
  });

  it('no key published, another key published, a key too short', async () => {
    const none = await judge('nokey.example', await signed('nokey.example'), { ips: [IPV4] });
    expect(none.lines[0]!.dkim).toBe('neutral');
    expect(none.evidence).toContain(`no key is published at ${SELECTOR}._domainkey.nokey.example`);
    const wrong = await judge('otherkey.example', await signed('otherkey.example'), { ips: [IPV4] });
    expect(wrong.lines[0]!.dkim).toBe('fail');
    expect(wrong.evidence).toContain(`does not verify with the key published at ${SELECTOR}._domainkey.otherkey.example: that key is not the one rspamd signs with`);
    expect(wrong.fix).toContain(`DKIM: publish at ${SELECTOR}._domainkey.otherkey.example the DKIM record`);
    const weak = await judge('shortkey.example', await signed('shortkey.example'), { ips: [IPV4] });
    expect(weak.lines[0]!.dkim).toBe('policy');
    expect(weak.evidence).toContain('is too short');
  });

  it('a body changed after signing is told apart from a wrong key', async () => {
    const r = await judge('good.example', await signed('good.example', { tamper: true }), { ips: [IPV4] });
    expect(r.lines[0]!.dkim).toBe('neutral');
    expect(r.evidence).toContain('does not match the body: something changed the message after rspamd signed it');
  });

  it('no DMARC record: dmarc=none fails, and the fix is the record, not the From', async () => {
    const r = await judge('nodmarc.example', await signed('nodmarc.example'), { ips: [IPV4] });
    expect(r.lines[0]!.dmarc).toBe('none');
    expect(r.evidence).toContain('DMARC: nodmarc.example (the From domain) publishes no DMARC record at _dmarc.nodmarc.example');
    expect(r.fix).toBe('DMARC: publish at _dmarc.nodmarc.example the DMARC record `mail-wizard records` prints');
  });

  it('a From in another domain that has a policy: the alignment is named, and the fix is the From', async () => {
    // signed by good.example, From good.example's neighbour: SPF and DKIM pass, for the wrong domain
    const message = await signed('good.example', { from: 'someone@v4only.example' });
    const r = await judge('good.example', message, { ips: [IPV4], from: 'someone@v4only.example' });
    expect(r.lines).toEqual([{ ip: IPV4, spf: 'pass', dkim: 'pass', dmarc: 'fail' }]);
    expect(r.summary).toMatch(/failing: DMARC$/);
    expect(r.evidence).toContain('DMARC: dmarc=fail: the From domain v4only.example does not align with a domain that passed (SPF passed for good.example; DKIM passed for good.example)');
    expect(r.fix).toBe('DMARC: send as an address @good.example: this server is authorized (SPF) and signs (DKIM) for good.example only');
  });

  it('SPF and DKIM both failing: DMARC fails because of them, and its fix points back at them', async () => {
    const r = await judge('broken.example', await signed('broken.example'), { ips: [IPV4] });
    expect(r.lines).toEqual([{ ip: IPV4, spf: 'fail', dkim: 'fail', dmarc: 'fail' }]);
    expect(r.summary).toMatch(/failing: SPF, DKIM, DMARC$/);
    expect(r.evidence).toContain('DMARC: dmarc=fail: neither SPF nor DKIM passed aligned with the From domain broken.example (SPF did not pass for broken.example; DKIM passed for no domain)');
    expect(r.fix).toContain('DMARC: fix SPF or DKIM as said above');
  });

  it('strict alignment (adkim=s; aspf=s): a From in a subdomain does not align, though relaxed would (mailauth 4 alone says pass)', async () => {
    const from = 'news@letters.strict.example';
    const r = await judge('strict.example', await signed('strict.example', { from }), { ips: [IPV4], from });
    expect(r.lines).toEqual([{ ip: IPV4, spf: 'pass', dkim: 'pass', dmarc: 'fail' }]);
    expect(r.evidence).toContain('DMARC: dmarc=fail: the From domain letters.strict.example does not align with a domain that passed (SPF passed for strict.example; DKIM passed for strict.example)');
    // what authenticate() says of the same message: the organizational-domain fallback
    const theirs = await authenticate(await signed('strict.example', { from }), { sender: 'postmaster@strict.example', ip: IPV4, helo: 'mail.strict.example', mta: 'unit.test', resolver: resolverAt(nsd).resolve as never, disableArc: true, disableBimi: true });
    expect(theirs.dmarc && theirs.dmarc.status.result).toBe('pass');
    // the same message from the organisation's own domain passes
    const own = await judge('strict.example', await signed('strict.example'), { ips: [IPV4] });
    expect(own.status).toBe('pass');
  });

  it('strict for SPF only (aspf=s): the relaxed DKIM identity still aligns a From in a subdomain', async () => {
    const from = 'news@letters.halfstrict.example';
    const r = await judge('halfstrict.example', await signed('halfstrict.example', { from }), { ips: [IPV4], from });
    expect(r.lines).toEqual([{ ip: IPV4, spf: 'pass', dkim: 'pass', dmarc: 'pass' }]);
  });

  it.each([
    ['good.example', {}],
    ['v4only.example', {}],
    ['nospf.example', {}],
    ['nodmarc.example', {}],
    ['nokey.example', {}],
    ['otherkey.example', {}],
    ['good.example', { sign: false }],
    ['good.example', { tamper: true }],
    ['good.example', { from: 'someone@v4only.example' }],
  ] as const)("the parts put together give the line mailauth's authenticate() gives: %s %j", async (domain, opts) => {
    const message = await signed(domain, opts);
    for (const ip of [IPV4, IPV6]) {
      const connection = { sender: `postmaster@${domain}`, ip, helo: `mail.${domain}`, mta: 'unit.test' };
      const ours = await judgeMessage(message, connection, resolverAt(nsd).resolve);
      const theirs = await authenticate(message, { ...connection, resolver: resolverAt(nsd).resolve as never, disableArc: true, disableBimi: true });
      expect(receiverLine({ ip, outcome: ours })).toEqual(receiverLine({ ip, outcome: theirs as unknown as AuthOutcome }));
    }
  });

  it('servers that never answer: not decided (warn), never a pass or a fail', async () => {
    const r = await judge('good.example', await signed('good.example'), { ips: [IPV4], server: silent });
    expect(r.lines).toEqual([{ ip: IPV4, spf: 'temperror', dkim: 'temperror', dmarc: 'temperror' }]);
    expect(r.status).toBe('warn');
    expect(r.summary).toMatch(/not decided: SPF, DKIM, DMARC$/);
    expect(r.evidence).toContain('no reply after 2 attempt(s)');
  });
});

describeWithNsd('the resolver mailauth is given', () => {
  let nsd: Nsd;
  beforeAll(async () => {
    nsd = await startNsd([zone('shapes.example', { spf: BOTH, dkim: dkimValue(signing), extra: ['@ MX 10 mail', '@ MX 20 mx2.records.example.', `mail AAAA ${IPV6}`] })]);
  });
  afterAll(async () => nsd?.stop());

  const resolver = () => new AuthoritativeResolver({ given: [nsd], resolvers: [], query: { timeoutMs: 3000, retries: 2 } });

  it("answers in dns.promises.resolve's shapes", async () => {
    const r = resolver();
    expect(await r.resolve('shapes.example', 'TXT')).toEqual([[BOTH]]);
    // a 2048-bit key is several strings of one record: kept apart, as Node gives them
    const dkim = (await r.resolve(`${SELECTOR}._domainkey.shapes.example`, 'TXT')) as string[][];
    expect(dkim).toHaveLength(1);
    expect(dkim[0]!.length).toBeGreaterThan(1);
    expect(dkim[0]!.join('')).toBe(dkimValue(signing));
    expect(await r.resolve('mail.shapes.example', 'A')).toEqual([IPV4]);
    expect(await r.resolve('MAIL.shapes.example.', 'aaaa')).toEqual([IPV6]);
    const mx = (await r.resolve('shapes.example', 'MX')) as Array<{ exchange: string; priority: number }>;
    expect(mx.sort((a, b) => a.priority - b.priority)).toEqual([
      { exchange: 'mail.shapes.example', priority: 10 },
      { exchange: 'mx2.records.example', priority: 20 },
    ]);
  });

  it.each([
    ['nothing.shapes.example', 'TXT', 'ENOTFOUND'],
    ['mail.shapes.example', 'TXT', 'ENODATA'],
    ['shapes.example', 'SRV', 'ENOTIMP'],
  ])('%s %s → %s, as Node names it', async (name, type, code) => {
    await expect(resolver().resolve(name, type)).rejects.toMatchObject({ code });
  });

  it('without --nameserver: each zone found through the resolver, then asked at its own NS', async () => {
    // NSD serves the zone and stands in for the system resolver too (it answers for its zones)
    const r = new AuthoritativeResolver({ given: [], resolvers: [nsd], authPort: nsd.port, query: { timeoutMs: 3000, retries: 2 } });
    expect(await r.resolve('shapes.example', 'TXT')).toEqual([[BOTH]]);
    await expect(r.resolve('nothing.elsewhere.invalid', 'TXT')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    expect(r.lookups[0]).toEqual({ name: 'shapes.example', type: 'TXT', server: `ns1.shapes.example (${nsd.address})`, said: '1 record(s)' });
    expect(r.lookups[1]).toMatchObject({ name: 'nothing.elsewhere.invalid', type: 'TXT' });
    expect(r.lookups[1]!.said).toMatch(/^no authoritative server found: /);
  });

  it('keeps every question and what was said, for the evidence, and asks each once', async () => {
    const r = resolver();
    await r.resolve('shapes.example', 'TXT');
    await r.resolve('nothing.shapes.example', 'TXT').catch(() => undefined);
    // asked again (the second address's evaluation): answered from the first time, same outcome
    expect(await r.resolve('SHAPES.example.', 'txt')).toEqual([[BOTH]]);
    await expect(r.resolve('nothing.shapes.example', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(r.lookups).toEqual([
      { name: 'shapes.example', type: 'TXT', server: nsd.address, said: '1 record(s)' },
      { name: 'nothing.shapes.example', type: 'TXT', server: nsd.address, said: 'NXDOMAIN (the name does not exist)' },
    ]);
  });
});

describe('the From option', () => {
  it.each(['postmaster@example.org', 'first.last+tag@mail.example.org', "o'brien@example.co.uk"])('%s is an address', (v) => {
    expect(fromAddressError(v)).toBeNull();
  });
  it.each(['', 'example.org', 'a@b', '<a@example.org>', 'a b@example.org', 'a@example.org\r\nBcc: x@example.net', 'a@example.org\nX: y', 'a@-example.org', `${'a'.repeat(65)}@example.org`])(
    '%j is refused with a line naming it',
    (v) => {
      expect(fromAddressError(v)).toBe(`--from ${JSON.stringify(v)}: not an address of the form user@domain.example`);
    },
  );
});
