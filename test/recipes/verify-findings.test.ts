/**
 * Every verification finding of the recipes, made to pass and then to fail for real: real files
 * under a sandbox root, the real checkers of this machine (smtpd -n, doveconf -n, rspamadm,
 * nft -c, dpkg-query, service), commands inside `unshare --net`. The passing side of the
 * services and mail-test findings needs running daemons: the stack suite (test/stack) proves it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { aliasesStep } from '../../recipes/aliases.js';
import { dkimStep } from '../../recipes/dkim.js';
import { dovecotStep } from '../../recipes/dovecot.js';
import { firewallStep } from '../../recipes/firewall.js';
import { hostsStep } from '../../recipes/hosts.js';
import { mailTestStep } from '../../recipes/mail-test.js';
import { packagesStep } from '../../recipes/packages.js';
import { redisStep } from '../../recipes/redis.js';
import { rspamdStep } from '../../recipes/rspamd.js';
import { servicesStep } from '../../recipes/services.js';
import { smtpdStep } from '../../recipes/smtpd.js';
import { dkimPaths, tlsPaths } from '../../recipes/templates/input.js';
import { tlsStep } from '../../recipes/tls.js';
import { usersStep } from '../../recipes/users.js';
import { generateRsaKeyPair } from '../../src/dkim/keys.js';
import { runSteps } from '../../src/engine/runner.js';
import type { AnyStep, Context, Finding } from '../../src/engine/types.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { missingTools } from '../support/require-tool.js';
import { sandbox, type Sandbox } from '../support/sandbox.js';
import { netns } from '../support/netns.js';
import { FsHost } from '../../src/host/fs-host.js';

const skip = missingTools('recipe verifications', ['/usr/sbin/smtpd', '/usr/bin/doveconf', '/usr/bin/rspamadm', '/usr/sbin/nft', '/usr/bin/unshare', '/usr/bin/redis-cli']);

let box: Sandbox;
beforeEach(async () => {
  box = await sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

/** Applies steps as setup would (no questions); fails the test if one does not pass. */
async function setUp(ctx: Context, steps: AnyStep[]) {
  const summary = await runSteps({ steps, ctx, listener: () => undefined });
  expect(summary.results.map((r) => `${r.id}:${r.status}`)).toEqual(steps.map((s) => `${s.id}:changed`));
}

function find(findings: Finding[], check: string): Finding {
  const found = findings.filter((f) => f.check === check);
  expect(found, `finding ${check} in ${JSON.stringify(findings)}`).toHaveLength(1);
  return found[0]!;
}

const DEMO_SELECTOR = 'mail2026';
const status = async (step: AnyStep, ctx: Context, check: string) => find(await step.verify(ctx), check);

