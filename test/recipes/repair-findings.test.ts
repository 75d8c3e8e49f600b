/**
 * No failing finding without a way out: each check is broken for real (files under a sandbox root,
 * the real checkers of this machine), then `repair` runs, and either the check passes again or the
 * repair names the manual step it needs. The checks that need running daemons, accounts, packages or
 * DNS (services.*, mail-test.*, users.exist, packages.installed, the DNS checks) are repaired in the
 * stack suite or are the admin's by nature; the README's table says which.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { aliasesStep } from '../../recipes/aliases.js';
import { dkimStep } from '../../recipes/dkim.js';
import { dovecotStep } from '../../recipes/dovecot.js';
import { firewallStep } from '../../recipes/firewall.js';
import { hostsStep } from '../../recipes/hosts.js';
import { redisStep } from '../../recipes/redis.js';
import { rspamdStep } from '../../recipes/rspamd.js';
import { smtpdStep } from '../../recipes/smtpd.js';
import { dkimPaths, tlsPaths } from '../../recipes/templates/input.js';
import { tlsStep } from '../../recipes/tls.js';
import { generateRsaKeyPair } from '../../src/dkim/keys.js';
import type { PlannedAction } from '../../src/engine/events.js';
import { runSteps } from '../../src/engine/runner.js';
import type { AnyStep, Context, Finding } from '../../src/engine/types.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { FsHost } from '../../src/host/fs-host.js';
import { missingTools } from '../support/require-tool.js';
import { netns } from '../support/netns.js';
import { sandbox, type Sandbox } from '../support/sandbox.js';

/** The check ids this file breaks and repairs (test/unit/check-table.test.ts requires every check id in some such list). */
export const REPAIR_COVERS = [
  'hosts.localhost',
  'tls.key',
  'tls.certificate',
  'smtpd.config',
  'smtpd.files',
  'aliases.files',
  'redis.files',
  'dovecot.config',
  'rspamd.config',
  'firewall.config',
  'dkim.key',
  'dkim.key-mode',
  'dkim.key-match',
] as const;

const skip = missingTools('repair of each finding', ['/usr/sbin/smtpd', '/usr/bin/doveconf', '/usr/bin/rspamadm', '/usr/sbin/nft', '/usr/bin/unshare', '/usr/bin/openssl']);

