/**
 * No failing finding without a way out, on a running server: in one trixie test host, after setup
 * and the published records, each check below is broken for real (a daemon stopped, a config file
 * newer than its daemon, an account removed, a package removed, a file of ours removed, our
 * firewall table dropped), `check --json` shows that exact id failing, `repair` runs, and the id
 * passes again, or repair names the manual step it needs. At the end, mail from outside still
 * reaches alice and submission still works.
 *
 * REPAIR_COVERS lists the check ids this file breaks; test/unit/check-table.test.ts requires every
 * id the code can emit to be in some break test's list (and in the README table).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, startSink, waitFor } from './world.js';

export const REPAIR_COVERS = [
  'services.redis',
  'services.redis-ping',
  'services.rspamd',
  'services.dovecot',
  'services.tls-993',
  'services.smtpd',
  'services.smtp-25',
  'services.smtp-587',
  'services.tls-465',
  'services.tls-587',
  'services.redis-current',
  'services.rspamd-current',
  'services.dovecot-current',
  'services.smtpd-current',
  'services.redis-enabled',
  'services.rspamd-enabled',
  'services.dovecot-enabled',
  'services.smtpd-enabled',
  'mail-test.send',
  'mail-test.delivery',
  'mail-test.alias',
  'users.exist',
  'packages.installed',
  'dovecot.files',
  'rspamd.files',
  'firewall.files',
  'firewall.include',
  'firewall.loaded',
  'firewall.boot',
  'dovecot.learn-group',
  'redis.rspamd-group',
] as const;

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const DOMAIN = 'example.org';
const PASSWORD = 'correct horse battery staple';
const ANSWERS = {
  domain: DOMAIN,
  hostname: `mail.${DOMAIN}`,
  ipv4: '198.51.100.25',
  users: ['alice', 'bob'],
  // Not the first user: the alias test must reach someone else than the delivery test.
  postmaster: 'bob',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};
// The .debs the cached root was built from: what an apt cache holds after a download.
const DEBS = path.join(process.env.MW_STACK_CACHE ?? fileURLToPath(new URL('.cache', import.meta.url)), 'debs');

interface Finding {
  status: 'pass' | 'warn' | 'fail';
  check: string;
  summary: string;
  evidence?: string;
  fix?: string;
}

/** Every id this file saw fail and then saw pass after repair (or saw named as a manual step). */
const proved = new Set<string>();

