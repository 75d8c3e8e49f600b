/**
 * The answers name another ACME directory than the one the certificate on disk came from (the
 * usual story: Let's Encrypt's staging first, then production): the TLS step asks the new CA for
 * a certificate now. Real files under a temp root, a real certificate made by openssl.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tlsStep } from '../../recipes/tls.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { LETSENCRYPT_DIRECTORY, LETSENCRYPT_STAGING_DIRECTORY, type Answers } from '../../src/answers/schema.js';
import { createContext } from '../../src/engine/context.js';
import type { RunAction } from '../../src/engine/types.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { tempDir } from '../support/tmp.js';

const HOST = DEMO_ANSWERS.hostname;
let root: string;

beforeEach(async () => {
  root = await tempDir();
  await fs.mkdir(path.join(root, 'etc'));
  await fs.writeFile(path.join(root, 'etc/passwd'), `root:x:${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}:root:/root:/bin/sh\n`);
  await fs.writeFile(path.join(root, 'etc/group'), `root:x:${process.getgid?.() ?? 0}:\n`);
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function put(file: string, content: string) {
  await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await fs.writeFile(path.join(root, file), content);
}

/** A valid certificate for the host name and its key, at the platform's paths. */
async function certificate(cert: string, key: string) {
  await fs.mkdir(path.dirname(path.join(root, cert)), { recursive: true });
  await fs.mkdir(path.dirname(path.join(root, key)), { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${HOST}`,
    '-addext', `subjectAltName=DNS:${HOST}`, '-days', '30', '-keyout', path.join(root, key), '-out', path.join(root, cert)], { stdio: 'ignore' });
}

async function runs(platform: Platform, directory?: string): Promise<string[]> {
  const answers: Answers = { ...DEMO_ANSWERS, tls: directory ? { mode: 'acme', directory } : { mode: 'acme' } };
  const ctx = createContext({ answers, platform, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'test' });
  const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
  return plan.actions.filter((a): a is RunAction => a.type === 'run').map((a) => a.argv.join(' '));
}

describe('another ACME directory than the certificate came from', () => {
  it('Debian: certbot asks the new CA now (--force-renewal into the same lineage); the same CA asks nothing', async () => {
    await certificate(`/etc/letsencrypt/live/${HOST}/fullchain.pem`, `/etc/letsencrypt/live/${HOST}/privkey.pem`);
    await put(`/etc/letsencrypt/renewal/${HOST}.conf`, `version = 2.11.0\n[renewalparams]\nauthenticator = standalone\nserver = ${LETSENCRYPT_STAGING_DIRECTORY}\n`);
    const switched = await runs(debian);
    expect(switched).toEqual([expect.stringMatching(new RegExp(`^certbot certonly .*--server ${LETSENCRYPT_DIRECTORY} --force-renewal --cert-name ${HOST} -d ${HOST}$`))]);
    expect(await runs(debian, LETSENCRYPT_STAGING_DIRECTORY)).toEqual([]);
  });

  it('OpenBSD: acme-client -F when our include named another api url', async () => {
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`);
    await put('/etc/acme-client.mail-wizard.conf', `authority mail-wizard {\n\tapi url "${LETSENCRYPT_STAGING_DIRECTORY}"\n\taccount key "/etc/acme/mail-wizard-privkey.pem"\n}\n`);
    expect(await runs(openbsd)).toEqual([`acme-client -F -v ${HOST}`]);
    expect(await runs(openbsd, LETSENCRYPT_STAGING_DIRECTORY)).toEqual([]);
  });

  it('OpenBSD: a directory on another port than 443 is named, never tried (acme-client would speak plain HTTP to it)', async () => {
    const ctx = createContext({ answers: { ...DEMO_ANSWERS, tls: { mode: 'acme', directory: 'https://ca.example.net:9000/acme/acme/directory' } }, platform: openbsd, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'test' });
    const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
    expect(plan.actions.filter((a) => a.type !== 'writeFile')).toEqual([expect.objectContaining({ type: 'manual', title: 'acme-client cannot use https://ca.example.net:9000/acme/acme/directory: it speaks TLS only to port 443' })]);
    expect(await runs(openbsd, 'https://ca.example.net:443/acme/acme/directory')).toEqual([`acme-client -v ${HOST}`]);
    expect(await runs(debian, 'https://ca.example.net:9000/acme/acme/directory')).toEqual([expect.stringContaining('--server https://ca.example.net:9000/acme/acme/directory')]);
  });
});
