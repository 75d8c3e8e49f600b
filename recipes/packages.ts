/**
 * The packages of the stack: OpenSMTPD's rspamd filter, Dovecot, Rspamd, Redis (and helpers).
 * On a box with a life: stale package lists are refreshed first (Debian), a missing
 * /etc/installurl is named (OpenBSD), and an install that would remove a package (opensmtpd
 * replaces exim4 or postfix) is shown and asked about; --yes never covers a removal, only
 * --allow-remove NAME or a "yes" typed at the prompt does.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { describeFailure } from '../src/host/host.js';
import { servesWeb } from '../src/published/mta-sts.js';
import { holdersText, lockCause, packageLockHolders } from '../src/diagnose/package-lock.js';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };

export function wantedPackages(ctx: Pick<Context, 'answers' | 'platform'>): string[] {
  const names = [...ctx.platform.packages];
  if (ctx.platform.name === 'debian') {
    names.push('nftables');
    if (ctx.answers.tls.mode === 'acme') names.push('certbot');
    // The MTA-STS policy and autoconfig over HTTPS (OpenBSD has httpd in base).
    if (servesWeb(ctx.answers)) names.push('nginx');
  }
  return names;
}

async function missingPackages(ctx: Context): Promise<string[]> {
  const missing: string[] = [];
  for (const name of wantedPackages(ctx)) {
    const result = await ctx.host.run(ctx.platform.packageQuery(name), { timeoutMs: 20_000, readOnly: true });
    const installed = result.exitCode === 0 && (ctx.platform.name !== 'debian' || result.stdout.trim() === 'installed');
    if (!installed) missing.push(name);
  }
  return missing;
}

/** The packages an `apt-get -s install` would remove: its `Remv NAME [VERSION]` lines. */
export function removalsFromSimulation(output: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^Remv (\S+)/.exec(line);
    if (m?.[1]) names.push(m[1].replace(/:[a-z0-9]+$/, '')); // exim4-base:amd64 → exim4-base
  }
  return [...new Set(names)];
}

/** Newest package index in the lists directory (null: there is none: the lists were never fetched). */
async function listsAge(ctx: Context, dir: string): Promise<number | null> {
  const names = (await ctx.host.listDir(dir)) ?? [];
  let newest: number | null = null;
  for (const name of names.filter((n) => /_Packages(\.\w+)?$/.test(n))) {
    const s = await ctx.host.stat(`${dir}/${name}`);
    if (s?.mtimeMs !== undefined && (newest === null || s.mtimeMs > newest)) newest = s.mtimeMs;
  }
  return newest === null ? null : Date.now() - newest;
}

export interface PackagesProbe {
  missing: string[];
  /** Why the package lists must be refreshed first (null: they are fresh, or there are none to keep). */
  staleLists: string | null;
  /** Installed packages the install would remove (from a simulation), or null when unknown. */
  removals: string[] | null;
  /** What stops the install before it starts (OpenBSD without /etc/installurl, the dpkg lock held by another program). */
  blocker: Finding | null;
  /** What an interrupted package manager still owes, done before anything is installed (Debian). */
  finish: Action[];
  /** Why `finish` is owed: dpkg's own audit, or the run state. */
  interrupted: string | null;
  /** OpenBSD: what an interrupted pkg_add left in /var/db/pkg. */
  partial: string[];
}

/**
 * Debian: a package job stopped in the middle (the wizard was killed during apt-get, or the power
 * went) leaves packages unpacked or half-configured; dpkg records them in its status file and `dpkg
 * --configure -a` finishes them (dpkg(1)). When the run state says this step was interrupted, or
 * `dpkg --audit` lists such packages, that comes first; `apt-get -f install` follows only when apt
 * finds broken dependencies that are not just dpkg's unfinished work.
 */
