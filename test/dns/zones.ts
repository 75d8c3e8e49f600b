/**
 * Test zones: a correct zone made from our own `records` output (so the zone lines are proven to
 * load in NSD), and one zone per known mistake. Documentation addresses only (192.0.2.0/24,
 * 2001:db8::/32) and reserved names (example.org, *.example).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Answers } from '../../src/answers/schema.js';
import { expectedRecords, reverseName } from '../../src/dns/expected.js';
import { zoneLine } from '../../src/dns/zone-export.js';
import type { Zone } from './nsd.js';

export interface Keys {
  main: string;
  other: string;
  k1024: string;
  k512: string;
}

function rsaPublicPem(bits: number): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function makeKeys(): Keys {
  return { main: rsaPublicPem(2048), other: rsaPublicPem(2048), k1024: rsaPublicPem(1024), k512: rsaPublicPem(512) };
}

export function answersFor(domain: string, last: number, extra: Partial<Answers> = {}): Answers {
  return {
    domain,
    hostname: `mail.${domain}`,
    ipv4: `192.0.2.${last}`,
    users: ['alice'],
    postmaster: 'alice',
    dkimSelector: 'mw',
    dmarcPolicy: 'quarantine',
    dmarcReports: `dmarc@${domain}`,
    tls: { mode: 'acme' },
    ...extra,
  };
}

function header(domain: string, serial: number): string[] {
  return [
    '$TTL 300',
    `@ IN SOA ns1.${domain}. hostmaster.${domain}. ${serial} 3600 900 604800 120`,
    '@ NS ns1',
    '@ NS ns2',
    'ns1 A 127.0.0.1',
    'ns2 A 127.0.0.1',
  ];
}

/** The records `mail-wizard records` prints for the zone, as zone lines. */
export function goodLines(a: Answers, pem: string): string[] {
  return expectedRecords(a, pem, 300)
    .filter((r) => r.where === 'zone')
    .map(zoneLine);
}

interface Edit {
  /** Drop lines whose owner starts with one of these names (absolute, with the dot). */
  drop?: string[];
  add?: string[];
  serial?: number;
}

export function zoneFor(a: Answers, pem: string, edit: Edit = {}): Zone {
  const lines = goodLines(a, pem).filter((l) => !(edit.drop ?? []).some((d) => l.startsWith(`${d}\t`)));
  return { name: a.domain, text: [...header(a.domain, edit.serial ?? 1), ...lines, ...(edit.add ?? [])].join('\n') };
}

export interface Scenario {
  answers: Answers;
  zone?: Zone;
}