let box: Sandbox;
beforeEach(async () => {
  box = await sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

/** Runs the steps as setup would; each must pass. */
async function setUp(ctx: Context, steps: AnyStep[]) {
  const summary = await runSteps({ steps, ctx, listener: () => undefined });
  expect(summary.results.map((r) => `${r.id}:${r.status}`)).toEqual(steps.map((s) => `${s.id}:changed`));
}

/** `mail-wizard repair` over these steps: what it planned, how each step ended, what it found after. */
async function repair(steps: AnyStep[]) {
  const ctx = box.ctx('repair');
  const planned = new Map<string, PlannedAction[]>();
  const findings = new Map<string, Finding[]>();
  const summary = await runSteps({
    steps,
    ctx,
    listener: (e) => {
      if (e.type === 'step-planned') planned.set(e.step.id, e.actions);
      if (e.type === 'step-verified') findings.set(e.step.id, e.findings);
    },
  });
  const status = Object.fromEntries(summary.results.map((r) => [r.id, r.status]));
  return { planned, findings, status };
}

/** The findings of one check id (a step with several files has one per file): the worst of them. */
async function check(step: AnyStep, id: string): Promise<Finding> {
  const found = (await step.verify(box.ctx('repair'))).filter((f) => f.check === id);
  expect(found.length, id).toBeGreaterThan(0);
  return found.find((f) => f.status === 'fail') ?? found.find((f) => f.status === 'warn') ?? found[0]!;
}

/** Breaks a check, proves it fails, repairs, proves it passes again. */
async function brokenThenRepaired(steps: AnyStep[], step: AnyStep, id: string, breakIt: () => Promise<void>) {
  await breakIt();
  expect((await check(step, id)).status, `${id} broken`).toBe('fail');
  const { status } = await repair(steps);
  expect(status[step.id], `${id}: repair`).toBe('changed');
  expect((await check(step, id)).status, `${id} after repair`).toBe('pass');
}

describe.skipIf(skip)('repair fixes each finding it can, and names the manual step for the rest', () => {
  it('hosts.localhost', async () => {
    await fs.mkdir(path.dirname(box.platform.paths.hosts), { recursive: true });
    await brokenThenRepaired([hostsStep], hostsStep, 'hosts.localhost', () => fs.writeFile(box.platform.paths.hosts, '192.0.2.25 localhost\n'));
  });

  it('tls.key (mode drift, another key) and tls.certificate (garbage, expired, another name) of a self-signed certificate', async () => {
    await setUp(box.ctx(), [tlsStep]);
    const { cert, key } = tlsPaths(box.ctx());
    await brokenThenRepaired([tlsStep], tlsStep, 'tls.key', () => fs.chmod(key, 0o644));
    expect(((await fs.stat(key)).mode & 0o777).toString(8)).toBe('600');
    await brokenThenRepaired([tlsStep], tlsStep, 'tls.key', async () => fs.writeFile(key, (await generateRsaKeyPair(2048)).privateKeyPem));
    await brokenThenRepaired([tlsStep], tlsStep, 'tls.certificate', () => fs.writeFile(cert, 'not a certificate\n'));
    const keyPem = await fs.readFile(key, 'utf8');
    await brokenThenRepaired([tlsStep], tlsStep, 'tls.certificate', () => fs.writeFile(cert, selfSignedCertificatePem(keyPem, 'mail.example.org', [], -1)));
    await brokenThenRepaired([tlsStep], tlsStep, 'tls.certificate', () => fs.writeFile(cert, selfSignedCertificatePem(keyPem, 'other.example.net', [], 30)));
    expect(await fs.readFile(key, 'utf8')).toBe(keyPem); // the key is kept
  }, 60_000);

  it('tls.* of a certificate the admin gave: repair changes nothing of it and names what to do', async () => {
    const ctx = box.ctx();
    await setUp(ctx, [tlsStep]);
    const { cert, key } = tlsPaths(ctx);
    const existing = box.ctx('repair', { tls: { mode: 'existing', cert, key } });
    await fs.chmod(key, 0o644);
    const { planned, status } = await runRepairWith(existing);
    expect(status.tls).toBe('failed');
    expect(planned.get('tls')?.map((p) => p.describe)).toEqual(['you: fix the certificate you gave (mail-wizard leaves your files alone)']);
    expect(planned.get('tls')?.[0]?.action).toMatchObject({ lines: [`chown root ${key} && chmod 0600 ${key}`] });
    expect(((await fs.stat(key)).mode & 0o777).toString(8)).toBe('644');
  });

  it('smtpd.files and smtpd.config', async () => {
    await setUp(box.ctx(), [tlsStep, aliasesStep, smtpdStep]);
    const conf = box.platform.paths.smtpdConf;
    await brokenThenRepaired([smtpdStep], smtpdStep, 'smtpd.config', () => fs.appendFile(conf, 'listen on bogus-interface-name-xyz\n'));
    await brokenThenRepaired([smtpdStep], smtpdStep, 'smtpd.files', () => fs.rm(conf));
  });

  it('aliases.files and redis.files', async () => {
    await setUp(box.ctx(), [aliasesStep, redisStep]);
    await brokenThenRepaired([aliasesStep], aliasesStep, 'aliases.files', () => fs.rm(box.platform.paths.aliases));
    await brokenThenRepaired([redisStep], redisStep, 'redis.files', () => fs.rm(box.platform.paths.redisConf));
  });

  it('dovecot.config', async () => {
    await setUp(box.ctx(), [tlsStep, dovecotStep]);
    await brokenThenRepaired([dovecotStep], dovecotStep, 'dovecot.config', () => fs.appendFile(box.platform.paths.dovecotConf, 'service imap-login { inet_listener imaps { port = 993 } }\n'));
  }, 60_000);

  it('rspamd.config', async () => {
    await fs.cp('/etc/rspamd', path.dirname(box.platform.paths.rspamdLocalD), { recursive: true });
    await setUp(box.ctx(), [rspamdStep]);
    await brokenThenRepaired([rspamdStep], rspamdStep, 'rspamd.config', () => fs.writeFile(path.join(box.platform.paths.rspamdLocalD, 'redis.conf'), 'servers = "127.0.0.1:6379\n'));
  }, 120_000);

  it('firewall.config (the rules load only into a network namespace of the test)', async () => {
    const ns = await netns();
    onTestFinished(() => ns.cleanup());
    const inNs = (mode: 'setup' | 'repair') => ({ ...box.ctx(mode), host: new FsHost('rooted', { resolve: (p) => p, exec: ns.exec, backupDir: `${box.root}/backups` }) });
    await setUp(inNs('setup'), [firewallStep]);
    const configCheck = async () => (await firewallStep.verify(inNs('repair'))).find((f) => f.check === 'firewall.config')?.status;
    await fs.appendFile(box.platform.paths.firewallRules, 'table inet filter { chain input { tcp dport nonsense accept } }\n');
    expect(await configCheck()).toBe('fail');
    const summary = await runSteps({ steps: [firewallStep], ctx: inNs('repair'), listener: () => undefined });
    expect(summary.results.map((r) => `${r.id}:${r.status}`)).toEqual(['firewall:changed']);
    expect(await configCheck()).toBe('pass');
  });

  it('dkim.key, dkim.key-mode (the known gap: mode drift) and dkim.key-match', async () => {
    // No key at all: dkim.key fails; repair makes one, and then only its two checks remain, passing.
    expect((await check(dkimStep, 'dkim.key')).status).toBe('fail');
    expect((await repair([dkimStep])).status.dkim).toBe('changed');
    expect((await dkimStep.verify(box.ctx('repair'))).map((f) => `${f.check}:${f.status}`)).toEqual(['dkim.key-mode:pass', 'dkim.key-match:pass']);
    const { key, pub } = dkimPaths(box.ctx());
    const keyPem = await fs.readFile(key, 'utf8');
    await brokenThenRepaired([dkimStep], dkimStep, 'dkim.key-mode', () => fs.chmod(key, 0o644));
    expect(((await fs.stat(key)).mode & 0o777).toString(8)).toBe('440');
    await brokenThenRepaired([dkimStep], dkimStep, 'dkim.key-match', () => fs.rm(pub));
    await brokenThenRepaired([dkimStep], dkimStep, 'dkim.key-match', async () => fs.writeFile(pub, (await generateRsaKeyPair(2048)).publicKeyPem));
    expect(await fs.readFile(key, 'utf8')).toBe(keyPem); // a key that may be published is never replaced
    // A public half that changed must be published again: repair says so.
    await fs.writeFile(pub, (await generateRsaKeyPair(2048)).publicKeyPem);
    const { planned } = await repair([dkimStep]);
    expect(planned.get('dkim')?.map((p) => p.describe)).toContain('you: the public key changed: publish the DKIM record again');
  }, 60_000);

  it('dkim.key-match with an unreadable private key: repair replaces nothing and names the manual step', async () => {
    await setUp(box.ctx(), [dkimStep]);
    const { key } = dkimPaths(box.ctx());
    await fs.writeFile(key, 'garbage');
    await fs.chmod(key, 0o440);
    const { status, findings } = await repair([dkimStep]);
    expect(status.dkim).toBe('failed');
    expect(findings.get('dkim')?.find((f) => f.check === 'dkim.key-match')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/^Move it away and run `mail-wizard repair` to make a new one/) });
    expect(await fs.readFile(key, 'utf8')).toBe('garbage');
  });
});

async function runRepairWith(ctx: Context) {
  const planned = new Map<string, PlannedAction[]>();
  const summary = await runSteps({ steps: [tlsStep], ctx, listener: (e) => e.type === 'step-planned' && void planned.set(e.step.id, e.actions) });
  return { planned, status: Object.fromEntries(summary.results.map((r) => [r.id, r.status])) };
}
