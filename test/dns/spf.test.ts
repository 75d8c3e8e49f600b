/** SPF: the parser (table-driven, real-world records included), the lookup count, the evaluator. */
import { describe, expect, it } from 'vitest';
import { countSpfLookups, evaluateSpf, isSpfRecord, parseSpf, type SpfDns } from '../../src/dns/spf.js';

type Want = 'pass' | 'warn' | 'fail';

function statusOf(value: string): Want {
  const p = parseSpf(value).problems;
  if (p.some((x) => x.severity === 'fail')) return 'fail';
  return p.length ? 'warn' : 'pass';
}

describe('parseSpf', () => {
  it.each<[string, Want, string?]>([
    // real-world records
    ['v=spf1 include:_spf.google.com ~all', 'pass'],
    ['v=spf1 include:spf.protection.outlook.com -all', 'pass'],
    ['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx include:mailgun.org ~all', 'pass'],
    ['v=spf1 redirect=_spf.facebook.com', 'pass'],
    ['v=spf1 -all', 'pass'],
    ['v=spf1 mx -all', 'pass'],
    ['v=spf1 a -all', 'pass'],
    ['V=SPF1 MX -ALL', 'pass'],
    ['v=spf1  mx   -all ', 'pass'],
    ['v=spf1 a:mail.example.org/24 mx:example.org//64 a/24//48 -all', 'pass'],
    ['v=spf1 exists:%{i}._spf.example.org -all', 'pass'],
    ['v=spf1 mx -all exp=explain.example.org', 'pass'],
    ['v=spf1 mx unknown-mod=whatever -all', 'pass'],
    // mistakes
    ['"v=spf1 mx -all"', 'fail', 'literal quote characters'],
    ['v=spf1 mx +all', 'fail', '"+all"'],
    ['v=spf1 all', 'fail', '"+all"'],
    ['v=spf1 mx ?all', 'warn', '"?all"'],
    ['v=spf1 mx', 'warn', 'no "all"'],
    ['v=spf1 ip4:192.0.2.300 -all', 'fail', '"ip4:192.0.2.300" is not a valid IPv4'],
    ['v=spf1 ip4:192.0.2.1/33 -all', 'fail', 'not a valid IPv4'],
    ['v=spf1 ip6:2001:db8::/129 -all', 'fail', 'not a valid IPv6'],
    ['v=spf1 ip6:192.0.2.1 -all', 'fail', 'not a valid IPv6'],
    ['v=spf1 mx foo -all', 'fail', '"foo" is not an SPF mechanism'],
    ['v=spf1 mx ~al', 'fail', '"~al" is not an SPF mechanism'],
    ['v=spf1 include: -all', 'fail', 'the domain is empty'],
    ['v=spf1 include -all', 'fail', 'include needs ":domain"'],
    ['v=spf1 include:example -all', 'fail', 'not a domain name with a dot'],
    ['v=spf1 include:example.123 -all', 'fail', 'not a top-level label'],
    ['v=spf1 a:mail.example.org/40 -all', 'fail', 'is not valid'],
    ['v=spf1 redirect=a.example.org redirect=b.example.org', 'fail', 'two redirect='],
    ['v=spf1 ptr -all', 'warn', '"ptr"'],
    ['v=spf1 -all mx', 'warn', 'comes after "all"'],
    ['v=spf1 mx -all redirect=x.example.org', 'warn', 'redirect= is ignored'],
    ['v=spf1 all:foo.example', 'fail', 'takes no argument'],
    ['v=spf1 include:a.example.org include:b.example.org include:c.example.org include:d.example.org include:e.example.org include:f.example.org mx a ptr exists:g.example.org redirect=h.example.org', 'fail', '11 terms that cost DNS lookups'],
    ['v=spf1\tmx -all', 'fail', 'does not start with'],
    ['v=spf10 mx -all', 'fail', 'does not start with'],
    ['spf1 mx -all', 'fail', 'does not start with'],
  ])('%s → %s', (value, want, words) => {
    expect(statusOf(value)).toBe(want);
    if (words) expect(parseSpf(value).problems.map((p) => p.message).join('\n')).toContain(words);
  });

  it('counts only the terms that cost lookups', () => {
    expect(parseSpf('v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 mx a include:x.example.org exists:y.example.org ptr redirect=z.example.org').lookupTerms).toBe(6);
  });

  it.each([
    ['v=spf1', true],
    ['v=spf1 -all', true],
    ['V=SPF1 -all', true],
    ['v=spf1-all', false],
    ['"v=spf1 -all"', false],
    ['v=DKIM1; p=', false],
  ])('isSpfRecord(%s) = %s', (v, want) => expect(isSpfRecord(v)).toBe(want));
});

