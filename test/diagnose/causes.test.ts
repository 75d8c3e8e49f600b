/**
 * The catalogue of known failure causes, reproduced on this machine where that is real enough: a
 * program holding port 25 (a real listener, seen by ss), a full tmpfs in a private mount namespace,
 * certificate files that are missing or do not match, an A record in a real NSD that points
 * elsewhere, a web server on port 80, a box without /etc/installurl. Each case runs the real runner
 * with the real step and reads the cause and fix in the plain output. What cannot exist here is a
 * stand-in named as such: OpenBSD's pkg_add and an ACME CA (via certbot's own failure text).
 * The trixie test host reproduces the rest (test/stack/failure-causes.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import type { Answers } from '../../src/answers/schema.js';
import { likelyCause } from '../../src/diagnose/index.js';
import { parseDf, parseFstat, parseSs } from '../../src/diagnose/probes.js';
import { createContext } from '../../src/engine/context.js';
import { runSteps } from '../../src/engine/runner.js';
import type { AnyStep, Context } from '../../src/engine/types.js';
import { FsHost } from '../../src/host/fs-host.js';
import { execArgv } from '../../src/host/exec.js';
import { rootedHost } from '../../src/host/rooted.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { plainRenderer } from '../../src/ui/plain/renderer.js';
import { packagesStep } from '../../recipes/packages.js';
import { tlsStep } from '../../recipes/tls.js';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { startNsd, type Nsd } from '../dns/nsd.js';
import { NSD_AVAILABLE } from '../dns/with-nsd.js';

const IS_ROOT = process.getuid?.() === 0;

let root: string;
beforeEach(async () => {
  root = await tempDir('mw-diagnose-');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function context(platform: Platform, answers: Partial<Answers> = {}, nameservers: string[] = [], host = rootedHost(root, { exec: 'host' })): Context {
  return createContext({ answers: { ...DEMO_ANSWERS, ...answers }, platform, host, mode: 'setup', facts: { serviceManager: 'systemctl' }, runId: 'diagnose', dns: { nameservers, offline: false } });
}

/** Runs steps through the real runner and returns what the plain renderer printed. */
async function plainRun(steps: AnyStep[], ctx: Context): Promise<string> {
  const lines: string[] = [];
  await runSteps({ steps, ctx, listener: plainRenderer({ write: (l) => lines.push(l), diffs: false }) });
  return lines.join('\n');
}

