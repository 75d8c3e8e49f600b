/**
 * The tls.* checks against a real TLS server on port 465 (node:tls, in the test's own network
 * namespace): a certificate with few days left is a warning, one that does not name the host or
 * whose chain does not verify (when the answers did not choose self-signed) fails, a server that
 * speaks only TLS 1.1 fails, and what is served is compared with the file on disk.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createServer, type Server, type TlsOptions } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/answers/schema.js';
import { dnsView } from '../../src/delivery/common.js';
import { runDeliveryChecks } from '../../src/delivery/index.js';
import { TLS_CHECKS } from '../../src/delivery/tls.js';
import { generateRsaKeyPair } from '../../src/dkim/keys.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { tempDir } from '../support/tmp.js';

const HOST = 'mail.tls.test';
const answers = (tls: Answers['tls']): Answers => ({ domain: 'tls.test', hostname: HOST, ipv4: '192.0.2.25', users: ['alice'], postmaster: 'alice', dkimSelector: 'mw', dmarcPolicy: 'none', tls });
const CERT = `/etc/ssl/${HOST}.fullchain.pem`;

let root: string;
let key: string;
let server: Server | undefined;

async function serve(cert: string, extra: TlsOptions = {}): Promise<void> {
  server = createServer({ key, cert, ...extra }, (s) => {
    s.write(`220 ${HOST} ESMTP test\r\n`);
    s.on('data', (d) => {
      for (const l of String(d).split('\r\n').filter(Boolean)) s.write(/^QUIT/i.test(l) ? '221 bye\r\n' : `250 ${HOST}\r\n`);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(465, '127.0.0.1', () => resolve());
  });
}

async function tls465(a: Answers, diskCert: string) {
  await fs.mkdir(path.join(root, 'etc/ssl'), { recursive: true });
  await fs.writeFile(path.join(root, CERT), diskCert);
  const host = rootedHost(root, { exec: 'none' });
  const report = await runDeliveryChecks({
    answers: a,
    platform: debian,
    facts: {},
    host,
    dns: dnsView(host, []),
    nameservers: [],
    probes: [],
    dnsbl: [],
    dnsblDomain: [],
    checks: TLS_CHECKS.filter((c) => c.id === 'tls.465'),
    timeoutMs: 20_000,
  });
  return report.checks[0]!;
}

// Port 465 and 192.0.2.25 unreachable (so the check falls back to 127.0.0.1) need the isolated namespace as root.
describe.skipIf(process.getuid?.() !== 0)('tls.* against a real TLS server', () => {
  beforeAll(async () => {
    root = await tempDir('mw-tls-');
    key = (await generateRsaKeyPair(2048)).privateKeyPem;
  }, 60_000);
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });
  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('a good self-signed certificate, the one on disk: pass', async () => {
    const cert = selfSignedCertificatePem(key, HOST, [], 90);
    await serve(cert);
    const c = await tls465(answers({ mode: 'self-signed' }), cert);
    expect(c.status, JSON.stringify(c)).toBe('pass');
    expect(c.summary).toMatch(new RegExp(`^SMTP submission \\(TLS\\): TLSv1\\.3, certificate for ${HOST}, (89|90) days left, the one in ${CERT}$`));
    expect(c.evidence).toContain('did not answer from the box itself');
  });

  it('fewer than 14 days left: a warning naming the date', async () => {
    const cert = selfSignedCertificatePem(key, HOST, [], 5);
    await serve(cert);
    const c = await tls465(answers({ mode: 'self-signed' }), cert);
    expect(c.status).toBe('warn');
    expect(c.summary).toMatch(/^port 465: it expires in [45] days \(/);
  });

  it('a certificate for another name, and a chain that does not verify when self-signed was not chosen: fail, both named', async () => {
    const cert = selfSignedCertificatePem(key, 'other.tls.test', [], 90);
    await serve(cert);
    const c = await tls465(answers({ mode: 'existing', cert: CERT, key: `/etc/ssl/private/${HOST}.key` }), cert);
    expect(c.status).toBe('fail');
    expect(c.summary).toBe(`port 465: the certificate does not name ${HOST}; its chain does not verify (DEPTH_ZERO_SELF_SIGNED_CERT)`);
  });

  it('TLS 1.1 only: fail, naming the protocol', async () => {
    const cert = selfSignedCertificatePem(key, HOST, [], 90);
    await serve(cert, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const c = await tls465(answers({ mode: 'self-signed' }), cert);
    expect(c.status, JSON.stringify(c)).toBe('fail');
    expect(c.summary).toBe('port 465: the protocol is TLSv1.1, older than TLS 1.2');
  });

  it('the file on disk is another certificate: fail with the reload', async () => {
    const served = selfSignedCertificatePem(key, HOST, [], 90);
    await serve(served);
    const c = await tls465(answers({ mode: 'self-signed' }), selfSignedCertificatePem(key, HOST, [], 30));
    expect(c.status).toBe('fail');
    expect(c.summary).toMatch(/^port 465: it is not the certificate in \/etc\/ssl\/mail\.tls\.test\.fullchain\.pem: /);
    expect(c.fix).toMatch(/^Reload opensmtpd: /);
  });
});
