import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { cli } from '../support/cli.js';
import { tempDir, treeSnapshot } from '../support/tmp.js';

// Each test starts real processes: on a busy machine that takes seconds, far past the 5 s default.
vi.setConfig({ testTimeout: 60_000 });

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function answersFile(content: unknown): Promise<string> {
  const file = path.join(dir, 'answers.json');
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('mail-wizard plan --demo (piped)', () => {
  it('lists every step with its commands and files, as plain lines', async () => {
    const { code, stdout, stderr } = await cli(['plan', '--demo']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\x1b\[/); // no escape codes in a pipe
    for (const [i, step] of STEPS.entries()) expect(stdout).toContain(`== [${i + 1}/${STEPS.length}] ${step.title}`);
    for (const expected of [
      'run pkg_add -I dovecot-- dovecot-pigeonhole-- rspamd-- opensmtpd-filter-rspamd-- redis--',
      'write /etc/mail/smtpd.conf (0644 root)',
      '+action "local_mail" lmtp "/var/dovecot/lmtp" alias <aliases>',
      'generate a 2048-bit RSA key /etc/mail/dkim/example.org.mail2026.key (0440 root:_rspamd)',
      'run rcctl enable smtpd',
      'run pfctl -n -f /etc/pf.conf',
      '_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.org"',
      'dry-run: ',
    ]) expect(stdout).toContain(expected);
  });

  it('--platform debian plans with apt-get and the init scripts', async () => {
    const { code, stdout } = await cli(['plan', '--demo', '--platform', 'debian']);
    expect(code).toBe(0);
    expect(stdout).toContain('run apt-get install -y --no-install-recommends --no-remove opensmtpd');
    expect(stdout).toContain('write /etc/smtpd.conf (0644 root)');
  });

  it('--format sh prints a script that passes sh -n', async () => {
    const { code, stdout } = await cli(['plan', '--demo', '--format', 'sh']);
    expect(code).toBe(0);
    expect(stdout.startsWith('#!/bin/sh\n')).toBe(true);
    const file = path.join(dir, 'plan.sh');
    await fs.writeFile(file, stdout);
    expect(() => execFileSync('sh', ['-n', file])).not.toThrow();
  });

  it('--format json prints the steps and actions as one document', async () => {
    const { code, stdout } = await cli(['plan', '--demo', '--format', 'json']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { steps: { step: { id: string } }[] };
    expect(doc.steps.map((s) => s.step.id)).toEqual(STEPS.map((s) => s.id));
  });

  it('--json prints one event per line', async () => {
    const { stdout } = await cli(['plan', '--demo', '--json']);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)?.type).toBe('run-done');
  });
});

describe('a dry-run changes nothing on disk', () => {
  it('plan against a populated root leaves every file, mode and mtime as it was', async () => {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'etc/mail'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    await fs.writeFile(path.join(root, 'etc/mail/smtpd.conf'), 'listen on lo0\n');
    await fs.writeFile(path.join(root, 'etc/mail/aliases'), 'postmaster: root\n');
    const file = await answersFile(DEMO_ANSWERS);
    const before = await treeSnapshot(dir);
    // Port 9 on loopback: nothing answers there, so the DNS step asks nothing beyond this machine.
    const { code, stdout } = await cli(['plan', '--answers', file, '--root', root, '--platform', 'openbsd', '--nameserver', '127.0.0.1:9'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toContain('_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.org"');
    expect(stdout).toContain('-listen on lo0'); // a diff against what is on disk
    expect(stdout).toContain('-postmaster: root');
    expect(await treeSnapshot(dir)).toEqual(before);
  });

  it('plan --demo reads and writes nothing in the working directory', async () => {
    const before = await treeSnapshot(dir);
    expect((await cli(['plan', '--demo'], { cwd: dir })).code).toBe(0);
    expect(await treeSnapshot(dir)).toEqual(before);
  });
});

describe('bad input', () => {
  it('a bad answers file gives one clear line per bad field and exit code 2', async () => {
    const file = await answersFile({ ...DEMO_ANSWERS, ipv4: '123.456.78.9', hostname: '192.0.2.1', dmarcPolicy: 'strict' });
    const { code, stdout, stderr } = await cli(['plan', '--answers', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `mail-wizard: ${file}: hostname: "192.0.2.1" is an IP address, not a name (for example mail.example.org)`,
      `mail-wizard: ${file}: ipv4: "123.456.78.9" is not an IPv4 address`,
      `mail-wizard: ${file}: dmarcPolicy: "strict" is not a DMARC policy (none, quarantine or reject)`,
    ]);
  });

  it.each([
    [['plan', '--answers', '/nonexistent/answers.json'], 'no such answers file'],
    [['plan', '--demo', '--platform', 'windows'], '--platform: "windows" is not a platform (openbsd or debian)'],
    [['plan', '--demo', '--format', 'yaml'], '--format: "yaml" is not text, sh or json'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['plan', '--bogus'], "Unknown option '--bogus'"],
    [['setup', '--demo', '--yes'], '--demo describes example.org'],
    [['setup', '--demo'], 'setup cannot ask before replacing files here (not a terminal): add --yes'],
    [['check', 'everything', '--demo'], 'check: unknown area "everything"'],
    [['check', 'dns', '--demo', '--nameserver', 'bad host'], '--nameserver bad host: "bad host" is neither an IP address nor a host name'],
    [['records', '--demo', '--format', 'bind'], '--format: "bind" is not zone, table or json'],
    [['check', 'dns', '--demo', '--dane'], '--dane goes with records'],
    [['records', '--demo', '--dane'], 'records --dane asks the zone\'s DNS servers: give --answers (or --nameserver), not --demo alone'],
    [['setup', '--demo', '--yes', '--allow-remove', 'exim4;rm'], '--allow-remove: "exim4;rm" is not a package name'],
  ])('%j → exit 2: %s', async (args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    [
      'a certificate path that would add an open-relay rule to smtpd.conf',
      { tls: { mode: 'existing', cert: '/etc/ssl/a.pem"\nmatch from any for any action "outbound"\n#', key: '/etc/ssl/private/a.key' } },
      'tls.cert: "/etc/ssl/a.pem\\"\\nmatch from any for any action \\"outbound\\"\\n#" cannot go into smtpd.conf and dovecot.conf',
    ],
    ['a pipe alias as postmaster', { postmaster: '|/tmp/x@example.org' }, 'postmaster: "|/tmp/x@example.org" cannot go into the aliases and smtpd tables'],
    ['an :include: list as the report address', { dmarcReports: ':include:/etc/passwd@example.org' }, 'dmarcReports: ":include:/etc/passwd@example.org" is not an email address'],
    ['a key path with a newline', { tls: { mode: 'existing', cert: '/etc/ssl/a.pem', key: '/etc/ssl/private/a.key\nssl = no' } }, 'tls.key: "/etc/ssl/private/a.key\\nssl = no" cannot go into'],
  ])('%s: exit 2, one line naming the field, nothing written', async (_what, bad, line) => {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    const file = await answersFile({ ...DEMO_ANSWERS, ...bad });
    const before = await treeSnapshot(dir);
    const { code, stdout, stderr } = await cli(['setup', '--yes', '--plain', '--answers', file, '--root', root, '--platform', 'debian'], { cwd: dir });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`mail-wizard: ${file}: ${line}`), lines[0]).toBe(true);
    expect(await treeSnapshot(dir)).toEqual(before);
  });

  it('an answers file that is not JSON says so, with exit code 2', async () => {
    const file = await answersFile('{"domain": "example.org",');
    const { code, stderr } = await cli(['plan', '--answers', file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/not valid JSON/);
  });
});

describe('records --demo', () => {
  it('prints zone lines to paste, with the DKIM placeholder explained', async () => {
    const { code, stdout } = await cli(['records', '--demo']);
    expect(code).toBe(0);
    expect(stdout).toContain('example.org.\t3600\tIN\tMX\t10 mail.example.org.');
    expect(stdout).toContain('_dmarc.example.org.\t3600\tIN\tTXT\t"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@example.org"');
    expect(stdout).toMatch(/setup creates it/);
  });
});

describe('help and version', () => {
  it('--help lists every command and exits 0', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const c of ['setup', 'repair', 'plan', 'check', 'check dns', 'records']) expect(stdout).toContain(`  ${c} `);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await cli(['--version'])).stdout.trim()).toBe(pkg.version);
  });
});
