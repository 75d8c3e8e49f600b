/**
 * The MTA-STS policy and the autoconfig file served over HTTPS (Debian: nginx), with a certificate
 * from a real ACME CA (pebble on the outside machine, http-01 validated at the server's port 80 for
 * every name through nginx and certbot's webroot). The box is lived in: the admin's own nginx site
 * (www.example.org on 443, its own certificate) is there before the wizard runs and keeps working.
 * From the outside machine, curl fetches both files under their names (verified against pebble's
 * root), the served certificate names all three names, a forced renewal keeps the key (DANE) and
 * reaches nginx through the deploy hook; broken web files, config and daemon are repaired, and so
 * is a deleted certificate (which our HTTPS server names); and mtaSts "off" removes our nginx
 * file, nothing of the admin's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPS } from '../../recipes/index.js';
import { AUTOCONFIG_PATH } from '../../src/published/autoconfig.js';
import { MTA_STS_PATH, mtaStsPolicy } from '../../src/published/mta-sts.js';
import { startPebble, served, type Pebble } from './pebble.js';
import { ensureRoot, ok, testHostProblem, type ExecResult, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { publishDns, waitFor } from './world.js';

/** The check ids this file breaks for real and sees repaired (test/unit/check-table.test.ts). */
export const REPAIR_COVERS = ['web.files', 'web.config', 'web.running', 'web.https'] as const;

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const HOST = `mail.${DOMAIN}`;
const MTA_STS = `mta-sts.${DOMAIN}`;
const AUTOCONFIG = `autoconfig.${DOMAIN}`;
const WWW = `www.${DOMAIN}`;
const IP = '198.51.100.25';
const LIVE = `/etc/letsencrypt/live/${HOST}`;
const API_CA = '/root/acme-api-ca.pem';
const PEBBLE_ROOT = '/root/pebble-root.pem';
const BASE = {
  domain: DOMAIN,
  hostname: HOST,
  ipv4: IP,
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  mtaSts: 'testing',
};
const NGINX_CONF = '/etc/nginx/conf.d/mail-wizard.conf';
const POLICY_FILE = `/var/www/mail-wizard/mta-sts${MTA_STS_PATH}`;

interface Finding {
  status: 'pass' | 'warn' | 'fail';
  check: string;
  summary: string;
}

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

