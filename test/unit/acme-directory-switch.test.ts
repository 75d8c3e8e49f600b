/**
 * The answers name another ACME directory than the one the certificate on disk came from (the
 * usual story: Let's Encrypt's staging first, then production): the TLS step asks the new CA for
 * a certificate now. So it does when the certificate there is self-signed (a box set up
 * self-signed, then switched to ACME), or lacks the web names; and with no certificate at all, our
 * HTTPS server (which names it) is taken out of the web server's configuration before the web
 * server starts to answer the challenges. Real files under a temp root, real certificates made by
 * openssl.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tlsStep, verifyCertificate } from '../../recipes/tls.js';
import { insideBlock } from '../../recipes/lib/marked-block.js';
import { renderHttpdConf } from '../../recipes/templates/acme.js';
import { HTTPD_WEB_BLOCK, NGINX_CONF, renderHttpdConfWeb, renderNginxWeb } from '../../recipes/templates/web.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { LETSENCRYPT_DIRECTORY, LETSENCRYPT_STAGING_DIRECTORY, type Answers } from '../../src/answers/schema.js';
import { createContext } from '../../src/engine/context.js';
import type { Action, RunAction } from '../../src/engine/types.js';
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

/** A test CA (made once per test), so that a certificate "from the CA" is not a self-signed one. */
async function testCa(): Promise<{ cert: string; key: string }> {
  const cert = path.join(root, 'ca.pem');
  const key = path.join(root, 'ca.key');
  if (!(await fs.stat(cert).catch(() => null))) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=Test ACME CA', '-days', '30', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  }
  return { cert, key };
}

/**
 * A valid certificate for the host name and its key, at the platform's paths: issued by a test CA
 * (as an ACME CA's would be), or `selfSigned` (as mail-wizard's self-signed mode makes one).
 */
