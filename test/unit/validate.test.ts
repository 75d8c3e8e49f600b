import { describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { acmeDirectory } from '../../src/answers/schema.js';
import { validateAnswers } from '../../src/answers/validate.js';

const good = { ...DEMO_ANSWERS };

function errorsFor(patch: Record<string, unknown>): string[] {
  const result = validateAnswers({ ...good, ...patch });
  return result.ok ? [] : result.errors;
}

describe('answers validation', () => {
  it('accepts the demo answers and a minimal set', () => {
    expect(validateAnswers(good)).toEqual({ ok: true, answers: good });
    const minimal = { domain: 'example.net', hostname: 'example.net', ipv4: '198.51.100.7', users: ['carol'], postmaster: 'carol', dkimSelector: 's1', dmarcPolicy: 'none', tls: 'self-signed' };
    const result = validateAnswers(minimal);
    expect(result).toEqual({ ok: true, answers: { ...minimal, tls: { mode: 'self-signed' } } });
  });

  it('takes an ACME directory, and no directory means Let\'s Encrypt\'s production one', () => {
    const staging = 'https://acme-staging-v02.api.letsencrypt.org/directory';
    const result = validateAnswers({ ...good, tls: { mode: 'acme', directory: staging } });
    expect(result.ok && result.answers.tls).toEqual({ mode: 'acme', directory: staging });
    const pebble = validateAnswers({ ...good, tls: { mode: 'acme', directory: 'https://198.51.100.10:14000/dir' } });
    expect(pebble.ok && acmeDirectory(pebble.answers.tls)).toBe('https://198.51.100.10:14000/dir');
    const plain = validateAnswers({ ...good, tls: 'acme' });
    expect(plain.ok && plain.answers.tls).toEqual({ mode: 'acme' });
    expect(plain.ok && acmeDirectory(plain.answers.tls)).toBe('https://acme-v02.api.letsencrypt.org/directory');
  });

  it('normalizes a trailing dot and surrounding spaces', () => {
    const result = validateAnswers({ ...good, domain: ' example.org. ', hostname: 'mail.example.org.' });
    expect(result.ok && [result.answers.domain, result.answers.hostname]).toEqual(['example.org', 'mail.example.org']);
  });

  // [field, bad value, expected line]
  const bad: [string, unknown, string][] = [
    ['ipv4', '123.456.78.9', 'ipv4: "123.456.78.9" is not an IPv4 address'],
    ['ipv4', '192.0.2', 'ipv4: "192.0.2" is not an IPv4 address'],
    ['ipv4', '192.0.2.010', 'ipv4: "192.0.2.010" is not an IPv4 address'],
    ['ipv4', '127.0.0.1', 'ipv4: "127.0.0.1" is a loopback or unspecified address; give the public address'],
    ['ipv4', 12, 'ipv4: 12 must be a string'],
    ['ipv6', '2001:db8::zz', 'ipv6: "2001:db8::zz" is not an IPv6 address'],
    ['ipv6', '::1', 'ipv6: "::1" is a loopback or unspecified address; give the public address'],
    ['ipv6', 'fe80::1', 'ipv6: "fe80::1" is a link-local address; give the public address'],
    ['domain', 'example', 'domain: "example" is not a fully qualified name (it needs a dot, like example.org)'],
    ['domain', '123.456.78.9', 'domain: "123.456.78.9" is an IP address, not a name (for example mail.example.org)'],
    ['domain', 'exa_mple.org', 'domain: "exa_mple.org" has an invalid label "exa_mple" (letters, digits and inner hyphens only, at most 63)'],
    ['domain', 'example..org', 'domain: "example..org" has an empty label (two dots in a row?)'],
    ['domain', '-bad.org', 'domain: "-bad.org" has an invalid label "-bad" (letters, digits and inner hyphens only, at most 63)'],
    ['domain', 'Example.org', 'domain: "Example.org" must be lower case'],
    ['domain', `${'a'.repeat(64)}.org`, `domain: "${'a'.repeat(64)}.org" has an invalid label`],
    ['hostname', '192.0.2.25', 'hostname: "192.0.2.25" is an IP address, not a name (for example mail.example.org)'],
    ['hostname', 'mail.example.123', 'hostname: "mail.example.123" ends in a numeric label; top-level domains are never numeric'],
    ['users', [], 'users: [] must be a non-empty list of user names'],
    ['users', 'alice', 'users: "alice" must be a non-empty list of user names'],
    ['users', ['alice', 'Alice'], 'users: "Alice" is not a valid user name'],
    ['users', ['alice', 'alice'], 'users: "alice" is listed twice'],
    ['users', ['root'], 'users: "root" should not read mail'],
    ['postmaster', 'mallory', 'postmaster: "mallory" is neither one of the users nor an email address'],
    ['postmaster', 'pm@', 'postmaster: "pm@" is not an email address'],
    ['dkimSelector', 'bad selector', 'dkimSelector: "bad selector" is not a valid DKIM selector'],
    ['dmarcPolicy', 'strict', 'dmarcPolicy: "strict" is not a DMARC policy (none, quarantine or reject)'],
    ['dmarcReports', 'reports.example.org', 'dmarcReports: "reports.example.org" is not an email address (user@domain)'],
    ['dmarcReports', 'a b@example.org', 'dmarcReports: "a b@example.org" is not an email address (invalid part before @)'],
    ['tls', 'letsencrypt', 'tls: "letsencrypt" is not a TLS choice'],
    ['tls', { mode: 'existing', cert: 'cert.pem', key: '/etc/ssl/private/k.key' }, 'tls.cert: "cert.pem" must be an absolute path'],
    ['tls', 'existing', 'tls: "existing" needs the paths'],
    // Values that would become config syntax (aliases(5), smtpd.conf(5), dovecot.conf).
    ['postmaster', '|/tmp/x@example.org', 'postmaster: "|/tmp/x@example.org" cannot go into the aliases and smtpd tables'],
    ['postmaster', '/var/mail/x@example.org', 'postmaster: "/var/mail/x@example.org" cannot go into the aliases and smtpd tables'],
    ['postmaster', '-oQ@example.org', 'postmaster: "-oQ@example.org" cannot go into the aliases and smtpd tables'],
    ['postmaster', '"a b"@example.org', 'postmaster: "\\"a b\\"@example.org" is not an email address'],
    ['dmarcReports', 'rua{x}@example.org', 'dmarcReports: "rua{x}@example.org" cannot go into the aliases and smtpd tables'],
    ['tls', { mode: 'existing', cert: '/etc/ssl/a.pem"\nmatch from any for any action "outbound"', key: '/etc/ssl/private/k.key' }, 'tls.cert: "/etc/ssl/a.pem\\"\\nmatch'],
    ['tls', { mode: 'existing', cert: '/etc/ssl/a.pem', key: '/etc/ssl/private/my key.pem' }, 'tls.key: "/etc/ssl/private/my key.pem" cannot go into smtpd.conf and dovecot.conf'],
    ['tls', { mode: 'existing', cert: '/etc/ssl/%{home}.pem', key: '/etc/ssl/private/k.key' }, 'tls.cert: "/etc/ssl/%{home}.pem" cannot go into'],
    ['tls', { mode: 'existing', cert: '/etc/ssl/-x.pem', key: '/etc/ssl/private/k.key' }, 'tls.cert: "/etc/ssl/-x.pem" has a part starting with "-"'],
    ['hostName', 'mail.example.org', 'hostName: unknown field'],
    // The ACME directory: an https URL that can go into acme-client.conf's api url "…" and certbot's --server.
    ['tls', { mode: 'acme', directory: 'acme-staging-v02.api.letsencrypt.org/directory' }, 'tls.directory: "acme-staging-v02.api.letsencrypt.org/directory" is not a URL'],
    ['tls', { mode: 'acme', directory: 'http://acme.example/dir' }, 'tls.directory: "http://acme.example/dir" must be an https URL'],
    ['tls', { mode: 'acme', directory: 'https://user:pw@acme.example/dir' }, 'tls.directory: "https://user:pw@acme.example/dir" must not hold a user name or password'],
    ['tls', { mode: 'acme', directory: 'https://acme.example/dir#x' }, 'tls.directory: "https://acme.example/dir#x" must not have a #fragment'],
    ['tls', { mode: 'acme', directory: 'https://acme.example/dir"\n}' }, 'tls.directory: "https://acme.example/dir\\"\\n}" has characters that cannot go into acme-client.conf'],
    ['tls', { mode: 'acme', directory: 'https://acme.example/a\nb' }, 'tls.directory: "https://acme.example/a\\nb" has characters'],
    ['tls', { mode: 'acme', directory: 42 }, 'tls.directory: 42 is not a URL'],
  ];

  it.each(bad)('%s = %j is refused with a line naming field and value', (field, value, line) => {
    const errors = errorsFor({ [field]: value });
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.some((e) => e.startsWith(line))).toBe(true);
  });

  it('reports every bad field at once, one line each', () => {
    const result = validateAnswers({ ...good, ipv4: '123.456.78.9', domain: 'nodot', dmarcPolicy: 'maybe' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'domain: "nodot" is not a fully qualified name (it needs a dot, like example.org)',
      'ipv4: "123.456.78.9" is not an IPv4 address',
      'dmarcPolicy: "maybe" is not a DMARC policy (none, quarantine or reject)',
    ]);
  });

  it('names each missing field', () => {
    const result = validateAnswers({});
    expect(!result.ok && result.errors).toEqual([
      'domain: missing',
      'hostname: missing',
      'ipv4: missing',
      'users: missing (a list of local accounts, e.g. ["alice"])',
      'postmaster: missing',
      'dkimSelector: missing',
      'dmarcPolicy: missing',
      'tls: missing (acme, {"mode":"acme","directory":URL}, self-signed, or {"mode":"existing","cert":PATH,"key":PATH})',
    ]);
  });

  it('refuses what is not an object', () => {
    for (const raw of [null, [], 'x', 3]) expect(validateAnswers(raw).ok).toBe(false);
  });
});
