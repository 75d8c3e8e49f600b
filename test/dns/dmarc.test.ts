/** DMARC per RFC 9989: table-driven, real-world records included (old ones with pct/rf/ri). */
import { describe, expect, it } from 'vitest';
import { externalReportDomains, isDmarcRecord, parseDmarc } from '../../src/dns/dmarc.js';

function status(value: string): string {
  const p = parseDmarc(value).problems;
  if (p.some((x) => x.severity === 'fail')) return 'fail';
  return p.length ? 'warn' : 'pass';
}

describe('parseDmarc', () => {
  it.each<[string, string, string?, string?]>([
    // real-world
    ['v=DMARC1; p=reject; rua=mailto:mailauth-reports@google.com', 'pass', undefined, 'reject'],
    ['v=DMARC1; p=none; sp=quarantine; rua=mailto:dmarc_agg@vali.email; fo=1', 'pass', undefined, 'none'],
    ['v=DMARC1;p=quarantine;adkim=s;aspf=r', 'pass', undefined, 'quarantine'],
    ['V=DMARC1; P=Reject', 'pass', undefined, 'reject'],
    ['v=DMARC1; p=reject; np=reject; psd=n; t=n', 'pass', undefined, 'reject'],
    ['v=DMARC1; p=reject; rua=mailto:a@example.org!10m,mailto:b@example.net', 'pass'],
    // RFC 9989 removals: warn, do not fail
    ['v=DMARC1; p=quarantine; pct=100; rua=mailto:postmaster@mail.domain.tld', 'warn', 'pct= was removed by RFC 9989', 'quarantine'],
    ['v=DMARC1; p=reject; rf=afrf; ri=86400', 'warn', 'rf= was removed'],
    // mistakes
    ['v=dmarc1; p=reject', 'fail', 'does not start with "v=DMARC1"'],
    ['p=reject; v=DMARC1', 'fail', 'does not start with "v=DMARC1"'],
    ['v=DMARC2; p=reject', 'fail', 'does not start with "v=DMARC1"'],
    ['"v=DMARC1; p=reject"', 'fail', 'literal quote characters'],
    ['v=DMARC1; p=rejected', 'fail', 'p=rejected is not a policy', 'none'],
    ['v=DMARC1', 'warn', 'no p= tag', 'none'],
    ['v=DMARC1; p=reject; t=y', 'warn', 'test mode'],
    ['v=DMARC1; p=reject; rua=dmarc@example.org', 'warn', 'is not a mailto: address'],
    ['v=DMARC1; p=reject; sp=bogus', 'warn', 'sp=bogus is not a policy'],
    ['v=DMARC1; p=reject; psd=y', 'warn', 'public suffix'],
    ['v=DMARC1; p=reject; adkim=x', 'warn', 'must be r or s'],
    ['v=DMARC1; p=reject; fo=2', 'warn', 'fo=2'],
    ['v=DMARC1; p=reject; foo=bar', 'warn', 'foo= is not a DMARC tag'],
    ['v=DMARC1; p=reject; p=none', 'warn', 'appears twice', 'reject'],
  ])('%s → %s', (value, want, words, policy) => {
    const r = parseDmarc(value);
    expect(status(value)).toBe(want);
    if (words) expect(r.problems.map((p) => p.message).join('\n')).toContain(words);
    if (policy) expect(r.effectivePolicy).toBe(policy);
  });

  it.each([
    ['v=DMARC1; p=none', true],
    ['v = DMARC1 ; p=none', true],
    ['v=DMARC1', true],
    ['v=DMARC10; p=none', false],
    ['v=dmarc1; p=none', false],
  ])('isDmarcRecord(%s) = %s', (v, want) => expect(isDmarcRecord(v)).toBe(want));

  it('report addresses in another organization need an authorization record', () => {
    const r = parseDmarc('v=DMARC1; p=reject; rua=mailto:d@example.org,mailto:x@reports.example.net; ruf=mailto:f@sub.example.org');
    expect(r.rua).toEqual(['d@example.org', 'x@reports.example.net']);
    expect(externalReportDomains(r, 'example.org')).toEqual(['reports.example.net']);
    expect(externalReportDomains(parseDmarc('v=DMARC1; p=none; rua=mailto:d@example.org'), 'mail.example.org')).toEqual([]);
  });
});