async function unfinishedPackageJob(ctx: Context): Promise<{ finish: Action[]; interrupted: string | null }> {
  if (ctx.platform.name !== 'debian') return { finish: [], interrupted: null };
  const audit = await ctx.host.run(['dpkg', '--audit'], { timeoutMs: 60_000, readOnly: true });
  const audited = audit.stdout.trim();
  const stepStopped = ctx.state.unfinished.includes('packages');
  if (!audited && !stepStopped) return { finish: [], interrupted: null };
  const finish: Action[] = [{ type: 'run', argv: ['dpkg', '--configure', '-a'], env: APT_ENV, timeoutMs: 15 * 60_000 }];
  const check = await ctx.host.run(['apt-get', 'check'], { timeoutMs: 120_000, readOnly: true, env: APT_ENV });
  // "dpkg was interrupted, you must manually run 'dpkg --configure -a'": that is what comes first anyway.
  if (check.exitCode !== 0 && !/dpkg was interrupted/i.test(`${check.stdout}\n${check.stderr}`)) {
    finish.push({ type: 'run', argv: ['apt-get', '-f', 'install', '-y', '--no-install-recommends'], env: APT_ENV, timeoutMs: 15 * 60_000 });
  }
  const interrupted = audited
    ? `dpkg --audit: ${audited.split('\n').find((l) => l.trim()) ?? audited}`
    : `the run state says an earlier run stopped in this step (${ctx.state.file ?? 'state.json'})`;
  return { finish, interrupted };
}

/**
 * OpenBSD: pkg_add registers what it could not finish as `partial-NAME` in /var/db/pkg
 * (borked_package() in openbsd/src usr.sbin/pkg_add/OpenBSD/PackageInfo.pm), a name whose stem is
 * not the package's, so the package still counts as missing and the next pkg_add installs it again.
 * What is left is named for the admin; pkg_add itself needs nothing first. Its lock is a flock() on
 * /var/db/pkg that a second pkg_add waits for ("Package database already locked... awaiting
 * release...", lock_db() in the same file), so a held lock shows as a time-out of that wait.
 */
async function partialPackages(ctx: Context): Promise<string[]> {
  if (ctx.platform.name !== 'openbsd') return [];
  return ((await ctx.host.listDir('/var/db/pkg')) ?? []).filter((n) => n.startsWith('partial-'));
}

function lockFinding(holders: Awaited<ReturnType<typeof packageLockHolders>>): Finding {
  const { cause, fix } = lockCause(holders);
  return {
    status: 'fail',
    check: 'packages.lock',
    summary: `the package database is locked by another program: ${holdersText(holders)}; nothing was installed`,
    evidence: `lslocks: ${holders.map((h) => `${h.command} (pid ${h.pid}) holds ${h.path}`).join('; ')}`,
    cause,
    fix,
  };
}

async function probePackages(ctx: Context): Promise<PackagesProbe> {
  const missing = await missingPackages(ctx);
  const job = await unfinishedPackageJob(ctx);
  const probe: PackagesProbe = { missing, staleLists: null, removals: null, blocker: null, ...job, partial: await partialPackages(ctx) };
  if (missing.length === 0 && job.finish.length === 0) return probe;
  const { platform } = ctx;
  // Another program's apt or dpkg holds the lock: say who, instead of apt's raw "Could not get lock".
  const holders = await packageLockHolders(ctx);
  if (holders.length) {
    probe.blocker = lockFinding(holders);
    return probe;
  }
  if (missing.length === 0) return probe;
  if (platform.name === 'openbsd' && !(await ctx.host.stat('/etc/installurl')) && ctx.host.kind !== 'recorder') {
    // installurl(5): the installer writes it when it installs from a mirror; pkg_add reads it.
    probe.blocker = {
      status: 'fail',
      check: 'packages.source',
      summary: '/etc/installurl is missing: pkg_add has no mirror to install from',
      evidence: 'no file at /etc/installurl (installurl(5))',
      fix: 'Put your OpenBSD mirror\'s URL on one line in /etc/installurl (the installer writes it when it installs from a mirror), then rerun.',
    };
    return probe;
  }
  if (platform.packageLists) {
    const { dir, maxAgeMs } = platform.packageLists;
    const age = await listsAge(ctx, dir);
    if (age === null) probe.staleLists = `there are no package lists in ${dir}`;
    else if (age > maxAgeMs) probe.staleLists = `the package lists are ${Math.floor(age / 3600_000)} hours old`;
  }
  if (platform.simulateInstall) {
    const { argv, env } = platform.simulateInstall(missing);
    const sim = await ctx.host.run(argv, { timeoutMs: 120_000, readOnly: true, ...(env ? { env } : {}) });
    if (sim.exitCode === 0) probe.removals = removalsFromSimulation(sim.stdout);
  }
  return probe;
}

