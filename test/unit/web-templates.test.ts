/**
 * The web server's files (templates/web.ts) for both platforms, and the Host's HTTPS GET
 * (net/connect.ts, protocol "http") against a real TLS server on loopback that answers by SNI.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { connectProbe } from '../../src/net/connect.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { autoconfigXml } from '../../src/published/autoconfig.js';
import { mtaStsPolicy } from '../../src/published/mta-sts.js';
import { renderHttpdConf } from '../../recipes/templates/acme.js';
import { BLOCK_BEGIN, insideBlock } from '../../recipes/lib/marked-block.js';
import { renderHttpdConfWeb, renderHttpdWeb, renderNginxAcme, renderNginxWeb, servedFiles, writtenByUs } from '../../recipes/templates/web.js';
import { tempDir } from '../support/tmp.js';

const on = { ...DEMO_ANSWERS, mtaSts: 'testing' as const };
const input = (platform: typeof debian, answers = on) => ({ answers, platform, facts: {} });

describe('the served files', () => {
  it('are the policy and the autoconfig file under our web root, and nothing when MTA-STS is off', () => {
    const files = servedFiles(on);
    expect(files.map((f) => [f.host, f.path, f.contentType])).toEqual([
      ['mta-sts.example.org', '/var/www/mail-wizard/mta-sts/.well-known/mta-sts.txt', 'text/plain'],
      ['autoconfig.example.org', '/var/www/mail-wizard/autoconfig/mail/config-v1.1.xml', 'text/xml'],
    ]);
    expect(files[0]!.content).toBe(mtaStsPolicy(on));
    expect(files[1]!.content).toBe(autoconfigXml(on));
    expect(servedFiles({ ...on, mtaSts: 'off' })).toEqual([]);
  });
});

describe('nginx (Debian)', () => {
  it('one HTTPS server per name with the certificate, the file at its exact path, 404 for the rest, no redirect', () => {
    const conf = renderNginxWeb(input(debian, { ...on, tls: { mode: 'acme' } }));
    expect(writtenByUs(conf)).toBe(true);
    expect(conf.match(/^\tlisten 443 ssl;$/gm)).toHaveLength(2);
    expect(conf).toContain('\tserver_name mta-sts.example.org;\n');
    expect(conf).toContain('\tserver_name autoconfig.example.org;\n');
    expect(conf.match(/ssl_certificate \/etc\/letsencrypt\/live\/mail\.example\.org\/fullchain\.pem;/g)).toHaveLength(2);
    expect(conf).toContain('\tlocation = /.well-known/mta-sts.txt {\n\t\ttypes { }\n\t\tdefault_type text/plain;\n');
    expect(conf).toContain('\tlocation = /mail/config-v1.1.xml {\n\t\ttypes { }\n\t\tdefault_type text/xml;\n');
    expect(conf).not.toMatch(/return 30\d/);
  });
  it('the ACME server on port 80 answers for every certificate name from certbot\'s webroot', () => {
    const conf = renderNginxAcme(on);
    expect(conf).toContain('\tserver_name mail.example.org mta-sts.example.org autoconfig.example.org;\n');
    expect(conf).toContain('\t\troot /var/www/mail-wizard/acme;\n');
  });
});

describe('httpd (OpenBSD)', () => {
  it('servers on 443 with tls certificate/key, roots inside the chroot, the autoconfig location typed text/xml', () => {
    const conf = renderHttpdWeb(input(openbsd));
    expect(conf).toContain('server "mta-sts.example.org" {\n\tlisten on * tls port 443\n');
    expect(conf).toContain('\ttls certificate "/etc/ssl/mail.example.org.fullchain.pem"\n\ttls key "/etc/ssl/private/mail.example.org.key"\n');
    expect(conf).toContain('\troot "/mail-wizard/mta-sts"\n');
    expect(conf).toContain('\tlocation "/mail/config-v1.1.xml" {\n\t\tdefault type text/xml\n\t\tpass\n');
    expect(conf).not.toMatch(/block return 30\d/);
  });
  it('httpd.conf gets a second, named block; the tls step\'s block and the admin\'s lines stay, and rendering is idempotent', () => {
    const admin = 'server "www.example.org" {\n\tlisten on * port 80\n}\n';
    const withTls = renderHttpdConf(admin, openbsd);
    const both = renderHttpdConfWeb(withTls, openbsd);
    expect(both.startsWith(admin)).toBe(true);
    expect(insideBlock(both)).toEqual(['include "/etc/httpd.mail-wizard.conf"']);
    expect(insideBlock(both, 'web')).toEqual(['include "/etc/httpd.mail-wizard-web.conf"']);
    expect(both).toContain(`${BLOCK_BEGIN} web:`);
    expect(renderHttpdConfWeb(both, openbsd)).toBe(both);
    expect(renderHttpdConf(both, openbsd)).toBe(both);
  });
});

describe('the Host\'s HTTPS GET (protocol "http")', () => {
  let server: Server;
  let port = 0;
  let dir: string;
  const seen: { host?: string; sni?: string }[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=mta-sts.example.org',
      '-addext', 'subjectAltName=DNS:mta-sts.example.org', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    server = createServer({ key: await fs.readFile(key), cert: await fs.readFile(cert) }, (req, res) => {
      seen.push({ host: req.headers.host, sni: (req.socket as unknown as { servername?: string }).servername });
      if (req.url === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('version: STSv1\r\n');
        res.end('mode: testing\r\n');
      } else if (req.url === MTA) {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(POLICY) });
        res.end(POLICY);
      } else {
        res.writeHead(301, { Location: 'https://elsewhere.example/' });
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });
  const MTA = '/.well-known/mta-sts.txt';
  const POLICY = mtaStsPolicy(on)!;
  const get = (urlPath: string) => connectProbe({ host: '127.0.0.1', port, protocol: 'http', tls: 'implicit', servername: 'mta-sts.example.org', path: urlPath, timeoutMs: 10_000 });

  it('sends the name in SNI and Host, and returns status, headers, the exact body and the certificate', async () => {
    const r = await get(MTA);
    expect(r.ok, r.error).toBe(true);
    expect(r.http).toMatchObject({ status: 200, body: POLICY });
    expect(r.http!.headers['content-type']).toBe('text/plain');
    expect(r.tls?.chain[0]).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(seen[seen.length - 1]).toEqual({ host: 'mta-sts.example.org', sni: 'mta-sts.example.org' });
  });
  it('decodes a chunked body, and reports a redirect as its status', async () => {
    expect((await get('/chunked')).http?.body).toBe('version: STSv1\r\nmode: testing\r\n');
    const moved = await get('/other');
    expect(moved.http?.status).toBe(301);
    expect(moved.http?.headers.location).toBe('https://elsewhere.example/');
  });
  it('names a port where nothing listens', async () => {
    const r = await connectProbe({ host: '127.0.0.1', port: 1, protocol: 'http', tls: 'implicit', servername: 'x', path: '/', timeoutMs: 5000 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/127\.0\.0\.1:1/);
  });
});