describe.skipIf(problem !== null)('MTA-STS and autoconfig over HTTPS: nginx with a pebble certificate naming every web name (trixie test host)', () => {
  let host: TestHost;
  let pebble: Pebble;
  let answers: Record<string, unknown>;
  const wizard = (...args: string[]): Promise<ExecResult> =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), {
      timeoutMs: 400_000,
      env: { REQUESTS_CA_BUNDLE: API_CA },
    });

  /** `check --json`: the web step's findings by id. */
  async function webFindings(): Promise<Map<string, Finding[]>> {
    const r = await wizard('check', '--json');
    const parsed = JSON.parse(r.stdout) as { steps: { findings: Finding[] }[] };
    const byId = new Map<string, Finding[]>();
    for (const f of parsed.steps.flatMap((s) => s.findings).filter((f) => f.check.startsWith('web.'))) byId.set(f.check, [...(byId.get(f.check) ?? []), f]);
    return byId;
  }
  const worst = (fs: Finding[] | undefined) => (!fs ? 'absent' : fs.some((f) => f.status === 'fail') ? 'fail' : fs.some((f) => f.status === 'warn') ? 'warn' : 'pass');

  /** curl from the outside machine, resolving the name to the server, trusting only `ca`: the body (a file there), content type and status. */
  async function fetchOutside(name: string, urlPath: string, ca = PEBBLE_ROOT): Promise<{ code: string; type: string; body: string }> {
    const out = `/tmp/fetched-${name}`;
    const r = await host.execOutside(['curl', '-sS', '--max-time', '20', '--cacert', ca, '--resolve', `${name}:443:${host.serverAddress}`, '-o', out, '-w', '%{http_code} %{content_type}', `https://${name}${urlPath}`], { timeoutMs: 40_000 });
    const [code = '', type = ''] = r.stdout.split(' ');
    return { code: r.exitCode === 0 ? code : `curl exit ${r.exitCode}: ${r.stderr.trim()}`, type, body: (await host.outside.readFile(out)) ?? '' };
  }
  /** The SHA-256 of the certificate's public key (SPKI, DER): what a DANE 3 1 1 record names. */
  const spki = async () => ok(await host.exec(['sh', '-c', `openssl x509 -in ${LIVE}/cert.pem -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum`])).stdout.split(' ')[0];
  const serialOnDisk = async () => ok(await host.exec(['openssl', 'x509', '-in', `${LIVE}/cert.pem`, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '');

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    // Every certificate name points at the box (the admin published them first: the CA validates each).
    await publishDns(host, DOMAIN, `mail IN A ${IP}\nmta-sts IN A ${IP}\nautoconfig IN A ${IP}\nwww IN A ${IP}\n`, 1);
    pebble = await startPebble(host);
    await host.writeFile(API_CA, pebble.listenerCa);
    ok(await host.execOutside(['sh', '-c', 'cat > "$1"', 'sh', PEBBLE_ROOT], { input: await pebble.root() }));
    // The admin's own website, on 443 under its own name and certificate, running before the wizard comes.
    ok(await host.exec(['sh', '-c', [
      'mkdir -p /var/www/www /etc/ssl/www',
      `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=${WWW} -addext subjectAltName=DNS:${WWW} -keyout /etc/ssl/www/key.pem -out /etc/ssl/www/cert.pem 2>/dev/null`,
      'echo "the admin\'s own site" > /var/www/www/index.html',
    ].join(' && ')]));
    await host.writeFile('/etc/nginx/sites-available/www', `server {\n\tlisten 443 ssl;\n\tserver_name ${WWW};\n\tssl_certificate /etc/ssl/www/cert.pem;\n\tssl_certificate_key /etc/ssl/www/key.pem;\n\troot /var/www/www;\n}\n`);
    ok(await host.exec(['ln', '-sf', '/etc/nginx/sites-available/www', '/etc/nginx/sites-enabled/www']));
    ok(await host.exec(['service', 'nginx', 'start'], { timeoutMs: 60_000 }));
    ok(await host.execOutside(['sh', '-c', 'cat > /root/www.pem', 'sh'], { input: (await host.readFile('/etc/ssl/www/cert.pem')) ?? '' }));
    await waitFor('the admin\'s site', async () => ((await fetchOutside(WWW, '/', '/root/www.pem')).code === '200' ? true : null), 60_000);
  }, 600_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('setup with acme (pebble) and mtaSts testing: certbot --webroot through nginx for every name, the web step serves both files', async () => {
    answers = { ...BASE, tls: { mode: 'acme', directory: pebble.directory } };
    await host.writeFile('/root/answers.json', JSON.stringify(answers));
    const r = await wizard('setup', '--yes', '--plain');
    const tls = stepOutput(r.stdout, 'tls');
    expect(tls, r.stdout + r.stderr).toContain(`certbot certonly --webroot -w /var/www/mail-wizard/acme --non-interactive --agree-tos -m postmaster@${DOMAIN} --server ${pebble.directory} --reuse-key --expand --cert-name ${HOST} -d ${HOST} -d ${MTA_STS} -d ${AUTOCONFIG}`);
    expect(stepOutput(r.stdout, 'web'), r.stdout).toMatch(/-> changed/);
    expect(cleanUpToServices(r.stdout), r.stdout + r.stderr).toEqual([]);
    // pebble validated each name over http-01 at the server (nginx answering from certbot's webroot).
    const log = await pebble.log();
    for (const name of [HOST, MTA_STS, AUTOCONFIG]) expect(log).toContain(`Attempting to validate w/ HTTP: http://${name}:80/.well-known/acme-challenge/`);
    const renewal = await host.readFile(`/etc/letsencrypt/renewal/${HOST}.conf`);
    expect(renewal).toMatch(/^authenticator = webroot$/m);
    expect(renewal).toMatch(/^reuse_key = True$/m);
    expect(ok(await host.exec(['nft', 'list', 'table', 'inet', 'mail_wizard'])).stdout).toMatch(/dport .*\b443\b/);
    const web = await webFindings();
    expect(Object.fromEntries([...web].map(([id, fs]) => [id, worst(fs)]))).toEqual({ 'web.files': 'pass', 'web.config': 'pass', 'web.running': 'pass', 'web.https': 'pass' });
  }, 600_000);

  it('from outside: the policy byte for byte as text/plain, the autoconfig file as valid XML with the host and ports', async () => {
    const policy = await fetchOutside(MTA_STS, MTA_STS_PATH);
    expect(policy.code).toBe('200');
    expect(policy.type).toBe('text/plain');
    expect(policy.body).toBe(mtaStsPolicy(answers as never));
    expect(policy.body).toContain(`mx: ${HOST}\r\n`);

    const xml = await fetchOutside(AUTOCONFIG, AUTOCONFIG_PATH);
    expect(xml.code).toBe('200');
    expect(xml.type).toBe('text/xml');
    // Parsed on the outside machine with python3's own XML parser: each server's type, host, port and socket.
    const parsed = ok(await host.execOutside(['python3', '-c', [
      'import sys, xml.etree.ElementTree as ET',
      'root = ET.parse(sys.argv[1]).getroot()',
      'print(root.tag, root.find("emailProvider/domain").text)',
      'for s in root.iter():',
      '    if s.tag in ("incomingServer", "outgoingServer"):',
      '        print(s.get("type"), s.find("hostname").text, s.find("port").text, s.find("socketType").text, s.find("authentication").text)',
    ].join('\n'), `/tmp/fetched-${AUTOCONFIG}`])).stdout.trim().split('\n');
    expect(parsed).toEqual([
      `clientConfig ${DOMAIN}`,
      `imap ${HOST} 993 SSL password-cleartext`,
      `imap ${HOST} 143 STARTTLS password-cleartext`,
      `smtp ${HOST} 465 SSL password-cleartext`,
      `smtp ${HOST} 587 STARTTLS password-cleartext`,
    ]);
    // Anything else under those names is a 404, never a redirect (RFC 8461 §3.3).
    expect((await fetchOutside(MTA_STS, '/')).code).toBe('404');
  }, 120_000);

  it('the certificate nginx serves names all three names and verifies against pebble\'s root', async () => {
    const seen = await served(host, 443, MTA_STS, PEBBLE_ROOT);
    expect(seen?.verify).toBe('Verify return code: 0 (ok)');
    for (const name of [HOST, MTA_STS, AUTOCONFIG]) expect(seen?.subjectAltName).toContain(`DNS:${name}`);
    expect(seen?.serial).toBe(await serialOnDisk());
  }, 60_000);

  it('the admin\'s own site on 443 still answers under its name with its own certificate', async () => {
    const www = await fetchOutside(WWW, '/', '/root/www.pem');
    expect(www.code).toBe('200');
    expect(www.body).toBe('the admin\'s own site\n');
    expect(await host.readFile('/etc/nginx/sites-available/www')).toContain(`server_name ${WWW};`);
  }, 60_000);

  it('certbot renew --force-renewal (nginx holding port 80) keeps the key, and nginx serves the new certificate through the deploy hook', async () => {
    const [keyBefore, serialBefore] = [await spki(), await serialOnDisk()];
    const renew = await host.exec(['certbot', 'renew', '--force-renewal', '--non-interactive', '--no-random-sleep-on-renew'], { timeoutMs: 300_000, env: { REQUESTS_CA_BUNDLE: API_CA } });
    expect(renew.exitCode, renew.stdout + renew.stderr).toBe(0);
    const serialAfter = await serialOnDisk();
    expect(serialAfter).not.toBe(serialBefore);
    expect(await spki()).toBe(keyBefore);
    const seen = await waitFor('nginx serving the renewed certificate', async () => {
      const s = await served(host, 443, MTA_STS, PEBBLE_ROOT);
      return s && s.serial === serialAfter ? s : null;
    }, 60_000);
    expect(seen.verify).toBe('Verify return code: 0 (ok)');
  }, 400_000);

  it('a removed policy (web.files, web.https), one changed by hand, and a broken, stopped nginx (web.config, web.running) are repaired', async () => {
    const until = async (ids: string[], status: 'fail' | 'pass') => {
      let last = new Map<string, Finding[]>();
      await waitFor(`${ids.join(', ')} to ${status}`, async () => {
        last = await webFindings();
        return ids.every((id) => worst(last.get(id)) === status) ? true : null;
      }, 120_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify([...last])}`);
      });
    };
    ok(await host.exec(['rm', POLICY_FILE]));
    await until(['web.files', 'web.https'], 'fail');
    expect((await fetchOutside(MTA_STS, MTA_STS_PATH)).code).toBe('404');
    await wizard('repair', '--yes', '--plain');
    await until(['web.files', 'web.https'], 'pass');
    expect((await fetchOutside(MTA_STS, MTA_STS_PATH)).body).toBe(mtaStsPolicy(answers as never));

    // A hand edit of the policy is only a warning as a file, but senders would fetch it: web.https
    // fails, so repair puts the policy back (the edit is backed up).
    await host.writeFile(POLICY_FILE, 'version: STSv1\r\nmode: enforce\r\nmx: other.example.net\r\nmax_age: 86400\r\n');
    await until(['web.https'], 'fail');
    await wizard('repair', '--yes', '--plain');
    await until(['web.files', 'web.https'], 'pass');
    expect((await fetchOutside(MTA_STS, MTA_STS_PATH)).body).toBe(mtaStsPolicy(answers as never));

    await host.writeFile(NGINX_CONF, 'server { this is not nginx;\n');
    ok(await host.exec(['service', 'nginx', 'stop'], { timeoutMs: 60_000 }));
    await until(['web.config', 'web.running'], 'fail');
    await wizard('repair', '--yes', '--plain');
    await until(['web.files', 'web.config', 'web.running', 'web.https'], 'pass');
    expect((await fetchOutside(WWW, '/', '/root/www.pem')).code).toBe('200');
  }, 600_000);

  it('the certificate deleted (certbot delete) while our nginx file names it: repair takes that file out for the challenges, gets a new one, and serves again', async () => {
    ok(await host.exec(['certbot', 'delete', '--non-interactive', '--cert-name', HOST], { timeoutMs: 120_000 }));
    // nginx now refuses its whole configuration: it could not start to answer a challenge.
    expect((await host.exec(['nginx', '-t'])).exitCode).not.toBe(0);
    const r = await wizard('repair', '--yes', '--plain');
    const tls = stepOutput(r.stdout, 'tls');
    expect(tls, r.stdout + r.stderr).toContain(`rm -f ${NGINX_CONF}`);
    expect(tls.indexOf(`rm -f ${NGINX_CONF}`)).toBeLessThan(tls.indexOf('nginx -t'));
    expect(tls).toMatch(/certbot certonly --webroot .*-d mta-sts\./);
    expect(tls, r.stdout).toMatch(/-> changed/);
    expect(stepOutput(r.stdout, 'web'), r.stdout).toMatch(/-> changed/);
    const web = await webFindings();
    expect(Object.fromEntries([...web].map(([id, fs]) => [id, worst(fs)]))).toEqual({ 'web.files': 'pass', 'web.config': 'pass', 'web.running': 'pass', 'web.https': 'pass' });
    const fetched = await fetchOutside(MTA_STS, MTA_STS_PATH);
    expect(fetched.code).toBe('200');
    expect(fetched.body).toBe(mtaStsPolicy(answers as never));
    expect((await fetchOutside(WWW, '/', '/root/www.pem')).code).toBe('200');
  }, 600_000);

  it('mtaSts off: our nginx file and web files are removed (said in the plan), the admin\'s site stays, certbot still renews through nginx', async () => {
    await host.writeFile('/root/answers.json', JSON.stringify({ ...answers, mtaSts: 'off' }));
    const r = await wizard('setup', '--yes', '--plain');
    const web = stepOutput(r.stdout, 'web');
    expect(web, r.stdout).toContain(`rm -f ${NGINX_CONF}`);
    expect(web, r.stdout).toContain(`rm -f ${POLICY_FILE}`);
    expect(await host.readFile(NGINX_CONF)).toBeNull();
    expect(await host.readFile('/etc/nginx/sites-available/www')).not.toBeNull();
    expect(worst((await webFindings()).get('web.files'))).toBe('pass');
    expect((await fetchOutside(WWW, '/', '/root/www.pem')).code).toBe('200');
    // The certificate is not asked for again (it already names more than the host name), and a renewal still works with nginx on port 80.
    expect(stepOutput(r.stdout, 'tls')).not.toContain('certbot certonly');
    const renew = await host.exec(['certbot', 'renew', '--force-renewal', '--non-interactive', '--no-random-sleep-on-renew'], { timeoutMs: 300_000, env: { REQUESTS_CA_BUNDLE: API_CA } });
    expect(renew.exitCode, renew.stdout + renew.stderr).toBe(0);
  }, 600_000);
});