describe.skipIf(skip)('recipe verifications pass when right and fail, with evidence and a fix, when broken', () => {
  it('hosts.localhost', async () => {
    const ctx = box.ctx();
    expect(await status(hostsStep, ctx, 'hosts.localhost')).toMatchObject({ status: 'fail', evidence: `no file at ${box.platform.paths.hosts}` });
    await fs.mkdir(path.dirname(box.platform.paths.hosts), { recursive: true });
    // The seed story: localhost resolving to the public address.
    await fs.writeFile(box.platform.paths.hosts, '192.0.2.25 localhost\n127.0.1.1 old-name\n');
    expect(await status(hostsStep, ctx, 'hosts.localhost')).toMatchObject({ status: 'fail', evidence: 'localhost lines: 192.0.2.25 localhost' });
    await setUp(ctx, [hostsStep]);
    expect((await status(hostsStep, ctx, 'hosts.localhost')).status).toBe('pass');
    expect(await fs.readFile(box.platform.paths.hosts, 'utf8')).toContain('127.0.1.1 old-name');
  });

  it('tls.certificate and tls.key', async () => {
    const ctx = box.ctx();
    const { cert, key } = tlsPaths(ctx);
    expect((await status(tlsStep, ctx, 'tls.certificate')).summary).toBe(`no certificate at ${cert}`);
    await setUp(ctx, [tlsStep]);
    expect((await tlsStep.verify(ctx)).map((f) => f.status)).toEqual(['pass', 'pass']);

    await fs.chmod(key, 0o644);
    expect(await status(tlsStep, ctx, 'tls.key')).toMatchObject({ status: 'fail', evidence: 'mode 0644, uid 0', fix: `chown root ${key} && chmod 0600 ${key}` });
    await fs.chmod(key, 0o600);

    const other = (await generateRsaKeyPair(2048)).privateKeyPem;
    const keyPem = await fs.readFile(key, 'utf8');
    await fs.writeFile(key, other);
    expect((await status(tlsStep, ctx, 'tls.key')).summary).toBe(`${key} is not the key of ${cert}`);
    await fs.writeFile(key, keyPem);

    const wrongName = box.ctx('setup', { hostname: 'smtp.example.net' });
    expect((await status(tlsStep, box.ctx(), 'tls.certificate')).status).toBe('pass');
    await fs.rename(cert, tlsPaths(wrongName).cert);
    expect((await status(tlsStep, wrongName, 'tls.certificate')).summary).toBe('the certificate does not name smtp.example.net');

    await fs.writeFile(cert, selfSignedCertificatePem(keyPem, 'mail.example.org', [], -1));
    expect((await status(tlsStep, ctx, 'tls.certificate')).summary).toMatch(/^the certificate expired on /);
    await fs.writeFile(cert, 'not a certificate\n');
    expect((await status(tlsStep, ctx, 'tls.certificate')).summary).toBe(`${cert} is not a PEM certificate`);
  });

  it('smtpd.files and smtpd.config (smtpd -n)', async () => {
    const ctx = box.ctx();
    await setUp(ctx, [tlsStep, aliasesStep, smtpdStep]);
    expect((await smtpdStep.verify(ctx)).map((f) => [f.check, f.status])).toEqual([['smtpd.files', 'pass'], ['smtpd.files', 'pass'], ['smtpd.files', 'pass'], ['smtpd.config', 'pass']]);
    const conf = box.platform.paths.smtpdConf;
    const confFinding = async () => (await smtpdStep.verify(ctx)).find((f) => f.check === 'smtpd.files' && f.summary.startsWith(conf));
    await fs.appendFile(conf, '# my own comment\n');
    expect((await confFinding())?.status).toBe('warn');
    expect((await status(smtpdStep, ctx, 'smtpd.config')).status).toBe('pass');
    await fs.appendFile(conf, 'listen on bogus-interface-name-xyz\n');
    expect(await status(smtpdStep, ctx, 'smtpd.config')).toMatchObject({ status: 'fail', summary: 'smtpd rejects smtpd.conf' });
    await fs.writeFile(conf, 'match from any action\n');
    expect((await status(smtpdStep, ctx, 'smtpd.config')).evidence).toMatch(/syntax error/);
    await fs.rm(conf);
    expect((await confFinding())?.status).toBe('fail');
    // The senders and recipients tables are checked as files of ours too.
    for (const table of [box.platform.paths.senders, box.platform.paths.recipients]) {
      await fs.rm(table);
      expect((await smtpdStep.verify(ctx)).find((f) => f.summary === `${table} is missing`)?.status).toBe('fail');
    }
  });

  it('aliases.files and redis.files: a missing file fails', async () => {
    const ctx = box.ctx();
    await setUp(ctx, [aliasesStep, redisStep]);
    expect((await status(aliasesStep, ctx, 'aliases.files')).status).toBe('pass');
    await fs.rm(box.platform.paths.aliases);
    expect((await status(aliasesStep, ctx, 'aliases.files')).summary).toBe(`${box.platform.paths.aliases} is missing`);
    await fs.rm(box.platform.paths.redisConf);
    expect((await status(redisStep, ctx, 'redis.files')).status).toBe('fail');
  });

  it('dovecot.config (doveconf -n, with the grammar of the installed version)', async () => {
    const ctx = box.ctx();
    await setUp(ctx, [tlsStep, dovecotStep]);
    expect(ctx.facts.dovecotVersion).toMatch(/^2\.\d/);
    expect((await status(dovecotStep, ctx, 'dovecot.config')).status).toBe('pass');
    await fs.appendFile(box.platform.paths.dovecotConf, 'service imap-login { inet_listener imaps { port = 993 } }\n');
    expect(await status(dovecotStep, ctx, 'dovecot.config')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/Error in configuration file|Garbage/) });
  });

  it('rspamd.config (rspamadm configtest on the sandbox tree)', async () => {
    await fs.cp('/etc/rspamd', path.dirname(box.platform.paths.rspamdLocalD), { recursive: true });
    const ctx = box.ctx();
    await setUp(ctx, [rspamdStep]);
    expect((await status(rspamdStep, ctx, 'rspamd.config')).status).toBe('pass');
    await fs.writeFile(path.join(box.platform.paths.rspamdLocalD, 'redis.conf'), 'servers = "127.0.0.1:6379\n');
    expect(await status(rspamdStep, ctx, 'rspamd.config')).toMatchObject({ status: 'fail', summary: 'Rspamd rejects its configuration' });
  }, 60_000);

  it('dkim.key, dkim.key-mode and dkim.key-match', async () => {
    const ctx = box.ctx();
    expect((await status(dkimStep, ctx, 'dkim.key')).status).toBe('fail');
    await setUp(ctx, [dkimStep]);
    const { key, pub } = dkimPaths(ctx);
    expect((await dkimStep.verify(ctx)).map((f) => [f.check, f.status])).toEqual([['dkim.key-mode', 'pass'], ['dkim.key-match', 'pass']]);
    await fs.chmod(key, 0o644);
    expect(await status(dkimStep, ctx, 'dkim.key-mode')).toMatchObject({ status: 'fail', evidence: expect.stringContaining('mode 0644') });
    await fs.chmod(key, 0o440);
    await fs.writeFile(pub, (await generateRsaKeyPair(2048)).publicKeyPem);
    expect((await status(dkimStep, ctx, 'dkim.key-match')).summary).toBe(`${pub} is not the public half of ${key}: the DNS record would not match the signatures`);
    await fs.rm(pub);
    expect((await status(dkimStep, ctx, 'dkim.key-match')).summary).toBe(`no public key at ${pub}`);
    await fs.writeFile(key, 'garbage');
    expect((await status(dkimStep, ctx, 'dkim.key-match')).summary).toBe(`${key} is not a readable RSA private key`);
  }, 30_000);

  it('dkim.retired: a retired key stays published for its grace period, then a reminder to retire it', async () => {
    const ctx = box.ctx('setup', { dkimPublished: ['old2025', DEMO_SELECTOR] });
    await setUp(ctx, [dkimStep]);
    expect(await status(dkimStep, ctx, 'dkim.retired')).toMatchObject({ status: 'pass', summary: 'the retired key old2025 stays published for its grace period (7 more days)' });
    // The switch was no earlier than the active key was made: make that 8 days ago.
    const past = new Date(Date.now() - 8 * 86_400_000);
    await fs.utimes(dkimPaths(ctx).key, past, past);
    expect(await status(dkimStep, ctx, 'dkim.retired')).toMatchObject({
      status: 'warn',
      summary: 'the retired key old2025 is past its 7-day grace period',
      fix: `mail-wizard dkim retire old2025, then delete old2025._domainkey.${ctx.answers.domain} from the zone.`,
    });
  }, 30_000);

  it('firewall.config (nft -c; the ruleset loads only into the test namespace)', async () => {
    // Loaded and read back in one namespace of the test's own (test/recipes/firewall.test.ts has more).
    const ns = await netns();
    onTestFinished(() => ns.cleanup());
    const ctx = { ...box.ctx(), host: new FsHost('rooted', { resolve: (p) => p, exec: ns.exec, backupDir: `${box.root}/backups` }) };
    await setUp(ctx, [firewallStep]);
    expect((await status(firewallStep, ctx, 'firewall.config')).status).toBe('pass');
    await fs.appendFile(box.platform.paths.firewallConf, 'table inet filter { chain input { tcp dport nonsense accept } }\n');
    expect((await status(firewallStep, ctx, 'firewall.config')).status).toBe('fail');
  });

  it('packages.installed (dpkg-query on this machine)', async () => {
    // mtaSts off: this machine has no nginx.
    expect((await status(packagesStep, box.ctx('setup', { mtaSts: 'off' }), 'packages.installed')).status).toBe('pass');
    const ctx = box.ctx('setup', { mtaSts: 'off' });
    ctx.platform = { ...ctx.platform, packages: ['mail-wizard-no-such-package'] };
    expect(await status(packagesStep, ctx, 'packages.installed')).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('missing packages: mail-wizard-no-such-package'),
    });
  }, 60_000); // the probe also asks apt-get -s what the install would remove

  it('users.exist (this machine\'s accounts)', async () => {
    expect((await status(usersStep, box.ctx('setup', { users: ['daemon'], postmaster: 'daemon' }), 'users.exist')).status).toBe('pass');
    expect(await status(usersStep, box.ctx('setup', { users: ['nosuchuser-mw'] }), 'users.exist')).toMatchObject({ status: 'fail', summary: 'no such user: nosuchuser-mw' });
  });

  it('services.*: daemons that do not run, a silent Redis and closed ports fail with the reason', async () => {
    const findings = await servicesStep.verify(box.ctx('setup', {}, { serviceManager: 'service' }));
    for (const check of ['services.redis', 'services.rspamd', 'services.dovecot', 'services.smtpd', 'services.redis-ping', 'services.smtp-25', 'services.smtp-587', 'services.tls-465', 'services.tls-587', 'services.tls-993']) {
      const f = find(findings, check);
      expect(f.status, check).toBe('fail');
      expect(f.evidence, check).toBeTruthy();
      expect(f.fix, check).toBeTruthy();
    }
  }, 60_000);

  it('mail-test.send, mail-test.delivery and mail-test.alias', async () => {
    const ctx = box.ctx('setup', { users: ['daemon'], postmaster: 'daemon' });
    ctx.platform = { ...ctx.platform, bin: { ...ctx.platform.bin, sendmail: '/nonexistent/sendmail' } };
    expect(await status(mailTestStep, ctx, 'mail-test.send')).toMatchObject({ status: 'fail', evidence: expect.stringContaining('/nonexistent/sendmail') });
    // A sendmail that accepts and delivers nothing: the message never arrives.
    ctx.platform = { ...ctx.platform, bin: { ...ctx.platform.bin, sendmail: '/bin/true' } };
    const findings = await mailTestStep.verify(ctx);
    expect(find(findings, 'mail-test.delivery').summary).toMatch(/did not reach ~daemon\/Maildir\/new/);
    expect(find(findings, 'mail-test.alias')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/postmaster@\S+ \(alias of daemon\) did not reach/) });
    expect((await status(mailTestStep, box.ctx('setup', { users: ['nosuchuser-mw'] }), 'mail-test.delivery')).summary).toBe('no user nosuchuser-mw to deliver to');
  }, 60_000);
});
