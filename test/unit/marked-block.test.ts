/**
 * Files shared with the admin: mail-wizard owns one marked block (or a file the shared one
 * includes) and nothing else. Checked on real files under a temp root, through the steps that
 * write them, as setup and repair would.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aliasesStep } from '../../recipes/aliases.js';
import { hostsStep } from '../../recipes/hosts.js';
import { BLOCK_BEGIN, BLOCK_END, insideBlock, withBlock } from '../../recipes/lib/marked-block.js';
import { sendersFor } from '../../recipes/templates/senders.js';
import { recipientsFor } from '../../recipes/templates/recipients.js';
import { tlsStep } from '../../recipes/tls.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import type { Answers } from '../../src/answers/schema.js';
import { createContext } from '../../src/engine/context.js';
import { runSteps } from '../../src/engine/runner.js';
import type { AnyStep, Mode, WriteFileAction } from '../../src/engine/types.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { tempDir } from '../support/tmp.js';

let root: string;
beforeEach(async () => {
  root = await tempDir();
  // The accounts the files are owned by (the rooted host reads them from the root).
  await fs.mkdir(path.join(root, 'etc'));
  await fs.writeFile(path.join(root, 'etc/passwd'), `root:x:${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}:root:/root:/bin/sh\n`);
  await fs.writeFile(path.join(root, 'etc/group'), `root:x:${process.getgid?.() ?? 0}:\n`);
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const ANSWERS: Answers = { ...DEMO_ANSWERS, users: ['alice', 'bob'], postmaster: 'alice', tls: { mode: 'self-signed' } };
const onDisk = (p: string) => fs.readFile(path.join(root, p), 'utf8');
const put = async (p: string, content: string) => {
  await fs.mkdir(path.dirname(path.join(root, p)), { recursive: true });
  await fs.writeFile(path.join(root, p), content);
};

function context(mode: Mode = 'setup', platform: Platform = debian, answers: Answers = ANSWERS) {
  return createContext({ answers, platform, host: rootedHost(root, { exec: 'none' }), mode, facts: {}, runId: 'test' });
}

async function run(steps: AnyStep[], mode: Mode = 'setup') {
  const summary = await runSteps({ steps, ctx: context(mode), listener: () => undefined });
  return Object.fromEntries(summary.results.map((r) => [r.id, r.status]));
}

describe('withBlock (the marked block itself)', () => {
  const spec = { what: 'test', lines: ['ours: 1'], conflict: (l: string) => (l.startsWith('ours:') ? 'ours is in the block' : null) };

  it('appends the block to an admin file, keeps every other line, and is idempotent', () => {
    const admin = '# my file\nkeep: me\n\n';
    const once = withBlock(admin, spec);
    expect(once).toBe(`# my file\nkeep: me\n\n${BLOCK_BEGIN}: test\nours: 1\n${BLOCK_END}\n`);
    expect(withBlock(once, spec)).toBe(once);
    expect(withBlock(null, spec)).toBe(`${BLOCK_BEGIN}: test\nours: 1\n${BLOCK_END}\n`);
  });

  it('replaces the block in place; lines after it stay after it', () => {
    const file = `a\n${BLOCK_BEGIN}: old\nours: 0\n${BLOCK_END}\nb\n`;
    expect(withBlock(file, spec)).toBe(`a\n${BLOCK_BEGIN}: test\nours: 1\n${BLOCK_END}\nb\n`);
  });

  it('comments out a contradicting admin line with the reason, once', () => {
    const once = withBlock('ours: 7\n', spec);
    expect(once).toBe(`#ours: 7\t# disabled by mail-wizard: ours is in the block\n\n${BLOCK_BEGIN}: test\nours: 1\n${BLOCK_END}\n`);
    expect(withBlock(once, spec)).toBe(once);
  });

  it('a BEGIN without its END swallows none of the admin\'s lines', () => {
    const file = `${BLOCK_BEGIN}: broken\nadmin: 1\nadmin: 2\n`;
    expect(withBlock(file, spec)).toBe(`${BLOCK_BEGIN}: test\nours: 1\n${BLOCK_END}\nadmin: 1\nadmin: 2\n`);
  });
});

describe('/etc/hosts and /etc/aliases on real files (setup, then the admin edits, then setup again)', () => {
  const adminHosts = [
    '# the provider wrote this',
    '203.0.113.9\tlocalhost', // the seed story: localhost on a public address
    '127.0.1.1\tmail.example.org mail', // Debian's installer line for the host name
    '10.0.0.5\tbackup.internal backup',
    '',
  ].join('\n');
  const adminAliases = ['# my aliases', 'postmaster: root', 'ceo: bob', 'sales: alice, bob', 'webmaster: someone@elsewhere.test', ''].join('\n');

  it('keeps the admin\'s lines, comments out the contradicting ones with a note, and owns only its block', async () => {
    await put('/etc/hosts', adminHosts);
    await put('/etc/aliases', adminAliases);
    expect(await run([hostsStep, aliasesStep])).toEqual({ hosts: 'changed', aliases: 'changed' });

    const hosts = await onDisk('/etc/hosts');
    expect(hosts).toContain('# the provider wrote this\n');
    expect(hosts).toContain('\n10.0.0.5\tbackup.internal backup\n');
    expect(hosts).toContain('#203.0.113.9\tlocalhost\t# disabled by mail-wizard: localhost must be loopback\n');
    expect(hosts).toContain('#127.0.1.1\tmail.example.org mail\t# disabled by mail-wizard: mail.example.org is set in the mail-wizard block\n');
    expect(insideBlock(hosts)).toEqual(['127.0.0.1\tlocalhost', '::1\t\tlocalhost', `${ANSWERS.ipv4}\tmail.example.org mail`, `${ANSWERS.ipv6}\tmail.example.org mail`]);

    const aliases = await onDisk('/etc/aliases');
    // The admin's own postmaster line is not deleted: it is commented out, with the reason.
    expect(aliases).toContain('#postmaster: root\t# disabled by mail-wizard: "postmaster" is set in the mail-wizard block\n');
    for (const line of ['# my aliases', 'ceo: bob', 'sales: alice, bob', 'webmaster: someone@elsewhere.test']) expect(aliases).toContain(`${line}\n`);
    expect(insideBlock(aliases)).toEqual(['postmaster: alice', 'abuse: postmaster', 'hostmaster: postmaster', 'root: postmaster', 'tlsrpt: postmaster', 'dmarc-reports: postmaster']);

    // A second setup changes nothing.
    expect(await run([hostsStep, aliasesStep])).toEqual({ hosts: 'ok', aliases: 'ok' });

    // The admin adds lines outside the block: still as wanted, and not rewritten.
    await fs.appendFile(path.join(root, 'etc/hosts'), '10.0.0.6\tprinter\n');
    await fs.appendFile(path.join(root, 'etc/aliases'), 'support: bob\n');
    const edited = { hosts: await onDisk('/etc/hosts'), aliases: await onDisk('/etc/aliases') };
    expect(await run([hostsStep, aliasesStep], 'repair')).toEqual({ hosts: 'ok', aliases: 'ok' });
    expect(await run([hostsStep, aliasesStep])).toEqual({ hosts: 'ok', aliases: 'ok' });
    expect({ hosts: await onDisk('/etc/hosts'), aliases: await onDisk('/etc/aliases') }).toEqual(edited);
  });

  it('a deleted block is put back by repair, the admin\'s lines around it untouched', async () => {
    await put('/etc/aliases', adminAliases);
    await run([aliasesStep]);
    const written = await onDisk('/etc/aliases');
    const withoutBlock = written.slice(0, written.indexOf(BLOCK_BEGIN));
    await put('/etc/aliases', withoutBlock);
    const verified = await aliasesStep.verify(context('repair'));
    expect(verified).toMatchObject([{ status: 'fail', summary: '/etc/aliases lacks the mail-wizard block' }]);
    expect(await run([aliasesStep], 'repair')).toEqual({ aliases: 'changed' });
    expect(await onDisk('/etc/aliases')).toBe(written);
  });

  it('senders: a user may send as their address and the aliases that reach them, nothing else', async () => {
    await put('/etc/aliases', adminAliases);
    await run([aliasesStep]);
    const senders = sendersFor(ANSWERS, await onDisk('/etc/aliases'));
    expect(senders.get('alice')).toEqual([
      'alice@example.org',
      'abuse@example.org',
      'dmarc-reports@example.org',
      'hostmaster@example.org',
      'postmaster@example.org',
      'root@example.org',
      'sales@example.org',
      'tlsrpt@example.org',
    ]);
    expect(senders.get('bob')).toEqual(['bob@example.org', 'ceo@example.org', 'sales@example.org']);
    // An alias loop reaches nobody new (and does not hang).
    expect(sendersFor(ANSWERS, 'a: b\nb: a, bob\n').get('bob')).toEqual(['bob@example.org', 'a@example.org', 'b@example.org']);
  });

  it('recipients: every user and every alias name (ours and the admin\'s) takes mail, and no other name', async () => {
    await put('/etc/aliases', adminAliases);
    await run([aliasesStep]);
    expect(recipientsFor(ANSWERS, await onDisk('/etc/aliases'))).toEqual([
      'abuse@example.org',
      'alice@example.org',
      'bob@example.org',
      'ceo@example.org',
      'dmarc-reports@example.org',
      'hostmaster@example.org',
      'postmaster@example.org',
      'root@example.org',
      'sales@example.org',
      'tlsrpt@example.org',
      'webmaster@example.org',
    ]);
    // A user with an alias of the same name is listed once; names are matched in lower case.
    expect(recipientsFor({ ...ANSWERS, users: ['alice'] }, 'Alice: bob\n')).toEqual(['alice@example.org']);
  });
});

describe('OpenBSD ACME renewal: httpd.conf, acme-client.conf and daily.local keep the admin\'s lines', () => {
  const website = 'server "www.example.org" {\n\tlisten on * port 80\n\troot "/htdocs/www"\n}\n';
  const acme = 'authority letsencrypt {\n\tapi url "https://acme-v02.api.letsencrypt.org/directory"\n\taccount key "/etc/acme/letsencrypt-privkey.pem"\n}\n\ndomain www.example.org {\n\tsign with letsencrypt\n}\n';
  const daily = '#!/bin/sh\n/usr/local/bin/backup-my-site\nacme-client www.example.org && rcctl reload httpd\nacme-client mail.example.org\n';

  it('plans a block with an include in each shared file and a file of its own', async () => {
    await put('/etc/httpd.conf', website);
    await put('/etc/acme-client.conf', acme);
    await put('/etc/daily.local', daily);
    const ctx = context('setup', openbsd, { ...ANSWERS, tls: { mode: 'acme' } });
    const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
    const writes = Object.fromEntries(plan.actions.filter((a): a is WriteFileAction => a.type === 'writeFile').map((a) => [a.path, a.content]));
    expect(Object.keys(writes).sort()).toEqual(['/etc/acme-client.conf', '/etc/acme-client.mail-wizard.conf', '/etc/daily.local', '/etc/httpd.conf', '/etc/httpd.mail-wizard.conf']);

    expect(writes['/etc/httpd.conf']).toBe(`${website}\n${BLOCK_BEGIN}: ACME challenges for the mail server's certificate\ninclude "/etc/httpd.mail-wizard.conf"\n${BLOCK_END}\n`);
    expect(writes['/etc/httpd.mail-wizard.conf']).toContain('server "mail.example.org" {');

    expect(writes['/etc/acme-client.conf']).toBe(`${acme}\n${BLOCK_BEGIN}: the mail server's certificate\ninclude "/etc/acme-client.mail-wizard.conf"\n${BLOCK_END}\n`);
    // The admin already defines the authority: defining it twice would be an error.
    expect(writes['/etc/acme-client.mail-wizard.conf']).not.toMatch(/^authority/m);
    expect(writes['/etc/acme-client.mail-wizard.conf']).toContain('domain mail.example.org {');

    const dailyLocal = writes['/etc/daily.local']!;
    expect(dailyLocal.startsWith('#!/bin/sh\n/usr/local/bin/backup-my-site\nacme-client www.example.org && rcctl reload httpd\n')).toBe(true);
    // The admin's older renewal of the same certificate is commented out, not deleted.
    expect(dailyLocal).toContain('#acme-client mail.example.org\t# disabled by mail-wizard: the renewal is in the mail-wizard block\n');
    // The web server (MTA-STS is on in the demo answers) reloads too: httpd serves the same certificate.
    expect(insideBlock(dailyLocal)).toContain('acme-client mail.example.org && rcctl restart smtpd dovecot && rcctl reload httpd');
  });

  it('a httpd.conf an earlier version wrote whole is replaced by the block, not kept beside it', async () => {
    await put('/etc/httpd.conf', '# /etc/httpd.conf: answers ACME challenges for the certificate\n# Written by mail-wizard. Rerun `mail-wizard repair` rather than editing by hand;\n# the previous version of this file is kept under /var/backups/mail-wizard/.\n\nserver "mail.example.org" {\n}\n');
    const ctx = context('setup', openbsd, { ...ANSWERS, tls: { mode: 'acme' } });
    const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
    const httpd = plan.actions.find((a): a is WriteFileAction => a.type === 'writeFile' && a.path === '/etc/httpd.conf');
    expect(httpd?.content).toBe(`${BLOCK_BEGIN}: ACME challenges for the mail server's certificate\ninclude "/etc/httpd.mail-wizard.conf"\n${BLOCK_END}\n`);
  });

  it('another ACME directory gets an authority of ours (api url), beside the admin\'s "letsencrypt"', async () => {
    await put('/etc/acme-client.conf', acme);
    const staging = 'https://acme-staging-v02.api.letsencrypt.org/directory';
    const ctx = context('setup', openbsd, { ...ANSWERS, tls: { mode: 'acme', directory: staging } });
    const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
    const own = plan.actions.find((a): a is WriteFileAction => a.type === 'writeFile' && a.path === '/etc/acme-client.mail-wizard.conf')?.content;
    expect(own).toContain(`authority mail-wizard {\n\tapi url "${staging}"\n\taccount key "/etc/acme/mail-wizard-privkey.pem"\n}\n`);
    expect(own).toMatch(/^\tsign with mail-wizard$/m);
    expect(own).not.toMatch(/^authority letsencrypt/m);
  });

  it('on Debian, certbot is given the directory as --server (the default one when none is named)', async () => {
    const certbotArgv = async (tls: Answers['tls']) => {
      const ctx = context('setup', debian, { ...ANSWERS, tls });
      const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
      const run = plan.actions.find((a) => a.type === 'run' && a.argv[0] === 'certbot');
      return run?.type === 'run' ? run.argv : [];
    };
    const pebble = 'https://198.51.100.10:14000/dir';
    const argv = await certbotArgv({ mode: 'acme', directory: pebble });
    expect(argv.slice(argv.indexOf('--server'), argv.indexOf('--server') + 2)).toEqual(['--server', pebble]);
    const plain = await certbotArgv({ mode: 'acme' });
    expect(plain.slice(plain.indexOf('--server'), plain.indexOf('--server') + 2)).toEqual(['--server', 'https://acme-v02.api.letsencrypt.org/directory']);
  });

  it('on a stock box (no httpd.conf, no acme-client.conf) the authority comes with our file', async () => {
    const ctx = context('setup', openbsd, { ...ANSWERS, tls: { mode: 'acme' } });
    const plan = tlsStep.plan(ctx, await tlsStep.probe(ctx));
    const own = plan.actions.find((a): a is WriteFileAction => a.type === 'writeFile' && a.path === '/etc/acme-client.mail-wizard.conf');
    expect(own?.content).toMatch(/^authority letsencrypt \{/m);
  });
});