async function certificate(cert: string, key: string, names: string[] = [HOST], selfSigned = false) {
  await fs.mkdir(path.dirname(path.join(root, cert)), { recursive: true });
  await fs.mkdir(path.dirname(path.join(root, key)), { recursive: true });
  const issuer = selfSigned ? [] : await testCa().then((ca) => ['-CA', ca.cert, '-CAkey', ca.key]);
  execFileSync('openssl', ['req', '-x509', ...issuer, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${HOST}`,
    '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-days', '30', '-keyout', path.join(root, key), '-out', path.join(root, cert)], { stdio: 'ignore' });
}

async function plan(platform: Platform, directory?: string, more: Partial<Answers> = { mtaSts: 'off' }): Promise<Action[]> {
  const answers: Answers = { ...DEMO_ANSWERS, tls: directory ? { mode: 'acme', directory } : { mode: 'acme' }, ...more };
  const ctx = createContext({ answers, platform, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'test' });
  return tlsStep.plan(ctx, await tlsStep.probe(ctx)).actions;
}

/** The commands of the tls step's plan (MTA-STS off unless `more` says otherwise: no web names). */
async function runs(platform: Platform, directory?: string, more?: Partial<Answers>): Promise<string[]> {
  return (await plan(platform, directory, more)).filter((a): a is RunAction => a.type === 'run').map((a) => a.argv.join(' '));
}

const WEB = [`mta-sts.${DEMO_ANSWERS.domain}`, `autoconfig.${DEMO_ANSWERS.domain}`];

describe('another ACME directory than the certificate came from', () => {
  it('Debian: certbot asks the new CA now (--force-renewal into the same lineage); the same CA asks nothing', async () => {
    await certificate(`/etc/letsencrypt/live/${HOST}/fullchain.pem`, `/etc/letsencrypt/live/${HOST}/privkey.pem`);
    await put(`/etc/letsencrypt/renewal/${HOST}.conf`, `version = 2.11.0\n[renewalparams]\nauthenticator = standalone\nserver = ${LETSENCRYPT_STAGING_DIRECTORY}\nreuse_key = True\n`);
    const switched = await runs(debian);
    expect(switched).toEqual([expect.stringMatching(new RegExp(`^certbot certonly --standalone .*--server ${LETSENCRYPT_DIRECTORY} --force-renewal --reuse-key --expand --cert-name ${HOST} -d ${HOST}$`))]);
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

describe('the web names (MTA-STS on) on the certificate, and renewals that keep the key', () => {
  const lineage = `/etc/letsencrypt/live/${HOST}`;
  const renewal = (auth: string, reuse: boolean) =>
    put(`/etc/letsencrypt/renewal/${HOST}.conf`, `version = 2.11.0\n[renewalparams]\nauthenticator = ${auth}\nserver = ${LETSENCRYPT_DIRECTORY}\n${reuse ? 'reuse_key = True\n' : ''}`);
  const on = { mtaSts: 'testing' } as const;

  it('Debian: a standalone lineage for the host name only moves to the webroot with every name and --reuse-key, after nginx answers the challenges', async () => {
    await certificate(`${lineage}/fullchain.pem`, `${lineage}/privkey.pem`);
    await renewal('standalone', false);
    const actions = await plan(debian, undefined, on);
    const commands = actions.filter((a): a is RunAction => a.type === 'run').map((a) => a.argv.join(' '));
    expect(commands).toEqual([
      'nginx -t',
      `certbot certonly --webroot -w /var/www/mail-wizard/acme --non-interactive --agree-tos -m postmaster@${DEMO_ANSWERS.domain} --server ${LETSENCRYPT_DIRECTORY} --force-renewal --reuse-key --expand --cert-name ${HOST} -d ${HOST} -d ${WEB[0]} -d ${WEB[1]}`,
    ]);
    // Our port-80 server for every name is written, and nginx (re)started, before certbot asks.
    const acmeConf = actions.findIndex((a) => a.type === 'writeFile' && a.path === '/etc/nginx/conf.d/mail-wizard-acme.conf');
    const restart = actions.findIndex((a) => a.type === 'service' && a.name === 'nginx' && a.op === 'restart');
    const certbot = actions.findIndex((a) => a.type === 'run' && a.argv[0] === 'certbot');
    expect(acmeConf).toBeGreaterThanOrEqual(0);
    expect(acmeConf < restart && restart < certbot).toBe(true);
    const written = actions[acmeConf] as { content: string };
    expect(written.content).toContain(`server_name ${HOST} ${WEB.join(' ')};`);
  });

  it('Debian: every name, webroot and reuse_key on record: certbot is not asked', async () => {
    await certificate(`${lineage}/fullchain.pem`, `${lineage}/privkey.pem`, [HOST, ...WEB]);
    await renewal('webroot', true);
    expect((await runs(debian, undefined, on)).filter((c) => c.startsWith('certbot'))).toEqual([]);
    // Without reuse_key on record, a renewal would make a new key: asked again, once, with --reuse-key.
    await renewal('webroot', false);
    expect((await runs(debian, undefined, on)).filter((c) => c.startsWith('certbot'))).toEqual([expect.stringContaining('--force-renewal --reuse-key')]);
  });

  it('OpenBSD: a certificate without the web names is asked again (acme-client forces it on a changed name list), the include lists them', async () => {
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`);
    const actions = await plan(openbsd, undefined, on);
    expect(actions.filter((a): a is RunAction => a.type === 'run').map((a) => a.argv.join(' '))).toEqual([`acme-client -v ${HOST}`]);
    const own = actions.find((a) => a.type === 'writeFile' && a.path === '/etc/acme-client.mail-wizard.conf') as { content: string };
    expect(own.content).toContain(`\talternative names { ${WEB.join(' ')} }\n`);
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`, [HOST, ...WEB]);
    expect(await runs(openbsd, undefined, on)).toEqual([]);
  });

  it('self-signed: remade with the web names; existing: a manual step names the missing ones', async () => {
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`, [HOST], true);
    const answers: Answers = { ...DEMO_ANSWERS, tls: { mode: 'self-signed' }, mtaSts: 'testing' };
    let ctx = createContext({ answers, platform: debian, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'test' });
    expect(tlsStep.plan(ctx, await tlsStep.probe(ctx)).actions).toEqual([expect.objectContaining({ type: 'selfSignedCert', hostname: HOST, altNames: WEB })]);
    const existing: Answers = { ...DEMO_ANSWERS, tls: { mode: 'existing', cert: `/etc/ssl/${HOST}.fullchain.pem`, key: `/etc/ssl/private/${HOST}.key` }, mtaSts: 'testing' };
    ctx = createContext({ answers: existing, platform: debian, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'test' });
    const manual = tlsStep.plan(ctx, await tlsStep.probe(ctx)).actions.find((a) => a.type === 'manual') as { lines: string[] } | undefined;
    expect(manual?.lines.join('\n')).toContain(`does not name ${WEB.join(', ')}`);
  });
});