describe.skipIf(problem !== null)('every check broken on a running server: repair fixes it or names the manual step', () => {
  let host: TestHost;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 600_000 });

  /** `check --json` (with the mail test when asked): the findings of each id. */
  async function check(sendTest = false): Promise<Map<string, Finding[]>> {
    const r = await wizard('check', '--json', ...(sendTest ? ['--send-test'] : []));
    const parsed = JSON.parse(r.stdout) as { steps: { findings: Finding[] }[] };
    const byId = new Map<string, Finding[]>();
    for (const f of parsed.steps.flatMap((s) => s.findings)) byId.set(f.check, [...(byId.get(f.check) ?? []), f]);
    return byId;
  }
  const worst = (findings: Finding[] | undefined) =>
    !findings ? 'absent' : findings.some((f) => f.status === 'fail') ? 'fail' : findings.some((f) => f.status === 'warn') ? 'warn' : 'pass';

  /** Runs check until every id has the wanted status (a break takes effect, or a daemon settles). */
  async function until(ids: readonly string[], status: 'fail' | 'warn' | 'pass', sendTest = false): Promise<Map<string, Finding[]>> {
    let last = new Map<string, Finding[]>();
    await waitFor(`${ids.join(', ')} to ${status}`, async () => {
      last = await check(sendTest);
      return ids.every((id) => worst(last.get(id)) === status) ? true : null;
    }, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${ids.map((id) => `${id}=${worst(last.get(id))} ${JSON.stringify(last.get(id))}`).join('; ')}`);
    });
    return last;
  }

  /** Checks that speak only when something is wrong: their absence is their pass. */
  const FAIL_ONLY = new Set(['mail-test.send', 'dovecot.learn-group']);
  const passed = (id: string, findings: Finding[] | undefined) => {
    const status = worst(findings);
    return status === 'pass' || (status === 'absent' && FAIL_ONLY.has(id)) ? 'pass' : status;
  };

  /** Repair (exit 0), then check: every id passes. */
  async function repairFixes(ids: readonly string[], sendTest = false): Promise<string> {
    const r = await wizard('repair', '--yes', '--plain');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const after = await check(sendTest);
    expect(Object.fromEntries(ids.map((id) => [id, passed(id, after.get(id))]))).toEqual(Object.fromEntries(ids.map((id) => [id, 'pass'])));
    for (const id of ids) proved.add(id);
    return r.stdout;
  }

  /** Breaks, sees exactly these ids fail, repairs, sees them pass. */
  async function breakAndRepair(ids: readonly string[], breakIt: () => Promise<void>, sendTest = false): Promise<string> {
    await breakIt();
    await until(ids, 'fail', sendTest);
    return repairFixes(ids, sendTest);
  }

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
    await wizard('setup', '--yes', '--plain'); // stops at DNS: nothing is published yet
    const records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json')));
    await publishDns(host, DOMAIN, records.stdout, 2);
    await startSink(host);
    const r = await wizard('repair', '--yes', '--plain');
    if (r.exitCode !== 0) throw new Error(`the first repair after publishing failed:\n${r.stdout}${r.stderr}`);
    const clean = await check(true);
    const failing = [...clean.values()].flat().filter((f) => f.status === 'fail');
    if (failing.length) throw new Error(`a fresh server fails checks: ${JSON.stringify(failing)}`);
  }, 900_000);

  afterAll(async () => {
    await host?.stop();
    console.log(`repair suite: ${proved.size} of ${REPAIR_COVERS.length} check ids broken and repaired: ${[...proved].join(', ')}`);
  });

  it('names each id it covers once (the last test checks each was broken and came back)', () => {
    expect(new Set(REPAIR_COVERS).size).toBe(REPAIR_COVERS.length);
  });

  it.each([
    ['redis', 'redis-server', ['services.redis', 'services.redis-ping']],
    ['rspamd', 'rspamd', ['services.rspamd']],
    ['dovecot', 'dovecot', ['services.dovecot', 'services.tls-993']],
    ['smtpd', 'opensmtpd', ['services.smtpd', 'services.smtp-25', 'services.smtp-587', 'services.tls-465', 'services.tls-587']],
  ] as const)('%s stopped: its checks fail; repair starts it', async (_daemon, service, ids) => {
    await breakAndRepair(ids, async () => void ok(await host.exec(['service', service, 'stop'], { timeoutMs: 120_000 })));
  }, 900_000);

  it('each daemon running an older configuration than the one on disk (-current): repair restarts it', async () => {
    const files = ['/etc/redis/redis.conf', '/etc/rspamd/local.d/redis.conf', '/etc/dovecot/dovecot.conf', '/etc/smtpd.conf'];
    const ids = ['services.redis-current', 'services.rspamd-current', 'services.dovecot-current', 'services.smtpd-current'];
    // Same content, newer time. A daemon started within the clock slack of the touch does not count
    // as older: touch again until the check sees every one of them older (a state, not a time).
    await waitFor('every daemon older than its config file', async () => {
      ok(await host.exec(['touch', ...files]));
      const seen = await check();
      return ids.every((id) => worst(seen.get(id)) === 'fail') ? true : null;
    }, 120_000);
    const out = await repairFixes(ids);
    expect(out).toMatch(/service redis-server restart/);
    expect(out).toMatch(/service opensmtpd start/);
  }, 900_000);

  it('dovecot stopped, and the mail test asked for: delivery and the alias fail; repair starts it and the test passes', async () => {
    await breakAndRepair(
      ['services.dovecot', 'mail-test.delivery', 'mail-test.alias'],
      async () => void ok(await host.exec(['service', 'dovecot', 'stop'], { timeoutMs: 120_000 })),
      true,
    );
  }, 900_000);

  it('sendmail refuses the test message (the alias removed by hand): the finding names the line; putting that line back passes', async () => {
    const aliases = (await host.readFile('/etc/aliases'))!;
    expect(aliases).toMatch(/^postmaster: bob$/m);
    await host.writeFile('/etc/aliases', aliases.replace(/^postmaster: bob\n/m, ''));
    // The hand edit is kept (a warning); repair restarts smtpd onto it, and then names the line.
    const r = await wizard('repair', '--yes', '--plain');
    expect(r.exitCode, r.stdout).toBe(1);
    const seen = await until(['mail-test.send'], 'fail', true);
    const finding = seen.get('mail-test.send')!.find((f) => f.status === 'fail')!;
    expect(finding.evidence).toMatch(/550 Invalid recipient/);
    const line = /Put the line "([^"]+)" back in (\S+),/.exec(finding.fix ?? '');
    expect(line, finding.fix).not.toBeNull();
    expect(line![2]).toBe('/etc/aliases');
    // The manual step, done as written: that line back at the end of the file. Then repair passes.
    await host.writeFile('/etc/aliases', `${(await host.readFile('/etc/aliases'))!}${line![1]}\n`);
    await repairFixes(['mail-test.send', 'mail-test.alias'], true);
  }, 900_000);

  it('users.exist: an account removed (with its home); repair creates it again and names the password to set', async () => {
    ok(await host.exec(['userdel', '--remove', 'alice']));
    await until(['users.exist'], 'fail');
    const out = await repairFixes(['users.exist', 'mail-test.delivery'], true);
    expect(out).toContain('passwd alice');
  }, 900_000);

  it('packages.installed: a package removed; offline, repair names the manual step; with the package at hand it installs it', async () => {
    ok(await host.exec(['sh', '-c', 'touch /var/lib/apt/lists/*_Packages'])); // fresh lists: no update is planned
    ok(await host.exec(['dpkg', '--remove', 'opensmtpd-filter-rspamd']));
    await until(['packages.installed'], 'fail');
    // No way to download it here (no network): the install fails, and the finding says what to do.
    const offline = await wizard('repair', '--yes', '--json');
    expect(offline.exitCode).toBe(1);
    const verified = offline.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; step?: { id: string }; findings?: Finding[] });
    const failed = verified.filter((e) => e.type === 'step-verified' && e.step?.id === 'packages').flatMap((e) => e.findings ?? []).filter((f) => f.status === 'fail');
    expect(failed.length, offline.stdout).toBeGreaterThan(0);
    for (const f of failed) expect(f.fix, JSON.stringify(f)).toMatch(/resolv\.conf|apt-get|mirror|repository/);
    console.log(`offline packages repair: ${failed.map((f) => `[${f.check}] ${f.summary} -- fix: ${f.fix}`).join('\n')}`);
    // The package at hand (apt's cache, as after a download): repair installs it.
    for (const deb of readdirSync(DEBS).filter((f) => /^opensmtpd-filter-rspamd_/.test(f))) {
      await host.writeFile(`/var/cache/apt/archives/${deb}`, readFileSync(path.join(DEBS, deb)));
    }
    await repairFixes(['packages.installed']);
    ok(await host.exec(['test', '-x', '/usr/libexec/opensmtpd/filter-rspamd']));
  }, 900_000);

  it('files of ours removed (dovecot, rspamd, firewall), the include line dropped, our table unloaded: repair puts each back', async () => {
    await breakAndRepair(['dovecot.files', 'rspamd.files'], async () => {
      ok(await host.exec(['rm', '/etc/dovecot/dovecot.conf', '/etc/rspamd/local.d/redis.conf']));
    });
    await breakAndRepair(['firewall.files'], async () => void ok(await host.exec(['rm', '/etc/nftables.mail-wizard.conf'])));
    await breakAndRepair(['firewall.include'], async () => {
      const main = (await host.readFile('/etc/nftables.conf'))!;
      const without = main.split('\n').filter((l) => !l.includes('nftables.mail-wizard.conf')).join('\n');
      expect(without).not.toBe(main);
      await host.writeFile('/etc/nftables.conf', without);
    });
    await breakAndRepair(['firewall.loaded'], async () => void ok(await host.exec(['nft', 'delete', 'table', 'inet', 'mail_wizard'])));
  }, 900_000);

  it('the learn group and rspamd\'s membership in redis\'s group removed: repair makes each again', async () => {
    await breakAndRepair(['dovecot.learn-group'], async () => void ok(await host.exec(['groupdel', '_spamlearn'])));
    await breakAndRepair(['redis.rspamd-group'], async () => void ok(await host.exec(['gpasswd', '-d', '_rspamd', 'redis'])));
  }, 900_000);

  it('services.<daemon>-enabled (a warning): the boot links removed; setup enables each again', async () => {
    const services = ['redis-server', 'rspamd', 'dovecot', 'opensmtpd'];
    const ids = ['services.redis-enabled', 'services.rspamd-enabled', 'services.dovecot-enabled', 'services.smtpd-enabled'];
    for (const s of services) ok(await host.exec(['update-rc.d', '-f', s, 'remove']));
    await until(ids, 'warn');
    // A warning alone does not make repair walk a step: setup (which walks every step) enables them.
    const r = await wizard('setup', '--yes', '--plain');
    expect(r.exitCode, r.stdout).toBe(0);
    const after = await check();
    for (const id of ids) expect(worst(after.get(id)), id).toBe('absent'); // no warning: enabled
    for (const id of ids) proved.add(id);
  }, 900_000);

  it('firewall.boot without systemd (a warning): the finding names the boot-script line to add', async () => {
    const seen = await check();
    const boot = seen.get('firewall.boot') ?? [];
    expect(boot.map((f) => f.status)).toEqual(['warn']);
    expect(boot[0]!.fix).toContain('nft -f /etc/nftables.conf');
    // The step it names loads the rules as they are now: carried out here, it loads them cleanly.
    ok(await host.exec(['nft', '-c', '-f', '/etc/nftables.conf']));
    proved.add('firewall.boot');
  }, 300_000);

  it('after all of it, mail from outside reaches alice and submission reaches the sink', async () => {
    ok(await host.exec(['chpasswd'], { input: `alice:${PASSWORD}\n` }));
    const swaks = (...args: string[]) => host.execOutside(['swaks', '--server', host.serverAddress, '--helo', `mx.${FOREIGN}`, ...args], { timeoutMs: 60_000 });
    ok(await swaks('--port', '25', '--from', `bob@${FOREIGN}`, '--to', `alice@${DOMAIN}`, '--h-Subject', 'repair-suite-inbound'));
    await waitFor('the inbound message in ~alice/Maildir/new', async () => {
      const r = await host.exec(['sh', '-c', 'grep -l -r -- repair-suite-inbound /home/alice/Maildir/new 2>/dev/null || true']);
      return r.stdout.trim() || null;
    }, 60_000);
    ok(await swaks('--port', '587', '--tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', PASSWORD, '--from', `alice@${DOMAIN}`, '--to', `carol@${FOREIGN}`, '--h-Subject', 'repair-suite-outbound'));
    await waitFor('the submitted message at the sink', async () => {
      const r = await host.execOutside(['sh', '-c', 'grep -l repair-suite-outbound /var/sink/*.eml 2>/dev/null || true']);
      return r.stdout.trim() || null;
    }, 60_000);
    // Every id this file claims was broken and came back.
    expect(REPAIR_COVERS.filter((id) => !proved.has(id))).toEqual([]);
  }, 300_000);
});
