/**
 * A box that already has a life, in a trixie test host: sshd on port 2222 (not 22), an nftables
 * table of the admin's, the admin's own /etc/aliases and /etc/hosts lines. The admin runs the
 * wizard the way a real one does, in an SSH session from another machine. After setup: that
 * session was not cut, a NEW SSH connection to 2222 works, a service that listened before (the
 * admin's website) is still reachable, the admin's table and lines are still there, and mail from
 * outside reaches alice.
 * Then, on a second box whose admin runs another MTA (a package that conflicts with opensmtpd as
 * exim4 does): the packages step stops naming it, and goes ahead with --allow-remove.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, startSink, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const ANSWERS = {
  domain: DOMAIN,
  hostname: 'mail.example.org',
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};
const WIZARD_OPTIONS = ['--platform', 'debian', '--answers', '/root/answers.json'];
const ADMIN_TABLE = 'table inet admin_stuff {\n  chain input {\n    type filter hook input priority 10; policy accept;\n    tcp dport 8080 counter accept\n  }\n}\n';
const ADMIN_ALIAS = 'webmaster: root # the admin\'s own';
const ADMIN_HOST = '192.0.2.7\tbackup.internal backup';
const SSH = ['ssh', '-p', '2222', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR'];

/** sshd on port 2222 only, root may log in with the outside machine's key. */
async function startAdminSshd(host: TestHost): Promise<void> {
  await host.writeFile('/etc/ssh/sshd_config.d/admin-port.conf', 'Port 2222\n');
  ok(await host.exec(['mkdir', '-p', '-m', '0755', '/run/sshd']));
  ok(await host.execOutside(['sh', '-c', 'mkdir -p -m 700 /root/.ssh && ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/id_ed25519']));
  const pub = ok(await host.execOutside(['cat', '/root/.ssh/id_ed25519.pub'])).stdout;
  ok(await host.exec(['mkdir', '-p', '-m', '700', '/root/.ssh']));
  await host.writeFile('/root/.ssh/authorized_keys', pub, { mode: 0o600 });
  ok(await host.exec(['/usr/sbin/sshd']));
}

