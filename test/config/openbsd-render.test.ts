/**
 * The OpenBSD rendering checked by the real tools that exist on Debian: smtpd -n (OpenSMTPD's
 * grammar is shared), doveconf -n (the Dovecot 2.3 grammar OpenBSD's package uses), sievec,
 * rspamadm configtest on the local.d files, redis-server starting with redis.conf. Paths are mapped
 * into a temp root. NOT checked here, because only OpenBSD has the tools: pf.conf (pfctl),
 * acme-client.conf (acme-client -n), httpd.conf (httpd -n), daily.local, rcctl and pkg_add
 * commands, and the bsdauth passdb driver (doveconf accepts the name without loading it).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { generateRsaKeyPair } from '../../src/dkim/keys.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { renderDovecotConf, renderSieveFiles } from '../../recipes/templates/dovecot.js';
import { renderRedisConf } from '../../recipes/templates/redis.js';
import { renderRspamdLocalD } from '../../recipes/templates/rspamd.js';
import { rspamadmConfigtest } from '../../recipes/rspamd.js';
import { renderSmtpdConf } from '../../recipes/templates/smtpd.js';
import { renderAliases } from '../../recipes/templates/aliases.js';
import { renderRecipients } from '../../recipes/templates/recipients.js';
import { renderSenders } from '../../recipes/templates/senders.js';
import { dkimPaths, tlsPaths } from '../../recipes/templates/input.js';
import { platformUnder } from '../support/mapped-platform.js';
import { missingTools } from '../support/require-tool.js';
import { tempDir } from '../support/tmp.js';
import { forDebianRedis } from './openbsd-on-debian.js';

const run = promisify(execFile);
const skip = missingTools('OpenBSD rendering checks', ['/usr/sbin/smtpd', '/usr/bin/doveconf', '/usr/bin/sievec', '/usr/bin/rspamadm', '/usr/bin/redis-server', '/usr/bin/unshare']);

describe.skipIf(skip)('OpenBSD rendering, checked by the real daemons\' checkers', () => {
  let root: string;
  let platform: Platform;
  const facts = { dovecotVersion: '2.3.21' };
  const input = () => ({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' as const } }, platform, facts });

  async function put(file: string, content: string, mode = 0o644) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content, { mode });
  }

  beforeAll(async () => {
    root = await tempDir('mail-wizard-obsd-');
    platform = platformUnder(openbsd, root);
    const { cert, key } = tlsPaths(input());
    const pair = await generateRsaKeyPair(2048);
    await put(key, pair.privateKeyPem, 0o600);
    await put(cert, selfSignedCertificatePem(pair.privateKeyPem, DEMO_ANSWERS.hostname, [], 1));
    await put(dkimPaths(input()).key, pair.privateKeyPem, 0o600);
    await put(platform.paths.aliases, renderAliases(null, DEMO_ANSWERS));
    await put(platform.paths.senders, renderSenders(DEMO_ANSWERS, renderAliases(null, DEMO_ANSWERS), platform.paths.senders));
    await put(platform.paths.recipients, renderRecipients(DEMO_ANSWERS, renderAliases(null, DEMO_ANSWERS), platform.paths.recipients));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('smtpd.conf passes smtpd -n', async () => {
    const file = platform.paths.smtpdConf;
    await put(file, renderSmtpdConf(input()));
    const { stdout, stderr } = await run('/usr/sbin/smtpd', ['-n', '-f', file]);
    expect(`${stdout}${stderr}`).toContain('configuration OK');
  });

  it('smtpd -n does fail on a broken file (the check can fail)', async () => {
    const file = path.join(root, 'broken-smtpd.conf');
    await put(file, `${renderSmtpdConf(input())}\nmatch from everywhere action "nowhere"\n`);
    await expect(run('/usr/sbin/smtpd', ['-n', '-f', file])).rejects.toThrow(/syntax error/);
  });

  it('keeps its sieve scripts out of the pigeonhole package\'s own directory', () => {
    // ports: mail/dovecot-pigeonhole/pkg/PLIST owns lib/dovecot/sieve/ (its sieve plugins live
    // there): pkg_delete would leave scripts of ours behind in it.
    expect(openbsd.paths.sieveDir).toBe('/etc/dovecot/sieve');
    expect(renderDovecotConf(input())).not.toContain('/usr/local/lib/dovecot/sieve');
  });

  it('dovecot.conf (2.3 grammar) passes doveconf -n and its sieve scripts compile', async () => {
    const file = platform.paths.dovecotConf;
    await put(file, renderDovecotConf(input()));
    await run('/usr/bin/doveconf', ['-n', '-c', file]);
    for (const f of renderSieveFiles(input()).filter((s) => s.name.endsWith('.sieve'))) {
      const script = path.join(platform.paths.sieveDir, f.name);
      await put(script, f.content);
      await run('/usr/bin/sievec', ['-c', file, script]);
      await expect(fs.stat(script.replace(/\.sieve$/, '.svbin'))).resolves.toBeTruthy();
    }
  });

  it('the rspamd local.d files pass rspamadm configtest (no network: unshare --net)', async () => {
    const confdir = path.join(root, 'etc/rspamd');
    await fs.cp('/etc/rspamd', confdir, { recursive: true });
    for (const f of renderRspamdLocalD(input())) await put(f.path.replace(`${root}/etc/rspamd`, confdir), f.content);
    const rspamadm = (conf: string) => run('unshare', ['--net', ...rspamadmConfigtest('/usr/bin/rspamadm', conf)]);
    const { stdout } = await rspamadm(confdir);
    expect(stdout).toContain('syntax OK');
    // The same check on a broken copy fails, so the pass above means something.
    await put(path.join(confdir, 'local.d/worker-normal.inc'), 'bind_socket = "127.0.0.1:11333\n');
    await expect(rspamadm(confdir)).rejects.toThrow(/syntax BAD|parser error/);
  }, 30_000);

  it('redis-server starts with redis.conf (on a socket in the temp root, no TCP port)', async () => {
    const file = platform.paths.redisConf;
    await put(file, forDebianRedis(renderRedisConf(input())));
    await fs.mkdir(platform.paths.redisDir, { recursive: true });
    await fs.mkdir(path.dirname(platform.paths.redisPidFile), { recursive: true });
    const sock = path.join(root, 'redis.sock');
    const { spawn } = await import('node:child_process');
    // --save "": on SIGTERM Redis would otherwise insist on saving first, and refuse to exit when it cannot.
    const child = spawn('/usr/bin/redis-server', [file, '--port', '0', '--unixsocket', sock, '--daemonize', 'no', '--syslog-enabled', 'no', '--logfile', '', '--save', '']);
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const ready = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 10_000);
      child.stdout.on('data', () => {
        if (/ready to accept connections/i.test(log)) {
          clearTimeout(t);
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(ready, log).toBe(true);
  }, 20_000);
});
