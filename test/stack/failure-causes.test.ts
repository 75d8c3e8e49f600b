/**
 * Failures name their cause, reproduced for real in one trixie test host: each case breaks the box
 * the way it breaks in the wild (another MTA on port 25 before setup, a resolver that does not
 * answer, a full disk, a full inode table, a key that is not the certificate's, localhost resolving
 * outward through a wildcard), runs the wizard as an admin would, and reads the named cause and fix
 * in its output. Cases run in sequence and each puts the box back before the next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type ExecResult, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { publishDns, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const ANSWERS = {
  domain: DOMAIN,
  hostname: `mail.${DOMAIN}`,
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};
/** An address on the outside machine where a "resolver" takes every question and never answers. */
const SILENT_RESOLVER = '198.51.100.53';

/** The lines of one finding in the plain output: its FAIL line and the seen/cause/fix lines under it. */
function findingBlock(out: string, check: string): string {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.includes(`FAIL [${check}]`));
  if (start < 0) return '';
  const block = [lines[start]!];
  for (const l of lines.slice(start + 1)) {
    if (!/^\s+(seen|cause|fix):/.test(l)) break;
    block.push(l);
  }
  return block.join('\n');
}

describe.skipIf(problem !== null)('failures name their cause (trixie test host)', () => {
  let host: TestHost;
  const wizard = (...args: string[]): Promise<ExecResult> =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 400_000 });
  const sh = async (script: string) => ok(await host.exec(['sh', '-c', script]));

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('another mail server on port 25 before setup: named (exim4, its pid) with the command that stops it', async () => {
    // A stand-in for Debian's exim4: a listener on port 25 whose process is called exim4.
    await sh('cp /usr/bin/nc.openbsd /usr/local/sbin/exim4');
    const pid = (await sh('nohup /usr/local/sbin/exim4 -lk 25 >/dev/null 2>&1 </dev/null & echo $!')).stdout.trim();
    await waitFor('the fake exim4 to listen', async () => ((await host.exec(['ss', '-Hltn', 'sport = :25'])).stdout.includes(':25') ? true : null));

    const r = await wizard('setup', '--yes', '--plain');
    expect(r.exitCode, r.stdout).toBe(1);
    const block = findingBlock(r.stdout, 'services.smtp-25');
    expect(block, r.stdout).toContain(`cause: Port 25 is held by another mail server, exim4 (pid ${pid})`);
    expect(block).toContain('fix:  Stop it and keep it from starting at boot: service exim4 stop && update-rc.d exim4 disable');
    console.log(`port 25 held:\n${block}`);

    await sh(`kill ${pid}`);
    const repaired = await wizard('repair', '--yes', '--plain');
    // With the port free, the services pass; the run then stops at DNS (the zone is still empty).
    expect(repaired.stdout, repaired.stdout).toMatch(/Services enabled and started\n[\s\S]*?-> changed/);
  }, 900_000);

  it('It was DNS: a resolver that does not answer is named, and the slow SMTP greeting is blamed on it, not on smtpd', async () => {
    // The silent resolver: an address of the outside machine where port 53 takes questions and never replies.
    ok(await host.execOutside(['ip', 'addr', 'add', `${SILENT_RESOLVER}/24`, 'dev', 'eth0']));
    await host.outside.writeFile(
      '/root/silent-resolver.py',
      [
        'import socket, threading',
        `u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("${SILENT_RESOLVER}", 53))`,
        `t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("${SILENT_RESOLVER}", 53)); t.listen(64)`,
        'held = []',
        'threading.Thread(target=lambda: [held.append(t.accept()) for _ in iter(int, 1)], daemon=True).start()',
        'print("ready", flush=True)',
        'while True: u.recvfrom(4096)',
        '',
      ].join('\n'),
    );
    ok(await host.execOutside(['sh', '-c', 'nohup python3 /root/silent-resolver.py >/var/log/silent-resolver.log 2>&1 &']));
    await waitFor('the silent resolver', async () => ((await host.outside.readFile('/var/log/silent-resolver.log'))?.includes('ready') ? true : null));
    const good = (await host.readFile('/etc/resolv.conf')) ?? '';
    await host.writeFile('/etc/resolv.conf', `nameserver ${SILENT_RESOLVER}\n`);
    try {
      // The packages step: certbot (for ACME) is not installed yet (the test host's root ships it
      // for the ACME tests, so it goes first); apt must fetch it and cannot even look the mirror
      // up. The story's first symptom. (Short resolver time-outs and no apt retries only keep this
      // fast: the resolver is as silent as before.)
      await sh('dpkg --remove certbot');
      await host.writeFile('/etc/resolv.conf', `nameserver ${SILENT_RESOLVER}\noptions timeout:1 attempts:1\n`);
      await host.writeFile('/etc/apt/apt.conf.d/99-test-no-retries', 'Acquire::Retries "0";\n');
      await host.writeFile('/root/answers-acme.json', JSON.stringify({ ...ANSWERS, tls: 'acme' }));
      const apt = await host.exec(wizardArgv('setup', '--yes', '--plain', '--platform', 'debian', '--answers', '/root/answers-acme.json', '--nameserver', host.outsideAddress), { timeoutMs: 400_000 });
      expect(apt.exitCode, apt.stdout).toBe(1);
      const packages = findingBlock(apt.stdout, 'packages.apply');
      expect(packages, apt.stdout).toMatch(/seen: .*Temporary failure resolving 'deb\.debian\.org'/);
      expect(packages).toContain(`cause: It was DNS. The resolver in /etc/resolv.conf (${SILENT_RESOLVER}) does not answer`);
      console.log(`resolver silent (packages):\n${packages}`);
      await sh('rm /etc/apt/apt.conf.d/99-test-no-retries');
      // smtpd waits out the resolver's default time-outs before it greets.
      await host.writeFile('/etc/resolv.conf', `nameserver ${SILENT_RESOLVER}\n`);

      const r = await wizard('check', '--plain');
      expect(r.exitCode, r.stdout).toBe(1);
      const block = findingBlock(r.stdout, 'services.smtp-25');
      expect(block, r.stdout).toMatch(/SMTP greets on port 25 only after \d+ s: smtpd runs, and waits on DNS/);
      expect(block).toContain(`cause: It was DNS. The resolver in /etc/resolv.conf (${SILENT_RESOLVER}) does not answer`);
      expect(block).toContain('fix:  Put a resolver that answers in /etc/resolv.conf');
      expect(r.stdout).not.toMatch(/smtpd is not listening/);
      // The TLS checks time out for the same reason, and say so.
      expect(findingBlock(r.stdout, 'services.tls-465')).toContain('cause: It was DNS.');
      console.log(`resolver silent:\n${block}`);
    } finally {
      await host.writeFile('/etc/resolv.conf', good);
    }
  }, 600_000);

  it('a full disk under a directory the wizard writes: named with its mount and how full it is', async () => {
    const dir = '/etc/rspamd/local.d';
    await sh(`mount -t tmpfs -o size=64k tmpfs ${dir} && (dd if=/dev/zero of=${dir}/filler bs=4k 2>/dev/null || true)`);
    try {
      const r = await wizard('repair', '--yes', '--plain');
      expect(r.exitCode, r.stdout).toBe(1);
      const block = findingBlock(r.stdout, 'rspamd.apply');
      expect(block, r.stdout).toMatch(/seen: .*no space left on device/i);
      expect(block).toContain(`cause: The file system mounted on ${dir} (which holds ${dir}) is full (100% used, 0 KB free).`);
      expect(block).toContain(`fix:  Free space there (du -xk ${dir} | sort -n | tail shows what is big`);
      console.log(`disk full:\n${block}`);
    } finally {
      await sh(`umount ${dir}`);
    }
  }, 600_000);

  it('a file system out of inodes: named as inodes, not space', async () => {
    const dir = '/etc/rspamd/local.d';
    await sh(`mount -t tmpfs -o size=1m,nr_inodes=4 tmpfs ${dir} && for i in 1 2 3 4 5 6; do touch ${dir}/f$i 2>/dev/null || true; done`);
    try {
      const r = await wizard('repair', '--yes', '--plain');
      expect(r.exitCode, r.stdout).toBe(1);
      const block = findingBlock(r.stdout, 'rspamd.apply');
      expect(block, r.stdout).toContain(`cause: The file system mounted on ${dir} (which holds ${dir}) has no free inodes left (100% of its inodes used)`);
      expect(block).toContain(`find ${dir} -xdev -type f`);
      console.log(`inodes full:\n${block}`);
    } finally {
      await sh(`umount ${dir}`);
    }
  }, 600_000);

  it('the story: a wildcard makes localhost resolve outward, rspamd cannot bind it and dies; the wizard names the address and why', async () => {
    // The provider's wildcard, a search domain, DNS asked before /etc/hosts, and a stock-style
    // config that says "localhost" (an admin's override of the controller's socket).
    await publishDns(host, DOMAIN, '* IN A 198.51.100.99', 3);
    await host.writeFile('/etc/resolv.conf', `nameserver ${host.outsideAddress}\nsearch ${DOMAIN}\n`);
    const nsswitch = (await host.readFile('/etc/nsswitch.conf')) ?? '';
    await host.writeFile('/etc/nsswitch.conf', nsswitch.replace(/^hosts:.*$/m, 'hosts: dns files'));
    await host.writeFile('/etc/rspamd/override.d/worker-controller.inc', 'bind_socket = "localhost:11334";\n');
    try {
      await sh('service rspamd restart >/dev/null 2>&1 || true');
      await waitFor('rspamd to give up', async () => ((await host.exec(['pgrep', '-x', 'rspamd'])).exitCode === 1 ? true : null));
      expect(await host.readFile('/var/log/rspamd/rspamd.log')).toMatch(/bind 198\.51\.100\.99:11334 failed/);

      const r = await wizard('check', '--plain');
      expect(r.exitCode, r.stdout).toBe(1);
      const block = findingBlock(r.stdout, 'services.rspamd');
      expect(block, r.stdout).toContain('cause: "localhost" resolves to 198.51.100.99, not to 127.0.0.1/::1');
      expect(block).toContain('nsswitch.conf says "hosts: dns files"');
      expect(block).toContain(`localhost.${DOMAIN} (→ 198.51.100.99)`);
      expect(block).toContain('delete the wildcard or localhost record in DNS');
      console.log(`localhost outward:\n${block}`);
    } finally {
      await sh('rm -f /etc/rspamd/override.d/worker-controller.inc');
      await host.writeFile('/etc/nsswitch.conf', nsswitch);
      await publishDns(host, DOMAIN, '', 4);
      await sh('service rspamd start >/dev/null 2>&1 || true');
    }
  }, 600_000);

  it('a private key that is not the certificate\'s: named, and the fix it prints makes a matching pair', async () => {
    const cert = `/etc/ssl/mail.${DOMAIN}.fullchain.pem`;
    const key = `/etc/ssl/private/mail.${DOMAIN}.key`;
    expect(await host.readFile(cert)).toContain('BEGIN CERTIFICATE');
    await sh(`openssl genrsa -out ${key}.other 2048 2>/dev/null && chmod 600 ${key}.other && mv ${key}.other ${key}`);
    const r = await wizard('repair', '--yes', '--plain');
    expect(r.exitCode, r.stdout).toBe(1);
    const block = findingBlock(r.stdout, 'tls.key');
    expect(block, r.stdout).toContain(`cause: The private key ${key} does not belong to the certificate ${cert}`);
    expect(block).toContain(`fix:  Move both aside (mv ${cert} ${cert}.old; mv ${key} ${key}.old) and run \`mail-wizard repair\``);
    console.log(`certificate/key mismatch:\n${block}`);

    // Doing what the fix says works.
    await sh(`mv ${cert} ${cert}.old; mv ${key} ${key}.old`);
    const repaired = await wizard('repair', '--yes', '--plain');
    const walked = /\n== \[\d+\/\d+\] TLS certificate\n[\s\S]*?\n(?=== )/.exec(repaired.stdout)?.[0] ?? '';
    expect(walked, repaired.stdout).toContain('ok   [tls.key]');
    expect(walked).toContain('-> changed');
    expect(walked).not.toContain('FAIL');
  }, 900_000);
  it('apt cannot refresh its lists because the resolver refuses to recurse (an authoritative server in resolv.conf): It was DNS', async () => {
    // The server's resolv.conf names the outside NSD, which answers only for its own zones. With
    // apt's lists gone, the packages step refreshes them first, and apt cannot look the mirror up.
    await sh('rm -f /var/lib/apt/lists/*_Packages');
    await sh('dpkg --remove certbot'); // a package the step must fetch (see the first test)
    await host.writeFile('/root/answers-acme.json', JSON.stringify({ ...ANSWERS, tls: 'acme' }));
    const r = await host.exec(wizardArgv('setup', '--yes', '--plain', '--platform', 'debian', '--answers', '/root/answers-acme.json', '--nameserver', host.outsideAddress), { timeoutMs: 400_000 });
    expect(r.exitCode, r.stdout).toBe(1);
    const block = findingBlock(r.stdout, 'packages.apply');
    expect(block, r.stdout).toContain(`cause: It was DNS. The resolver in /etc/resolv.conf (${host.outsideAddress}) answers, but refuses to look names up for this box`);
    expect(block).toContain('fix:  Put a resolver that answers in /etc/resolv.conf');
    console.log(`resolver refuses:\n${block}`);
  }, 600_000);
});