/** A table of DNS data behind the SpfDns interface (the parser is pure; this is its input). */
function tableDns(t: Record<string, string[] | 'error'>): SpfDns {
  const get = (key: string): string[] | 'void' | 'error' => {
    const v = t[key];
    if (v === 'error') return 'error';
    return v === undefined || v.length === 0 ? 'void' : v;
  };
  return {
    txt: async (n) => get(`${n} TXT`),
    addresses: async (n, type) => get(`${n} ${type}`),
    mx: async (n) => get(`${n} MX`),
  };
}

const dns = tableDns({
  'example.org TXT': ['v=spf1 mx include:_spf.example.org -all', 'some other txt'],
  'example.org MX': ['mail.example.org'],
  'mail.example.org A': ['192.0.2.10'],
  'mail.example.org AAAA': ['2001:db8::10'],
  '_spf.example.org TXT': ['v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:1::/48 ~all'],
  'soft.example TXT': ['v=spf1 ~all'],
  'redir.example TXT': ['v=spf1 redirect=example.org'],
  'noinc.example TXT': ['v=spf1 include:nothing.example -all'],
  'void.example TXT': ['v=spf1 a:v1.example a:v2.example a:v3.example -all'],
  'two.example TXT': ['v=spf1 -all', 'v=spf1 mx -all'],
  'temp.example TXT': ['v=spf1 a:broken.example -all'],
  'broken.example A': 'error',
  'deep.example TXT': ['v=spf1 include:d1.example -all'],
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`d${i + 1}.example TXT`, [`v=spf1 include:d${i + 2}.example -all`]])),
  'd13.example TXT': ['v=spf1 ip4:192.0.2.10 -all'],
  'macro.example TXT': ['v=spf1 exists:%{i}.x.example -all'],
});

describe('evaluateSpf (check_host)', () => {
  it.each([
    ['192.0.2.10', 'example.org', 'pass', 'mx'],
    ['2001:db8::10', 'example.org', 'pass', 'mx'],
    ['198.51.100.77', 'example.org', 'pass', 'include:_spf.example.org'],
    ['2001:db8:1::5', 'example.org', 'pass', 'include:_spf.example.org'],
    // the include ends in ~all: not a pass, so not a match; the outer -all decides
    ['203.0.113.1', 'example.org', 'fail', '-all'],
    ['203.0.113.1', 'soft.example', 'softfail', '~all'],
    ['192.0.2.10', 'redir.example', 'pass', 'mx'],
    ['192.0.2.10', 'noinc.example', 'permerror', 'no SPF record'],
    ['192.0.2.10', 'void.example', 'permerror', 'found nothing'],
    ['192.0.2.10', 'two.example', 'permerror', '2 SPF records'],
    ['192.0.2.10', 'temp.example', 'temperror', 'no answer'],
    ['192.0.2.10', 'deep.example', 'permerror', 'more than 10 DNS lookups'],
    ['192.0.2.10', 'nothing.example', 'none', 'no SPF record'],
    ['192.0.2.10', 'macro.example', 'neutral', 'macros'],
  ])('%s sending as %s → %s', async (ip, domain, result, words) => {
    const ev = await evaluateSpf(ip, domain, dns);
    expect(ev.result).toBe(result);
    expect(ev.reason).toContain(words);
  });
});

describe('countSpfLookups', () => {
  it('follows includes and says where the lookups come from', async () => {
    const c = await countSpfLookups('v=spf1 mx include:_spf.example.org -all', dns);
    expect(c.lookups).toBe(2);
    expect(c.tree).toEqual(['_spf.example.org (+0)']);
  });

  it('deep include chains go over the limit', async () => {
    const c = await countSpfLookups('v=spf1 include:d1.example -all', dns);
    expect(c.lookups).toBeGreaterThan(10);
    expect(c.problems.map((p) => p.message)).toContain('includes nest deeper than 10');
  });

  it('an include without SPF is a problem', async () => {
    const c = await countSpfLookups('v=spf1 include:nothing.example -all', dns);
    expect(c.problems.map((p) => p.message)).toEqual(['nothing.example has no SPF record: including it is a permerror']);
  });
});