describe('a box set up self-signed, then switched to ACME', () => {
  it('OpenBSD (one path for both modes): acme-client -F replaces the valid self-signed certificate, and the check fails until it does', async () => {
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`, [HOST], true);
    expect(await runs(openbsd)).toEqual([`acme-client -F -v ${HOST}`]);
    const ctx = createContext({ answers: { ...DEMO_ANSWERS, tls: { mode: 'acme' }, mtaSts: 'off' }, platform: openbsd, host: rootedHost(root, { exec: 'none' }), mode: 'setup', facts: {}, runId: 'test' });
    const findings = await verifyCertificate(ctx);
    expect(findings.find((f) => f.check === 'tls.certificate')).toMatchObject({ status: 'fail', summary: `/etc/ssl/${HOST}.fullchain.pem is self-signed, but the answers ask for a certificate from the ACME CA` });
    // Once the CA's certificate is there, nothing more is asked and the check passes.
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`);
    expect(await runs(openbsd)).toEqual([]);
    expect((await verifyCertificate(ctx)).find((f) => f.check === 'tls.certificate')?.status).toBe('pass');
  });

  it('Debian: a self-signed certificate in the lineage is asked for again (--force-renewal)', async () => {
    await certificate(`/etc/letsencrypt/live/${HOST}/fullchain.pem`, `/etc/letsencrypt/live/${HOST}/privkey.pem`, [HOST], true);
    await put(`/etc/letsencrypt/renewal/${HOST}.conf`, `version = 2.11.0\n[renewalparams]\nauthenticator = standalone\nserver = ${LETSENCRYPT_DIRECTORY}\nreuse_key = True\n`);
    expect(await runs(debian)).toEqual([expect.stringMatching(/^certbot certonly --standalone .* --force-renewal --reuse-key /)]);
  });
});

describe('no certificate while our HTTPS server (the web step\'s) names it', () => {
  const on = { mtaSts: 'testing' } as const;

  it('Debian: our nginx file is taken out before nginx -t and the restart that answer the challenges; an admin\'s file there is not', async () => {
    await put('/usr/sbin/nginx', '');
    await put(NGINX_CONF, renderNginxWeb({ answers: { ...DEMO_ANSWERS, tls: { mode: 'acme' }, ...on }, platform: debian, facts: {} }));
    const actions = await plan(debian, undefined, on);
    const rm = actions.findIndex((a) => a.type === 'run' && a.argv.join(' ') === `rm -f ${NGINX_CONF}`);
    const check = actions.findIndex((a) => a.type === 'run' && a.argv.join(' ') === 'nginx -t');
    const certbot = actions.findIndex((a) => a.type === 'run' && a.argv[0] === 'certbot');
    expect(rm).toBeGreaterThanOrEqual(0);
    expect(rm < check && check < certbot).toBe(true);
    await put(NGINX_CONF, 'server { listen 8080; }\n');
    expect(await runs(debian, undefined, on)).not.toContain(`rm -f ${NGINX_CONF}`);
  });

  it('OpenBSD: httpd.conf is written without the web block (the challenges\' block stays) before httpd restarts', async () => {
    const withWeb = renderHttpdConfWeb(renderHttpdConf('# the admin\'s site\n', openbsd), openbsd);
    expect(insideBlock(withWeb, HTTPD_WEB_BLOCK)).not.toBeNull();
    await put('/etc/httpd.conf', withWeb);
    const actions = await plan(openbsd, undefined, on);
    const write = actions.findIndex((a) => a.type === 'writeFile' && a.path === '/etc/httpd.conf');
    const restart = actions.findIndex((a) => a.type === 'service' && a.name === 'httpd' && a.op === 'restart');
    expect(write).toBeGreaterThanOrEqual(0);
    expect(write).toBeLessThan(restart);
    const written = (actions[write] as { content: string }).content;
    expect(insideBlock(written, HTTPD_WEB_BLOCK)).toBeNull();
    expect(written).toContain('# the admin\'s site');
    expect(written).toContain('include "/etc/httpd.mail-wizard.conf"');
    // With the certificate there, the web block is left where it is.
    await certificate(`/etc/ssl/${HOST}.fullchain.pem`, `/etc/ssl/private/${HOST}.key`, [HOST, ...WEB]);
    expect((await plan(openbsd, undefined, on)).some((a) => a.type === 'writeFile' && a.path === '/etc/httpd.conf')).toBe(false);
  });
});