/** A directory put first on PATH for stand-ins of tools that cannot exist here. */
async function standIn(name: string, script: string): Promise<string> {
  const dir = path.join(root, 'stand-ins');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, name), script, { mode: 0o755 });
  return dir;
}

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved}`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

/** A real TCP listener whose process name (comm, what ss shows) is `name`. */
async function listenerNamed(name: string, port: number): Promise<ChildProcess> {
  const code = [
    'import ctypes, socket, sys',
    `ctypes.CDLL(None).prctl(15, b"${name}", 0, 0, 0)`,
    's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    `s.bind(("0.0.0.0", ${port})); s.listen(8)`,
    'print("ready", flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (c) => reject(new Error(`listener ${name} exited (${c})`)));
  });
  return child;
}

describe('what the probes read', () => {
  it('ss: the listener and its process, as iproute2 prints them', () => {
    const out = 'LISTEN 0      100          0.0.0.0:25        0.0.0.0:*    users:(("exim4",pid=812,fd=3))\nLISTEN 0      100             [::]:25           [::]:*    users:(("exim4",pid=812,fd=4))\nLISTEN 0 4096 127.0.0.1:6379 0.0.0.0:* users:(("redis-server",pid=90,fd=6))\n';
    expect(parseSs(out, 25)).toEqual([{ port: 25, address: '0.0.0.0', process: 'exim4', pid: 812 }]);
    expect(parseSs(out, 587)).toEqual([]);
  });

  it('fstat: a listening tcp socket in the layout of fstat(1) (USER CMD PID FD, "internet stream tcp PCB *:25")', () => {
    const out = [
      'USER     CMD          PID   FD MOUNT        INUM  MODE         R/W    SZ|DV',
      'root     sendmail   61234    4* internet stream tcp 0xffff8000012d4a18 *:25',
      'root     sshd       33333    3* internet stream tcp 0xffff8000012d4b00 *:22',
      '_smtpd   smtpd      70000    9* internet stream tcp 0xffff8000012d4c00 192.0.2.25:25 <-- 198.51.100.7:41234',
    ].join('\n');
    expect(parseFstat(out, 25)).toEqual([{ port: 25, address: '*', process: 'sendmail', pid: 61234 }]);
  });

  it('df: GNU and OpenBSD headers, blocks and inodes', () => {
    expect(parseDf('Filesystem     1K-blocks  Used Available Use% Mounted on\ntmpfs                 64    64         0 100% /etc/rspamd/local.d\n', ['Use%', 'Capacity'])).toEqual({ mount: '/etc/rspamd/local.d', percent: 100, avail: 0 });
    expect(parseDf('Filesystem     Inodes IUsed IFree IUse% Mounted on\ntmpfs               4     4     0  100% /var\n', ['IUse%', '%iused'])).toEqual({ mount: '/var', percent: 100 });
    expect(parseDf('Filesystem  512-blocks      Used     Avail Capacity iused   ifree  %iused  Mounted on\n/dev/sd0a     1005468    110000    845196    12%    2000  130000     2%   /\n', ['IUse%', '%iused'])).toEqual({ mount: '/', percent: 2, avail: 845196 });
  });
});

describe.skipIf(!IS_ROOT)('another program on port 25 (a real listener in this test\'s network namespace)', () => {
  let holder: ChildProcess | undefined;
  afterAll(() => {
    holder?.kill();
  });

  it('names the process and pid, and how to stop it for good', async () => {
    holder = await listenerNamed('postfix', 25);
    const ctx = context(debian, {}, [], new FsHost('local', { resolve: (p) => p, exec: execArgv, backupDir: path.join(root, 'backups') }));
    const cause = await likelyCause({ status: 'fail', check: 'services.smtp-25', summary: 'port 25 accepts connections but sends no SMTP greeting' }, ctx);
    expect(cause?.cause).toBe(`Port 25 is held by another mail server, postfix (pid ${holder.pid}), so OpenSMTPD cannot listen there: two mail servers cannot share it.`);
    expect(cause?.fix).toContain('systemctl disable --now postfix');
  });
});

describe('certificate files (real files, the real TLS step through the runner)', () => {
  const cert = '/etc/ssl/mail.pem';
  const key = '/etc/ssl/private/mail.key';
  const tls = { mode: 'existing' as const, cert, key };

  it('missing: names both files and where to put them', async () => {
    const out = await plainRun([tlsStep], context(debian, { tls }));
    expect(out).toContain(`cause: The certificate ${cert} and the private key ${key} do not exist`);
    expect(out).toContain(`fix:  Copy your certificate to ${cert} and its key to ${key}`);
  });

  it('a key that is not the certificate\'s: named, with the check that proves a pair', async () => {
    const pem = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await fs.mkdir(path.join(root, 'etc/ssl/private'), { recursive: true });
    await fs.writeFile(path.join(root, cert), selfSignedCertificatePem(pem(2048), DEMO_ANSWERS.hostname, [], 30));
    await fs.writeFile(path.join(root, key), pem(2048), { mode: 0o600 });
    const out = await plainRun([tlsStep], context(debian, { tls }));
    expect(out).toContain(`FAIL [tls.key]`);
    expect(out).toContain(`cause: The private key ${key} does not belong to the certificate ${cert}`);
    expect(out).toContain(`openssl x509 -noout -pubkey -in ${cert} | openssl sha256`);
  });
});

describe.skipIf(!NSD_AVAILABLE)('ACME: the facts behind a failed challenge (real NSD; certbot stands in for the CA, which cannot exist here)', () => {
  let nsd: Nsd;
  const zone = (address: string) => ({ name: 'example.org', text: `$TTL 60\n@ IN SOA ns.example.org. h.example.org. 1 3600 600 86400 60\n@ IN NS ns.example.org.\nns IN A 127.0.0.1\nmail IN A ${address}\n` });
  afterEach(async () => {
    await nsd?.stop();
  });

  /**
   * Stands in for certbot against a CA: prints what certbot prints when the CA's validation fails
   * (certbot/_internal/auth_handler.py: "Certbot failed to authenticate some domains", then each
   * domain's type and detail) and exits 1.
   */
  const certbot = (detail: string) =>
    standIn('certbot', `#!/bin/sh\necho "Certbot failed to authenticate some domains (authenticator: standalone). The Certificate Authority reported these problems:" >&2\necho "  Domain: ${DEMO_ANSWERS.hostname}" >&2\necho "  Type:   connection" >&2\necho "  Detail: ${detail}" >&2\nexit 1\n`);

  it('an authoritative server as the resolver refuses to recurse: a failed fetch is DNS, a silent port is not blamed on it', async () => {
    nsd = await startNsd([zone('192.0.2.99')]);
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/resolv.conf'), `nameserver ${nsd.address}\n`);
    const ctx = context(debian);
    const fetch = await likelyCause({ status: 'fail', check: 'packages.apply', summary: 'Could not run apt-get update', evidence: "W: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease  Temporary failure resolving 'deb.debian.org'" }, ctx);
    expect(fetch?.cause).toBe(`It was DNS. The resolver in /etc/resolv.conf (${nsd.address}) answers, but refuses to look names up for this box (REFUSED or SERVFAIL): it is not a recursive resolver, so every name lookup fails.`);
    const port = await likelyCause({ status: 'fail', check: 'services.smtp-25', summary: 'port 25 accepts connections but sends no SMTP greeting', evidence: 'no greeting within 10 s' }, ctx);
    expect(port?.id).not.toBe('resolver-refuses');
  });

  it('the A record points elsewhere: names the address it points to and this server\'s', async () => {
    nsd = await startNsd([zone('192.0.2.99')]);
    const dir = await certbot('192.0.2.99: Fetching http://mail.example.org/.well-known/acme-challenge/x: Timeout during connect (likely firewall problem)');
    const out = await withPath(dir, () => plainRun([tlsStep], context(debian, { tls: { mode: 'acme' } }, [nsd.address])));
    expect(out).toContain(`cause: mail.example.org's A record points to 192.0.2.99, not to this server (${DEMO_ANSWERS.ipv4})`);
    expect(out).toContain(`fix:  Set the A record of mail.example.org to ${DEMO_ANSWERS.ipv4}`);
  });

  it.skipIf(!IS_ROOT)('the A record is right but a web server holds port 80: names it', async () => {
    nsd = await startNsd([zone(DEMO_ANSWERS.ipv4)]);
    const web = await listenerNamed('nginx', 80);
    try {
      const dir = await certbot('Could not bind TCP port 80 because it is already in use by another process on this system (such as a web server).');
      const out = await withPath(dir, () => plainRun([tlsStep], context(debian, { tls: { mode: 'acme' } }, [nsd.address])));
      expect(out).toContain(`cause: Port 80 is held by nginx (pid ${web.pid}), so certbot --standalone cannot answer the CA's challenge.`);
    } finally {
      web.kill();
    }
  });

  it('the A record is right and nothing holds port 80, but the CA timed out: a firewall drops port 80', async () => {
    nsd = await startNsd([zone(DEMO_ANSWERS.ipv4)]);
    const dir = await certbot(`${DEMO_ANSWERS.ipv4}: Fetching http://mail.example.org/.well-known/acme-challenge/x: Timeout during connect (likely firewall problem)`);
    const out = await withPath(dir, () => plainRun([tlsStep], context(debian, { tls: { mode: 'acme' } }, [nsd.address])));
    expect(out).toContain(`cause: The CA could not connect to port 80 of ${DEMO_ANSWERS.ipv4}`);
    expect(out).toContain('tcp dport 80');
  });
});

