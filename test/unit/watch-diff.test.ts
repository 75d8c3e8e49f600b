/**
 * The daily report's diffing (src/watch/results.ts) and what it decides to send: new, changed,
 * fixed and unchanged checks between two runs, and the report's text for each.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import type { Finding } from '../../src/engine/types.js';
import { reportMessage, reportText, worthSending } from '../../src/watch/report.js';
import { collect, diff, type Results } from '../../src/watch/results.js';

const pass = (check: string): Finding => ({ status: 'pass', check, summary: `${check} is fine` });
const fail = (check: string, summary: string, fix = `fix ${check}`): Finding => ({ status: 'fail', check, summary, fix });
const warn = (check: string, summary: string): Finding => ({ status: 'warn', check, summary, fix: `look at ${check}` });
const run = (...findings: Finding[]): Results => collect('steps', findings);

describe('collect', () => {
  it('groups findings by source/check with the worst status and only the problems', () => {
    const r = collect('steps', [pass('services.rspamd'), fail('services.rspamd', 'rspamd is not running'), warn('tls.files', 'edited')]);
    expect(r['steps/services.rspamd']).toEqual({ key: 'steps/services.rspamd', status: 'fail', problems: [{ status: 'fail', summary: 'rspamd is not running', fix: 'fix services.rspamd' }] });
    expect(r['steps/tls.files']?.status).toBe('warn');
    collect('dns', [pass('mx')], r);
    expect(Object.keys(r).sort()).toEqual(['dns/mx', 'steps/services.rspamd', 'steps/tls.files']);
  });
});

describe('diff', () => {
  const healthy = run(pass('services.rspamd'), pass('smtpd.config'));
  const rspamdDown = run(fail('services.rspamd', 'rspamd is not running'), pass('smtpd.config'));

  it('a first run has no last run: not "none", and the report is the whole picture', () => {
    const c = diff(null, rspamdDown);
    expect(c.none).toBe(false);
    expect(c.appeared.map((r) => r.key)).toEqual(['steps/services.rspamd']);
    expect(worthSending({ changes: c, first: true, expiring: [] })).toBe(true);
    const text = reportText({ answers: DEMO_ANSWERS, changes: c, now: rspamdDown, first: true, expiring: [], at: new Date('2026-12-01T00:00:00Z') });
    expect(text).toContain('First report: these checks do not pass:');
    expect(text).toContain('FAIL [steps/services.rspamd] rspamd is not running');
    expect(text).toContain('fix: fix services.rspamd');
  });

  it('new: a check that passed fails now, with its fix', () => {
    const c = diff(healthy, rspamdDown);
    expect(c.appeared.map((r) => r.key)).toEqual(['steps/services.rspamd']);
    expect([c.fixed, c.changed, c.still].map((l) => l.length)).toEqual([0, 0, 0]);
    expect(c.none).toBe(false);
    const text = reportText({ answers: DEMO_ANSWERS, changes: c, now: rspamdDown, first: false, expiring: [], at: new Date() });
    expect(text).toMatch(/New since the last report:\n {2}FAIL \[steps\/services\.rspamd\] rspamd is not running\n {7}fix: fix services\.rspamd/);
  });

  it('a check that was not there before and fails now is new too; warn → fail is new', () => {
    const before = run(warn('tls.files', 'edited'));
    const c = diff(before, run(fail('tls.files', 'missing'), fail('dns.mx', 'no MX')));
    expect(c.appeared.map((r) => r.key).sort()).toEqual(['steps/dns.mx', 'steps/tls.files']);
  });

  it('fixed: a check that failed passes now (or is gone), reported with what it was', () => {
    const c = diff(rspamdDown, healthy);
    expect(c.fixed.map((r) => r.key)).toEqual(['steps/services.rspamd']);
    expect(c.appeared).toEqual([]);
    expect(c.none).toBe(false);
    const gone = diff(rspamdDown, run(pass('smtpd.config')));
    expect(gone.fixed.map((r) => r.key)).toEqual(['steps/services.rspamd']);
    const text = reportText({ answers: DEMO_ANSWERS, changes: c, now: healthy, first: false, expiring: [], at: new Date() });
    expect(text).toContain('Fixed since the last report:\n  ok   [steps/services.rspamd] was: rspamd is not running');
  });

  it('unchanged: the same failure twice is nothing to send; all passing twice neither', () => {
    const again = run(fail('services.rspamd', 'rspamd is not running'), pass('smtpd.config'));
    const c = diff(rspamdDown, again);
    expect(c.none).toBe(true);
    expect(c.still.map((r) => r.key)).toEqual(['steps/services.rspamd']);
    expect(worthSending({ changes: c, first: false, expiring: [] })).toBe(false);
    expect(diff(healthy, run(pass('services.rspamd'), pass('smtpd.config'))).none).toBe(true);
  });

  it('changed: still failing at the same status, another way, is sent', () => {
    const c = diff(rspamdDown, run(fail('services.rspamd', 'rspamd exits at start: cannot bind'), pass('smtpd.config')));
    expect(c.changed.map((r) => r.key)).toEqual(['steps/services.rspamd']);
    expect(c.none).toBe(false);
  });

  it('a certificate close to expiry is sent even when nothing changed', () => {
    const c = diff(healthy, healthy);
    const expiring = [{ path: '/etc/ssl/mail.example.org.fullchain.pem', subject: 'CN=mail.example.org', notAfter: '2026-12-10T00:00:00.000Z', days: 9 }];
    expect(worthSending({ changes: c, first: false, expiring })).toBe(true);
    const msg = reportMessage({ answers: DEMO_ANSWERS, changes: c, now: healthy, first: false, expiring, at: new Date('2026-12-01T00:00:00Z') }, 'x');
    expect(msg).toMatch(/^Subject: mail-wizard on mail\.example\.org: certificate expires in 9 days$/m);
    expect(msg).toMatch(/^From: mail-wizard <postmaster@example\.org>$/m);
    expect(msg).toMatch(/^To: postmaster@example\.org$/m);
  });

  it('a private key block in a finding never reaches the report', () => {
    const leaky = run(fail('dkim.key-match', 'bad key', 'was:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----'));
    const text = reportText({ answers: DEMO_ANSWERS, changes: diff(null, leaky), now: leaky, first: true, expiring: [], at: new Date() });
    expect(text).not.toContain('MIIEvQIBADANBg');
    expect(text).toContain('[private key removed]');
  });
});

describe('certificates close to expiry (real certificates on a rooted host)', () => {
  it('reports one that expires within 14 days, not one that has months left', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    const { tempDir } = await import('../support/tmp.js');
    const { rootedHost } = await import('../../src/host/rooted.js');
    const { selfSignedCertificatePem } = await import('../../src/tls/certificate.js');
    const { expiringCertificates } = await import('../../src/watch/expiry.js');
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const root = await tempDir();
    try {
      await fs.mkdir(path.join(root, 'etc/ssl'), { recursive: true });
      await fs.writeFile(path.join(root, 'etc/ssl/soon.pem'), selfSignedCertificatePem(key, 'mail.example.org', [], 10));
      await fs.writeFile(path.join(root, 'etc/ssl/later.pem'), selfSignedCertificatePem(key, 'mail.example.org', [], 90));
      const found = await expiringCertificates(rootedHost(root, { exec: 'none' }), ['/etc/ssl/soon.pem', '/etc/ssl/later.pem', '/etc/ssl/missing.pem'], new Date());
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ path: '/etc/ssl/soon.pem', subject: expect.stringContaining('mail.example.org') });
      expect(found[0]!.days).toBeGreaterThanOrEqual(9);
      expect(found[0]!.days).toBeLessThanOrEqual(10);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