/** Removals nobody allowed: without them the install may go ahead. */
function unallowed(ctx: Context, removals: string[]): string[] {
  return removals.filter((name) => !ctx.removals.allowed.includes(name));
}

function removalFinding(ctx: Context, probe: PackagesProbe, removals: string[]): Finding {
  const { argv } = ctx.platform.simulateInstall!(probe.missing);
  return {
    status: 'fail',
    check: 'packages.removals',
    summary: `installing ${probe.missing.join(', ')} would remove ${removals.join(', ')}: stopped, nothing was removed`,
    evidence: `${argv.join(' ')}: Remv ${removals.join(', Remv ')}`,
    fix: `If they may go (another mail server you replace), rerun with ${removals.map((n) => `--allow-remove ${n}`).join(' ')}; else keep them and do not install this stack here.`,
  };
}

export const packagesStep: Step<PackagesProbe> = {
  id: 'packages',
  title: 'Packages',
  why: 'Installs OpenSMTPD\'s Rspamd filter, Dovecot (IMAP, LMTP, Sieve), Rspamd and Redis.',
  probe: probePackages,
  plan(ctx, probe) {
    const { missing } = probe;
    if (missing.length === 0 && probe.finish.length === 0) return { actions: [], reason: 'all packages are installed' };
    if (probe.blocker) return { actions: [], reason: `stopped: ${probe.blocker.summary}` };
    if (missing.length === 0) return { actions: [...probe.finish] };
    const removals = probe.removals ?? [];
    const notAllowed = unallowed(ctx, removals);
    // Nobody to ask and not allowed by name: stop here; verify names what would go.
    if (notAllowed.length && !ctx.removals.ask) {
      return { actions: [], reason: `stopped: installing would remove ${notAllowed.join(', ')} (allow with --allow-remove)` };
    }
    const actions: Action[] = [...probe.finish];
    const refresh = ctx.platform.packageLists?.refresh;
    if (probe.staleLists && refresh) actions.push({ type: 'run', argv: refresh.argv, ...(refresh.env ? { env: refresh.env } : {}), timeoutMs: 10 * 60_000 });
    const { argv, env } = ctx.platform.install(missing, removals.length ? 'allowed' : undefined);
    actions.push({ type: 'packages', names: missing, ...(removals.length ? { removes: removals } : {}), argv, ...(env ? { env } : {}), timeoutMs: 15 * 60_000 });
    return { actions };
  },
  async verify(ctx) {
    const probe = await probePackages(ctx);
    const { missing } = probe;
    const left: Finding[] = probe.partial.map((name) => ({
      status: 'warn',
      check: 'packages.partial',
      summary: `an interrupted pkg_add left ${name} behind`,
      evidence: `/var/db/pkg/${name}`,
      fix: `Remove what it left: pkg_delete ${name} (the package itself is installed again by pkg_add).`,
    }));
    if (probe.blocker) return [probe.blocker, ...left];
    if (probe.interrupted && probe.finish.length) {
      return [
        {
          status: 'fail',
          check: 'packages.interrupted',
          summary: 'a package install stopped in the middle: dpkg has work to finish',
          evidence: probe.interrupted,
          fix: `Run \`mail-wizard repair\` (it runs ${probe.finish.map((a) => (a.type === 'run' ? a.argv.join(' ') : '')).join(', then ')}), or run that yourself.`,
        },
      ];
    }
    if (missing.length === 0) return [{ status: 'pass', check: 'packages.installed', summary: `installed: ${wantedPackages(ctx).join(', ')}` }, ...left];
    const notAllowed = unallowed(ctx, probe.removals ?? []);
    if (notAllowed.length) return [removalFinding(ctx, probe, notAllowed)];
    const { argv } = ctx.platform.install(missing);
    const query = await ctx.host.run(ctx.platform.packageQuery(missing[0]!), { timeoutMs: 20_000, readOnly: true });
    return [
      {
        status: 'fail',
        check: 'packages.installed',
        summary: `missing packages: ${missing.join(', ')}`,
        evidence: query.exitCode === 0 ? ctx.platform.packageQuery(missing[0]!).join(' ') : describeFailure(query),
        fix: `Install them: ${argv.join(' ')}`,
      },
      ...left,
    ];
  },
};