describe.skipIf(problem !== null)('a lived-in box: sshd on 2222, an admin firewall table, admin lines', () => {
  let host: TestHost;
  /** The wizard in an SSH session from the outside machine, as the admin runs it. */
  const overSsh = (...args: string[]) =>
    host.execOutside([...SSH, `root@${host.serverAddress}`, ...wizardArgv(...args, ...WIZARD_OPTIONS, '--nameserver', host.outsideAddress)], { timeoutMs: 400_000 });

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
    await startAdminSshd(host);
    ok(await host.exec(['nft', '-f', '-'], { input: ADMIN_TABLE }));
    // The admin's website (a listener on 8443 stands in for it): it must stay reachable.
    ok(await host.exec(['sh', '-c', 'nohup nc -lk 8443 </dev/null >/dev/null 2>&1 &']));
    await waitFor('the website listener', async () => ((await host.exec(['nc', '-z', '127.0.0.1', '8443'])).exitCode === 0 ? true : null));
    await host.writeFile('/etc/aliases', `# /etc/aliases\n${ADMIN_ALIAS}\n`);
    const hosts = (await host.readFile('/etc/hosts')) ?? '';
    await host.writeFile('/etc/hosts', `${hosts}${ADMIN_HOST}\n`);
    // The admin's way in works before the wizard runs.
    ok(await host.execOutside([...SSH, `root@${host.serverAddress}`, 'true']));
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('setup, run in an SSH session on 2222, opens 2222 (from sshd -T) and not 22; the session lives to the end', async () => {
    const r = await overSsh('setup', '--yes', '--plain');
    // The whole run's output came back through the session: loading the firewall did not cut it.
    expect(r.stdout).toMatch(/Firewall[\s\S]*?-> changed/);
    expect(r.stdout).toMatch(/DNS records[\s\S]*?FAIL/); // the records are not published yet
    expect(r.stdout).toMatch(/^setup: \d+ changed, 1 failed/m); // the run's last line
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    const ours = ok(await host.exec(['nft', 'list', 'table', 'inet', 'mail_wizard'])).stdout;
    expect(ours).toContain('tcp dport 2222 accept');
    expect(ours).not.toMatch(/tcp dport 22 accept/);
    // The revert timer was stopped once the loaded rules were read back.
    expect(await host.readFile('/var/lib/mail-wizard/firewall-revert.nft.pid')).toBeNull();
  }, 600_000);

  it('a NEW SSH connection to 2222 from outside works after setup; the admin\'s website stays reachable', async () => {
    const r = await host.execOutside([...SSH, `root@${host.serverAddress}`, 'echo', 'still-in']);
    expect(r.stdout.trim(), r.stderr).toBe('still-in');
    // The admin's website, listening before setup, is still reachable from outside.
    ok(await host.execOutside(['nc', '-z', '-w', '5', host.serverAddress, '8443']));
    // And the firewall is really there: a service that started after setup answers on the box
    // itself, but not from outside.
    ok(await host.exec(['sh', '-c', 'nohup nc -lk 8025 </dev/null >/dev/null 2>&1 &']));
    await waitFor('a listener on 8025', async () => ((await host.exec(['nc', '-z', '127.0.0.1', '8025'])).exitCode === 0 ? true : null));
    const closed = await host.execOutside(['nc', '-z', '-w', '3', host.serverAddress, '8025']);
    expect(closed.exitCode).not.toBe(0);
  }, 60_000);

  it('the admin\'s nftables table, aliases and hosts lines are still there; nftables.conf keeps its own lines', async () => {
    const admin = ok(await host.exec(['nft', 'list', 'table', 'inet', 'admin_stuff'])).stdout;
    expect(admin).toMatch(/tcp dport 8080 counter packets \d+ bytes \d+ accept/);
    expect(await host.readFile('/etc/aliases')).toContain(ADMIN_ALIAS);
    expect(await host.readFile('/etc/hosts')).toContain(ADMIN_HOST);
    const main = (await host.readFile('/etc/nftables.conf')) ?? '';
    expect(main).toMatch(/^#!\/usr\/sbin\/nft -f\n\nflush ruleset\n\ntable inet filter \{/); // Debian's stock lines
    expect(main).toContain('include "/etc/nftables.mail-wizard.conf"');
  }, 60_000);

  it('mail flows: records published, repair (in a new session) passes, and mail from outside reaches alice', async () => {
    const records = ok(await host.exec(wizardArgv('records', ...WIZARD_OPTIONS)));
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    const r = await overSsh('repair', '--yes', '--plain');
    expect(r.stdout, r.stdout).toContain('  ok   Final mail test');
    expect(r.exitCode, r.stdout).toBe(0);
    const sent = await host.execOutside(['swaks', '--server', host.serverAddress, '--port', '25', '--helo', `mx.${FOREIGN}`, '--from', `bob@${FOREIGN}`, '--to', `alice@${DOMAIN}`, '--h-Subject', 'lived-in-inbound']);
    expect(sent.exitCode, sent.stdout + sent.stderr).toBe(0);
    const file = await waitFor('the inbound message in Maildir', async () => {
      const found = await host.exec(['sh', '-c', 'grep -l -r -- lived-in-inbound /home/alice/Maildir/new /home/alice/Maildir/cur 2>/dev/null || true']);
      return found.stdout.trim() || null;
    });
    expect(file).toMatch(/^\/home\/alice\/Maildir\//);
  }, 600_000);
});

// The .debs the cached root was built from: what an apt cache holds after a download.
const DEBS = path.join(process.env.MW_STACK_CACHE ?? fileURLToPath(new URL('.cache', import.meta.url)), 'debs');

describe.skipIf(problem !== null)('a box with another MTA: the packages step never removes it unasked', () => {
  let host: TestHost;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, ...WIZARD_OPTIONS, '--nameserver', host.outsideAddress), { timeoutMs: 400_000 });
  const status = async (name: string) => (await host.exec(['dpkg-query', '--show', '--showformat=${db:Status-Status}', name])).stdout;

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    // The admin's MTA: a package that provides and conflicts with mail-transport-agent, as exim4
    // and postfix do (so does opensmtpd). opensmtpd goes first, as it would never have been there.
    ok(await host.exec(['dpkg', '--remove', 'opensmtpd-filter-rspamd', 'opensmtpd']));
    const control = ['Package: admin-mta', 'Version: 1.0', 'Architecture: all', 'Maintainer: Admin <root@localhost>',
      'Provides: mail-transport-agent', 'Conflicts: mail-transport-agent', 'Replaces: mail-transport-agent',
      'Description: the admin\'s own mail server (stands in for exim4)', ''].join('\n');
    await host.writeFile('/root/admin-mta/DEBIAN/control', control);
    ok(await host.exec(['dpkg-deb', '--build', '/root/admin-mta', '/root/admin-mta.deb']));
    ok(await host.exec(['dpkg', '-i', '/root/admin-mta.deb']));
    // apt installs from its cache, as after a download; the lists are fresh (no apt-get update here).
    for (const deb of readdirSync(DEBS).filter((f) => /^opensmtpd(-filter-rspamd)?_/.test(f))) {
      await host.writeFile(`/var/cache/apt/archives/${deb}`, readFileSync(path.join(DEBS, deb)));
    }
    ok(await host.exec(['sh', '-c', 'touch /var/lib/apt/lists/*_Packages']));
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('with --yes the step stops and names the package that would go; it is still installed', async () => {
    const r = await wizard('setup', '--yes', '--plain');
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Packages[\s\S]*?installing opensmtpd, opensmtpd-filter-rspamd would remove admin-mta: stopped, nothing was removed/);
    expect(r.stdout).toContain('--allow-remove admin-mta');
    expect(await status('admin-mta')).toBe('installed');
    expect(await status('opensmtpd')).not.toBe('installed');
  }, 600_000);

  it('with --allow-remove admin-mta the install goes ahead: opensmtpd in, admin-mta out', async () => {
    const r = await wizard('setup', '--yes', '--plain', '--allow-remove', 'admin-mta');
    expect(r.stdout).toMatch(/\(removes admin-mta\)/);
    expect(r.stdout).toMatch(/Packages[\s\S]*?-> changed/);
    expect(await status('opensmtpd')).toBe('installed');
    expect(await status('admin-mta')).not.toBe('installed');
  }, 600_000);
});
