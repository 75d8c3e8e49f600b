/**
 * A certificate with an empty subject that names the host only in its subjectAltName, as ACME
 * CAs may issue (pebble does): node:crypto then leaves X509Certificate.subject undefined, which
 * once crashed the wizard in the middle of setup. Made by openssl, served by a real TLS socket.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsProbe } from '../../src/net/tls-probe.js';
import { tempDir } from '../support/tmp.js';

let dir: string;
let server: Server;
let port: number;
let cert: string;

beforeAll(async () => {
  dir = await tempDir();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/',
    '-addext', 'subjectAltName=critical,DNS:mail.example.org', '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = await fs.readFile(path.join(dir, 'cert.pem'), 'utf8');
  server = createServer({ cert, key: await fs.readFile(path.join(dir, 'key.pem')) }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  server?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a certificate that names the host only in its subjectAltName', () => {
  it('the TLS probe reports its names instead of crashing', async () => {
    const seen = await tlsProbe('127.0.0.1', port, null, 'mail.example.org');
    expect(seen).toMatchObject({ ok: true, subject: '', altNames: 'DNS:mail.example.org', namesHost: true });
    const other = await tlsProbe('127.0.0.1', port, null, 'mx.example.org');
    expect(other).toMatchObject({ ok: true, namesHost: false });
  });
});
