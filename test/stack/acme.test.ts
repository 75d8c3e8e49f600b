/**
 * Certificates from a real ACME server: pebble on "the internet" (the outside machine), resolving
 * through the suite's NSD, validating http-01 on port 80 of the server's real address. The admin
 * first set the box up with a self-signed certificate (so our firewall is loaded, port 80 shut),
 * then switches to `tls: {"mode":"acme","directory": pebble}`: setup must open 80 before it asks
 * the CA, obtain the certificate with certbot, and every mail port must serve it (chain verified
 * against pebble's root from its management API). A forced renewal, with no wizard run, must
 * reach every port through certbot's deploy hook.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { startPebble, served, type Pebble } from './pebble.js';
import { ensureRoot, ok, testHostProblem, type ExecResult, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { publishDns, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const HOST = `mail.${DOMAIN}`;
const ANSWERS = {
  domain: DOMAIN,
  hostname: HOST,
  ipv4: '198.51.100.25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  // Only the host name on the certificate here (test/stack/web.test.ts covers the web names).
  mtaSts: 'off',
  tls: 'self-signed' as unknown,
};
const LIVE = `/etc/letsencrypt/live/${HOST}`;
/** Where the server keeps the CA that pebble's API certificate verifies against (REQUESTS_CA_BUNDLE). */
const API_CA = '/root/acme-api-ca.pem';
/** pebble's root, fetched from its management API, on the outside machine. */
const PEBBLE_ROOT = '/root/pebble-root.pem';
/** The second CA's root, on the outside machine. */
const OTHER_ROOT = '/root/pebble-other-root.pem';
const MAIL_PORTS = [25, 465, 587, 993];
/** An acme-client binary built for this machine (see the last test), and where the server sees its directory. */
const acmeClient = process.env.ACME_CLIENT;
const ACME_CLIENT_DIR = '/opt/acme-client';

/** The plain output of one step: its header line up to the next step's. */
function stepOutput(out: string, id: string): string {
  const i = STEPS.findIndex((s) => s.id === id);
  const start = out.indexOf(`== [${i + 1}/${STEPS.length}]`);
  const end = out.indexOf(`== [${i + 2}/${STEPS.length}]`, start);
  return start < 0 ? '' : out.slice(start, end < 0 ? undefined : end);
}

/** The steps up to the services that did not run clean (DNS fails later: the mail records are not published here). */
function cleanUpToServices(out: string): string[] {
  const ids = STEPS.slice(0, STEPS.findIndex((s) => s.id === 'services') + 1).map((s) => s.id);
  return ids.filter((id) => !/-> (ok|changed)/.test(stepOutput(out, id)) || stepOutput(out, id).includes('FAIL'));
}

