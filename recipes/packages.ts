/**
 * The packages of the stack: OpenSMTPD's rspamd filter, Dovecot, Rspamd, Redis (and helpers).
 * On a box with a life: stale package lists are refreshed first (Debian), a missing
 * /etc/installurl is named (OpenBSD), and an install that would remove a package (opensmtpd
 * replaces exim4 or postfix) is shown and asked about; --yes never covers a removal, only
 * --allow-remove NAME or a "yes" typed at the prompt does.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { describeFailure } from '../src/host/host.js';

export function wantedPackages(ctx: Pick<Context, 'answers' | 'platform'>): string[] {
  const names = [...ctx.platform.packages];
  if (ctx.platform.name === 'debian') {
    names.push('nftables');
    if (ctx.answers.tls.mode === 'acme') names.push('certbot');
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
  /** What stops the install before it starts (OpenBSD without /etc/installurl). */
  blocker: Finding | null;
}

async function probePackages(ctx: Context): Promise<PackagesProbe> {
  const missing = await missingPackages(ctx);
  const probe: PackagesProbe = { missing, staleLists: null, removals: null, blocker: null };
  if (missing.length === 0) return probe;
  const { platform } = ctx;
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
    if (missing.length === 0) return { actions: [], reason: 'all packages are installed' };
    if (probe.blocker) return { actions: [], reason: `stopped: ${probe.blocker.summary}` };
    const removals = probe.removals ?? [];
    const notAllowed = unallowed(ctx, removals);
    // Nobody to ask and not allowed by name: stop here; verify names what would go.
    if (notAllowed.length && !ctx.removals.ask) {
      return { actions: [], reason: `stopped: installing would remove ${notAllowed.join(', ')} (allow with --allow-remove)` };
    }
    const actions: Action[] = [];
    const refresh = ctx.platform.packageLists?.refresh;
    if (probe.staleLists && refresh) actions.push({ type: 'run', argv: refresh.argv, ...(refresh.env ? { env: refresh.env } : {}), timeoutMs: 10 * 60_000 });
    const { argv, env } = ctx.platform.install(missing, removals.length ? 'allowed' : undefined);
    actions.push({ type: 'packages', names: missing, ...(removals.length ? { removes: removals } : {}), argv, ...(env ? { env } : {}), timeoutMs: 15 * 60_000 });
    return { actions };
  },
  async verify(ctx) {
    const probe = await probePackages(ctx);
    const { missing } = probe;
    if (missing.length === 0) return [{ status: 'pass', check: 'packages.installed', summary: `installed: ${wantedPackages(ctx).join(', ')}` }];
    if (probe.blocker) return [probe.blocker];
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
    ];
  },
};