/** Every forward zone and the answers that go with it. */
export function scenarios(keys: Keys): Record<string, Scenario> {
  const s: Record<string, Scenario> = {};
  const add = (key: string, a: Answers, edit?: Edit | null): void => {
    s[key] = edit === null ? { answers: a } : { answers: a, zone: zoneFor(a, keys.main, edit) };
  };

  const good = answersFor('example.org', 10, { ipv6: '2001:db8::10' });
  add('good', good, { add: ['@ CAA 0 issue "letsencrypt.org"'] });

  // The story: SPF, DKIM, DMARC (and MX) on the host name instead of the domain.
  const mis = answersFor('misplaced.example', 11);
  add('misplaced', mis, {
    drop: ['misplaced.example.', 'mail.misplaced.example.', 'mw._domainkey.misplaced.example.', '_dmarc.misplaced.example.'],
    add: [
      'mail A 192.0.2.11',
      'mail MX 10 mail',
      'mail TXT "v=spf1 ip4:192.0.2.11 -all"',
      `mw._domainkey.mail ${goodLines(mis, keys.main).find((l) => l.startsWith('mw._domainkey'))?.split('\t').slice(1).join(' ')}`,
      '_dmarc.mail TXT "v=DMARC1; p=quarantine; pct=100; rua=mailto:postmaster@mail.misplaced.example"',
    ],
  });

  const wc = answersFor('wildcard.example', 12);
  add('wildcard', wc, { add: ['@ A 192.0.2.12', '* CNAME wildcard.example.'] });

  const mxip = answersFor('mxip.example', 13);
  add('mxip', mxip, { drop: ['mxip.example.'], add: ['@ MX 10 192.0.2.13', '@ TXT "v=spf1 ip4:192.0.2.13 -all"'] });

  const mxcname = answersFor('mxcname.example', 14);
  add('mxcname', mxcname, { drop: ['mxcname.example.'], add: ['@ MX 10 mx', 'mx CNAME mail', '@ TXT "v=spf1 ip4:192.0.2.14 -all"'] });

  const mxnoaddr = answersFor('mxnoaddr.example', 15);
  add('mxnoaddr', mxnoaddr, { drop: ['mail.mxnoaddr.example.'], add: ['mail TXT "v=spf1 ip4:192.0.2.15 -all"'] });

  const q = answersFor('spfquotes.example', 16);
  add('spfquotes', q, { drop: ['spfquotes.example.'], add: ['@ MX 10 mail', '@ TXT "\\"v=spf1 mx -all\\""'] });

  const two = answersFor('spftwo.example', 17);
  add('spftwo', two, { add: ['@ TXT "v=spf1 ip4:192.0.2.17 -all"'] });

  const syn = answersFor('spfsyntax.example', 18);
  add('spfsyntax', syn, { drop: ['spfsyntax.example.'], add: ['@ MX 10 mail', '@ TXT "v=spf1 mx ip4:192.0.2.300 foo -all"'] });

  const many = answersFor('spflookups.example', 19);
  add('spflookups', many, {
    drop: ['spflookups.example.'],
    add: [
      '@ MX 10 mail',
      '@ TXT "v=spf1 mx include:_a.spflookups.example -all"',
      '_a TXT "v=spf1 include:_b.spflookups.example a:x1.spflookups.example a:x2.spflookups.example a:x3.spflookups.example -all"',
      '_b TXT "v=spf1 a:y1.spflookups.example a:y2.spflookups.example a:y3.spflookups.example a:y4.spflookups.example a:y5.spflookups.example a:y6.spflookups.example -all"',
    ],
  });

  const plus = answersFor('plusall.example', 20);
  add('plusall', plus, { drop: ['plusall.example.'], add: ['@ MX 10 mail', '@ TXT "v=spf1 mx +all"'] });

  // DKIM: one zone, one selector per case.
  const dk = answersFor('dkim.example', 21);
  const dkimTxt = (pem: string): string => goodLines({ ...dk }, pem).find((l) => l.startsWith('mw._domainkey'))?.split('\t').slice(3).join(' ') ?? '';
  add('dkim', dk, {
    add: [
      // cut off when pasted: not even base64
      'broken._domainkey TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq1w"',
      // base64, but not a key
      'garbled._domainkey TXT "v=DKIM1; k=rsa; p=SGVsbG8sIHRoaXMgaXMgbm90IGEga2V5IGF0IGFsbA=="',
      `k1024._domainkey ${dkimTxt(keys.k1024)}`,
      `k512._domainkey ${dkimTxt(keys.k512)}`,
      `other._domainkey ${dkimTxt(keys.other)}`,
      `quoted._domainkey TXT "\\"v=DKIM1; k=rsa; p=${keys.main.replace(/-----[^-]+-----|\s/g, '').slice(0, 200)}\\""`,
    ],
  });

  add('dmarcmissing', answersFor('dmarcmissing.example', 22), { drop: ['_dmarc.dmarcmissing.example.'] });
  add('dmarcbadv', answersFor('dmarcbadv.example', 23), { drop: ['_dmarc.dmarcbadv.example.'], add: ['_dmarc TXT "p=quarantine; v=DMARC1"'] });
  add('dmarcbadp', answersFor('dmarcbadp.example', 24), { drop: ['_dmarc.dmarcbadp.example.'], add: ['_dmarc TXT "v=DMARC1; p=rejected"'] });
  add('dmarcpct', answersFor('dmarcpct.example', 25), {
    drop: ['_dmarc.dmarcpct.example.'],
    add: ['_dmarc TXT "v=DMARC1; p=quarantine; pct=50; rf=afrf; rua=mailto:dmarc@dmarcpct.example"'],
  });

  add('ptrmissing', answersFor('ptrmissing.example', 30));
  add('ptrwrong', answersFor('ptrwrong.example', 31));
  const noback = answersFor('ptrnoback.example', 32);
  add('ptrnoback', noback, { drop: ['mail.ptrnoback.example.'], add: ['mail A 192.0.2.99', 'mail TXT "v=spf1 a -all"'] });

  // typed in full into a panel that appends the zone: the domain twice
  const dbl = answersFor('doubled.example', 34);
  add('doubled', dbl, {
    drop: ['mw._domainkey.doubled.example.', '_dmarc.doubled.example.'],
    add: [
      `mw._domainkey.doubled.example ${goodLines(dbl, keys.main).find((l) => l.startsWith('mw._domainkey'))?.split('\t').slice(1).join(' ')}`,
      '_dmarc.doubled.example TXT "v=DMARC1; p=quarantine"',
    ],
  });

  add('extras', answersFor('extras.example', 33), {
    drop: ['_mta-sts.extras.example.', '_smtp._tls.extras.example.'],
    add: ['@ CAA 0 issue "digicert.com"', '_mta-sts TXT "v=STSv1; id=not valid!"', '_smtp._tls TXT "v=TLSRPTv1; rua=tlsrpt@extras.example"'],
  });
  // The new records of issue 16, each with a usual mistake.
  const mix = answersFor('mix.example', 35, { mtaSts: 'enforce' });
  add('mix', mix, {
    drop: ['_imaps._tcp.mix.example.', '_submission._tcp.mix.example.', '_pop3._tcp.mix.example.', '_mta-sts.mix.example.', '_smtp._tls.mix.example.', 'autoconfig.mix.example.'],
    add: [
      '_imaps._tcp SRV 0 1 143 mail',
      '_submission._tcp SRV 10 1 587 smtp.mix.example.',
      '_mta-sts TXT "v=STSv1; id=20240101T000000"',
      '_smtp._tls.mail TXT "v=TLSRPTv1; rua=mailto:tlsrpt@mix.example"',
    ],
  });
  // The web names reached another way: a CNAME to another name of this server, and its own A only
  // (the zone has IPv6 too, so the missing AAAA is a warning).
  const web = answersFor('webnames.example', 36, { ipv6: '2001:db8::36' });
  add('webnames', web, {
    drop: ['mta-sts.webnames.example.', 'autoconfig.webnames.example.'],
    add: ['www A 192.0.2.36', 'mta-sts CNAME www', 'autoconfig A 192.0.2.36'],
  });
  // The host name is the domain itself: the web names are CNAMEs to the apex, the SRV targets the apex.
  add('apex', answersFor('apex.example', 37, { hostname: 'apex.example' }));
  return s;
}

/** PTRs for every scenario except the PTR mistakes, which get their own wrong or missing entries. */
export function reverseZones(all: Record<string, Scenario>): Zone[] {
  const v4: string[] = ['$TTL 300', '@ IN SOA ns1.example.org. hostmaster.example.org. 1 3600 900 604800 120', '@ NS ns1.example.org.'];
  const v6: string[] = [...v4];
  for (const [key, sc] of Object.entries(all)) {
    const a = sc.answers;
    if (key === 'ptrmissing') continue;
    const target = key === 'ptrwrong' ? 'other.example.net.' : `${a.hostname}.`;
    v4.push(`${reverseName(a.ipv4)}. PTR ${target}`);
    if (a.ipv6) v6.push(`${reverseName(a.ipv6)}. PTR ${target}`);
  }
  return [
    { name: '2.0.192.in-addr.arpa', text: v4.join('\n') },
    { name: '8.b.d.0.1.0.0.2.ip6.arpa', text: v6.join('\n') },
  ];
}