describe.skipIf(problem !== null)('ACME with pebble, the Debian path (trixie test host)', () => {
  let host: TestHost;
  let pebble: Pebble;
  const wizard = (...args: string[]): Promise<ExecResult> =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), {
      timeoutMs: 400_000,
      // How an admin trusts a test CA's API: certbot (python-requests) reads REQUESTS_CA_BUNDLE.
      env: { REQUESTS_CA_BUNDLE: API_CA },
    });
  const serialOnDisk = async () => ok(await host.exec(['openssl', 'x509', '-in', `${LIVE}/cert.pem`, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '');

  beforeAll(async () => {
    const root = await ensureRoot();
    const mounts = acmeClient ? [{ source: path.dirname(path.resolve(acmeClient)), target: ACME_CLIENT_DIR, readOnly: true }] : [];
    host = await startWizardHost({ root: root.dir, hostname: 'mail', mounts });
    // The host name already points at the box (the admin did that first: a CA validates it).
    await publishDns(host, DOMAIN, `mail IN A ${ANSWERS.ipv4}\n`, 1);
    pebble = await startPebble(host);
    await host.writeFile(API_CA, pebble.listenerCa);
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('a box set up self-signed has our firewall loaded with port 80 shut', async () => {
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    const r = await wizard('setup', '--yes', '--plain');
    expect(stepOutput(r.stdout, 'firewall'), r.stdout).toMatch(/-> changed/);
    expect(stepOutput(r.stdout, 'services'), r.stdout).toMatch(/-> changed/);
    expect(cleanUpToServices(r.stdout), r.stdout).toEqual([]);
    const table = ok(await host.exec(['nft', 'list', 'table', 'inet', 'mail_wizard'])).stdout;
    expect(table).toMatch(/dport .*\b25\b/);
    expect(table).not.toMatch(/\b80\b/);
  }, 600_000);

  it('switched to acme with pebble\'s directory, setup opens 80 first and obtains the certificate over http-01', async () => {
    await host.writeFile('/root/answers.json', JSON.stringify({ ...ANSWERS, tls: { mode: 'acme', directory: pebble.directory } }));
    const r = await wizard('setup', '--yes', '--plain');
    const tls = stepOutput(r.stdout, 'tls');
    // nginx is installed in the test host (its package holds port 80 once it runs): certbot answers through it.
    expect(tls, r.stdout + r.stderr).toContain(`certbot certonly --webroot -w /var/www/mail-wizard/acme --non-interactive --agree-tos -m postmaster@${DOMAIN} --server ${pebble.directory} --reuse-key --expand --cert-name ${HOST} -d ${HOST}`);
    expect(tls, r.stdout + r.stderr).toMatch(/-> changed/);
    expect(tls).not.toContain('FAIL');
    expect(cleanUpToServices(r.stdout), r.stdout).toEqual([]);
    expect(ok(await host.exec(['nft', 'list', 'table', 'inet', 'mail_wizard'])).stdout).toMatch(/dport .*\b80\b/);
    // pebble validated the http-01 challenge at the server (not a shortcut), and issued for the host name.
    const log = await pebble.log();
    expect(log).toContain(`Attempting to validate w/ HTTP: http://${HOST}:80/.well-known/acme-challenge/`);
    expect(log).toMatch(/authz \S+ set VALID by completed challenge/);
    const cert = ok(await host.exec(['openssl', 'x509', '-in', `${LIVE}/cert.pem`, '-noout', '-issuer', '-ext', 'subjectAltName'])).stdout;
    expect(cert).toMatch(/issuer=.*Pebble Intermediate CA/);
    expect(cert).toContain(`DNS:${HOST}`);
    // The renewal file names pebble: `certbot renew` asks the same CA.
    expect(await host.readFile(`/etc/letsencrypt/renewal/${HOST}.conf`)).toMatch(new RegExp(`^server = ${pebble.directory.replace(/[.]/g, '\\.')}$`, 'm'));
  }, 600_000);

  it('smtpd (25, 465, 587) and dovecot (993) serve it; the chain verifies against pebble\'s root', async () => {
    ok(await host.execOutside(['sh', '-c', 'cat > "$1"', 'sh', PEBBLE_ROOT], { input: await pebble.root() }));
    const serial = await serialOnDisk();
    for (const port of MAIL_PORTS) {
      const seen = await served(host, port, HOST, PEBBLE_ROOT);
      expect(seen, `port ${port}`).not.toBeNull();
      expect(seen!.serial, `port ${port}`).toBe(serial);
      expect(seen!.issuer, `port ${port}`).toMatch(/Pebble Intermediate CA/);
      expect(seen!.subjectAltName, `port ${port}`).toContain(`DNS:${HOST}`);
      expect(seen!.verify, `port ${port}`).toBe('Verify return code: 0 (ok)');
    }
  }, 120_000);

  it('a forced renewal (certbot renew, no wizard) reaches every port through the deploy hook', async () => {
    const before = await serialOnDisk();
    // --no-random-sleep-on-renew: certbot otherwise waits up to 8 minutes before a non-interactive renewal.
    const renew = await host.exec(['certbot', 'renew', '--force-renewal', '--non-interactive', '--no-random-sleep-on-renew'], { timeoutMs: 300_000, env: { REQUESTS_CA_BUNDLE: API_CA } });
    expect(renew.exitCode, renew.stdout + renew.stderr).toBe(0);
    // Our hook's commands ran (certbot prints their output: the init scripts' lines).
    expect(renew.stderr + renew.stdout).toMatch(/deploy-hook[\s\S]*opensmtpd[\s\S]*dovecot/);
    const after = await serialOnDisk();
    expect(after).not.toBe(before);
    for (const port of MAIL_PORTS) {
      const seen = await waitFor(`port ${port} serving the renewed certificate`, async () => {
        const s = await served(host, port, HOST, PEBBLE_ROOT);
        return s && s.serial === after ? s : null;
      }, 60_000);
      expect(seen.verify, `port ${port}`).toBe('Verify return code: 0 (ok)');
    }
  }, 400_000);

  it('answers naming another CA (a second pebble, as staging then production) get its certificate at the next setup', async () => {
    const other = await startPebble(host, { name: 'pebble-other', port: 14000, managementPort: 15001 });
    await host.writeFile(API_CA, pebble.listenerCa + other.listenerCa);
    ok(await host.execOutside(['sh', '-c', 'cat > "$1"', 'sh', OTHER_ROOT], { input: await other.root() }));
    const before = await serialOnDisk();
    await host.writeFile('/root/answers.json', JSON.stringify({ ...ANSWERS, tls: { mode: 'acme', directory: other.directory } }));
    const r = await wizard('setup', '--yes', '--plain');
    const tls = stepOutput(r.stdout, 'tls');
    expect(tls, r.stdout + r.stderr).toContain(`--server ${other.directory} --force-renewal --reuse-key --expand --cert-name ${HOST} -d ${HOST}`);
    expect(tls).toMatch(/-> changed/);
    const after = await serialOnDisk();
    expect(after).not.toBe(before);
    for (const port of MAIL_PORTS) {
      const seen = await waitFor(`port ${port} serving the other CA's certificate`, async () => {
        const s = await served(host, port, HOST, OTHER_ROOT);
        return s && s.serial === after ? s : null;
      }, 60_000);
      expect(seen.verify, `port ${port}`).toBe('Verify return code: 0 (ok)');
    }
    // The next setup has nothing to ask for: the certificate is the new CA's.
    const again = await wizard('setup', '--yes', '--plain');
    expect(stepOutput(again.stdout, 'tls')).not.toContain('certbot');
  }, 600_000);

  // OpenBSD's acme-client, when a build of it is given (ACME_CLIENT: its path on this machine; its
  // directory is mounted into the server and is its LD_LIBRARY_PATH, for libraries the test
  // host's root lacks). Independent of the tests above: it needs only pebble and the DNS.
  it.skipIf(!acmeClient)(
    acmeClient
      ? `OpenBSD's acme-client (${acmeClient}) gets a certificate from pebble with the wizard's acme-client.conf`
      : 'OpenBSD\'s acme-client against pebble: SKIPPED, no ACME_CLIENT given (the path of an acme-client binary built for this machine)',
    async () => {
      const bin = `${ACME_CLIENT_DIR}/${path.basename(acmeClient!)}`;
      // The wizard's own OpenBSD files for these answers, from its plan (nothing of OpenBSD runs here).
      const answers = { ...ANSWERS, tls: { mode: 'acme', directory: pebble.directory } };
      await host.writeFile('/root/answers-openbsd.json', JSON.stringify(answers));
      ok(await host.exec(['mkdir', '-p', '/root/openbsd-root']));
      const plan = ok(await host.exec(wizardArgv('plan', '--platform', 'openbsd', '--answers', '/root/answers-openbsd.json', '--root', '/root/openbsd-root', '--format', 'json')));
      const files = new Map<string, string>();
      for (const step of JSON.parse(plan.stdout).steps as { actions: { action: { type: string; path?: string; content?: string } }[] }[]) {
        for (const { action } of step.actions) if (action.type === 'writeFile' && action.path && action.content !== undefined) files.set(action.path, action.content);
      }
      const conf = files.get('/etc/acme-client.conf');
      const own = files.get('/etc/acme-client.mail-wizard.conf');
      expect(own).toContain(`api url "${pebble.directory}"`);
      for (const [file, text] of [['/etc/acme-client.conf', conf], ['/etc/acme-client.mail-wizard.conf', own]] as const) await host.writeFile(file, text!);
      // What OpenBSD's base has: /etc/acme (mtree, 0700) and the challenge directory the wizard makes.
      ok(await host.exec(['sh', '-c', 'mkdir -p -m 0700 /etc/acme && mkdir -p /var/www/acme /var/www/.well-known /etc/ssl/private && ln -sfn /var/www/acme /var/www/.well-known/acme-challenge']));
      // The first test's self-signed certificate sits where OpenBSD keeps ours (/etc/ssl/HOST.fullchain.pem):
      // acme-client would find it valid and ask for nothing.
      ok(await host.exec(['rm', '-f', `/etc/ssl/${HOST}.fullchain.pem`]));
      // acme-client trusts only the system's CA file, /etc/ssl/cert.pem (its http.c; OpenBSD's
      // system bundle): a test CA's API certificate goes there. Debian has no such file.
      const caFile = '/etc/ssl/cert.pem';
      await host.writeFile(caFile, ((await host.readFile('/etc/ssl/certs/ca-certificates.crt')) ?? '') + pebble.listenerCa);
      // A stand-in for httpd(8) with the wizard's location block: /.well-known/acme-challenge/X is /var/www/acme/X.
      ok(await host.exec(['sh', '-c', `nohup python3 -m http.server 80 --bind ${host.serverAddress} --directory /var/www >/var/log/challenge-httpd.log 2>&1 & echo $! > /run/challenge-httpd.pid`]));
      try {
        await host.writeFile('/var/www/acme/ready', 'ready\n');
        await waitFor('the challenge web server', async () => {
          const r = await host.execOutside(['node', '-e', 'fetch(process.argv[1]).then(async (r) => process.stdout.write(await r.text()), () => process.exit(1))', `http://${host.serverAddress}/.well-known/acme-challenge/ready`]);
          return r.stdout === 'ready\n' ? true : null;
        });
        const run = (...args: string[]) => host.exec([bin, ...args], { timeoutMs: 300_000, env: { LD_LIBRARY_PATH: ACME_CLIENT_DIR } });
        const first = await run('-v', '-f', '/etc/acme-client.conf', HOST);
        console.log(`acme-client -v: exit ${first.exitCode}\n${first.stderr.split('\n').slice(-15).join('\n')}`);
        expect(first.exitCode, first.stdout + first.stderr).toBe(0);
        const chain = `/etc/ssl/${HOST}.fullchain.pem`;
        const cert = ok(await host.exec(['openssl', 'x509', '-in', chain, '-noout', '-serial', '-issuer', '-ext', 'subjectAltName'])).stdout;
        expect(cert).toMatch(/issuer=.*Pebble Intermediate CA/);
        expect(cert).toContain(`DNS:${HOST}`);
        await host.writeFile('/root/pebble-root.pem', await pebble.root());
        // The full chain verifies against pebble's root (the intermediate comes from the file itself).
        expect(ok(await host.exec(['openssl', 'verify', '-CAfile', '/root/pebble-root.pem', '-untrusted', chain, chain])).stdout).toContain(': OK');
        // daily.local's contract (acme-client(1)): 2 when the certificate is still valid, so nothing restarts.
        const again = await run('-f', '/etc/acme-client.conf', HOST);
        expect(again.exitCode, again.stderr).toBe(2);
        // -F forces the renewal: 0, and a new certificate.
        const forced = await run('-F', '-f', '/etc/acme-client.conf', HOST);
        expect(forced.exitCode, forced.stderr).toBe(0);
        const renewed = ok(await host.exec(['openssl', 'x509', '-in', chain, '-noout', '-serial'])).stdout;
        expect(renewed.trim()).not.toBe(/^serial=\S+/m.exec(cert)?.[0]);
      } finally {
        await host.exec(['sh', '-c', 'kill "$(cat /run/challenge-httpd.pid)"']);
        await host.exec(['rm', '-f', caFile]);
      }
    },
    600_000,
  );
});