describe('OpenBSD without /etc/installurl (pkg_add stands in: OpenBSD cannot run here)', () => {
  /** Prints what pkg_add prints for a stem it finds in no repository ("Can't find NAME"), exit 1. */
  const pkgAdd = () => standIn('pkg_add', `#!/bin/sh\nfor a in "$@"; do case "$a" in -*) ;; *) printf "Can't find %s\\n" "$a" >&2 ;; esac; done\nexit 1\n`);

  it('a missing /etc/installurl: the packages step names it before pkg_add runs', async () => {
    const out = await plainRun([packagesStep], context(openbsd));
    expect(out).toContain('FAIL [packages.source] /etc/installurl is missing');
  });

  it('an /etc/installurl that names no mirror (comments only): pkg_add cannot find a package, and the catalogue says why', async () => {
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/installurl'), '# https://cdn.openbsd.org/pub/OpenBSD\n');
    const dir = await pkgAdd();
    const out = await withPath(dir, () => plainRun([packagesStep], context(openbsd)));
    expect(out).toMatch(/seen: Can't find \S+/);
    expect(out).toContain('cause: No package repository is configured: /etc/installurl names no mirror');
    expect(out).toContain('fix:  Name a mirror: echo https://cdn.openbsd.org/pub/OpenBSD > /etc/installurl');
  });

  it('with a mirror in /etc/installurl, that is not the cause', async () => {
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/installurl'), 'https://cdn.openbsd.org/pub/OpenBSD\n');
    const dir = await pkgAdd();
    const out = await withPath(dir, () => plainRun([packagesStep], context(openbsd)));
    expect(out).toMatch(/seen: Can't find \S+/);
    expect(out).not.toContain('No package repository is configured');
  });
});

describe.skipIf(!IS_ROOT)('a full disk (a small tmpfs, filled, in a private mount namespace)', () => {
  it('the wizard\'s first write fails and the run says the file system is full', async () => {
    const script = [
      'set -e',
      `mkdir -p "${root}/box/etc"`,
      `mount -t tmpfs -o size=64k tmpfs "${root}/box/etc"`,
      // the accounts the wizard looks up, then nothing left
      `printf 'root:x:0:0:root:/root:/bin/sh\\n' > "${root}/box/etc/passwd"`,
      `printf 'root:x:0:\\nwheel:x:0:\\n' > "${root}/box/etc/group"`,
      `dd if=/dev/zero of="${root}/box/etc/filler" bs=4k 2>/dev/null || true`,
      `node "${CLI}" setup --demo --root "${root}/box" --yes --plain || true`,
    ].join('\n');
    const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/seen: .*no space left on device/i);
    expect(r.stdout).toContain('cause: The file system that holds /etc is full.');
    expect(r.stdout).toContain('fix:  Free space there (du -xk /etc | sort -n | tail shows what is big');
  });
});

describe('the SMTP greeting (real sockets on loopback)', () => {
  it('tells a refused port from one that accepts and stays silent, and reads a late greeting', async () => {
    const { createServer } = await import('node:net');
    const { smtpBanner } = await import('../../src/net/smtp-banner.js');
    const held: import('node:net').Socket[] = [];
    const silent = createServer((s) => held.push(s));
    const late = createServer((s) => {
      held.push(s);
      setTimeout(() => s.write('220 late.example ESMTP\r\n'), 300);
    });
    await Promise.all([silent, late].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))));
    const port = (srv: typeof silent) => (srv.address() as import('node:net').AddressInfo).port;
    try {
      const quiet = await smtpBanner('127.0.0.1', port(silent), 200);
      expect(quiet).toMatchObject({ ok: false, connected: true });
      const greeted = await smtpBanner('127.0.0.1', port(late), 10_000);
      expect(greeted).toMatchObject({ ok: true, banner: '220 late.example ESMTP' });
      const freed = port(silent);
      silent.close(); // stops listening at once: a new connection is refused
      const refused = await smtpBanner('127.0.0.1', freed, 2000);
      expect(refused).toMatchObject({ ok: false, connected: false });
    } finally {
      for (const s of held) s.destroy();
      silent.close();
      late.close();
    }
  });
});

describe('the failure menu shows the cause', () => {
  it('what was seen keeps the step\'s summary; the likely cause is the catalogue\'s', async () => {
    const { findingLines } = await import('../../src/ui/ink/FailureMenu.js');
    const lines = findingLines({ status: 'fail', check: 'services.rspamd', summary: 'rspamd is not running', evidence: 'no pid file', cause: 'localhost resolves outward', fix: 'map localhost to 127.0.0.1' });
    const text = lines.map((l) => `${l.label ?? ''}${l.text}`);
    expect(text).toEqual(['✖ What we saw   rspamd is not running: no pid file', 'Likely cause  localhost resolves outward', 'Fix           map localhost to 127.0.0.1']);
  });
});
