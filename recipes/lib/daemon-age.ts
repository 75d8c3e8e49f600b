/**
 * Does a daemon run its current configuration? A daemon reads its files when it starts: one that
 * started before the newest of its config files (or certificates) still serves the older ones, no
 * matter what any run state says (an interrupted run, an edit by hand, a renewed certificate).
 *
 * The start time comes from ps(1), which both platforms have: `ps -A -o pid= -o ppid= -o ucomm=
 * -o lstart=`, with TZ=UTC so the time can be read back. OpenBSD's ps(1) (openbsd/src
 * bin/ps/ps.1) lists -A, pid, ppid, ucomm ("name to be used for accounting") and lstart ("the
 * exact time the command started, using the %c format described in strftime(3)"), and honours TZ;
 * Debian's procps prints the same "Tue Dec  1 14:40:12 2026" shape (see CLOCK_SLACK_MS for its
 * precision).
 */
import type { Context } from '../../src/engine/types.js';
import type { Daemon } from '../../src/platform/types.js';
import { tlsPaths } from '../templates/input.js';

/** The process name (ps ucomm) of each daemon's processes. */
const PROCESS: Record<Daemon, string> = {
  smtpd: 'smtpd',
  dovecot: 'dovecot',
  rspamd: 'rspamd',
  redis: 'redis-server',
  httpd: 'httpd',
};

export interface DaemonAge {
  /** The daemon started before one of its files changed. */
  stale: boolean;
  /** What was seen, for a finding. */
  evidence: string;
}

/** The files a daemon reads at start, that mail-wizard writes or depends on. */
async function configFiles(ctx: Context, daemon: Daemon): Promise<string[]> {
  const { paths } = ctx.platform;
  const tls = tlsPaths(ctx);
  switch (daemon) {
    case 'smtpd':
      return [paths.smtpdConf, paths.aliases, paths.senders, paths.recipients, tls.cert, tls.key];
    case 'dovecot':
      // Not its certificate: a renewal reaches Dovecot by a reload (the certbot deploy hook), which
      // keeps its start time, so the certificate would look newer than the daemon for ever.
      return [paths.dovecotConf];
    case 'redis':
      return [paths.redisConf];
    case 'rspamd':
      return ((await ctx.host.listDir(paths.rspamdLocalD)) ?? []).map((n) => `${paths.rspamdLocalD}/${n}`);
    case 'httpd':
      return paths.httpdConf ? [paths.httpdConf] : [];
  }
}

/**
 * How far ps's start time may lag the real one: lstart is cut to whole seconds, and Linux derives
 * it from the boot time in /proc/stat, itself whole seconds (seen: a daemon restarted after a write
 * at :30.11 shown as started at :29). A file changed within this time after a start is not
 * counted; the check is for configurations changed long after the daemon started.
 */
const CLOCK_SLACK_MS = 3000;
/** The longest a start or restart command takes (its daemon starts before the command returns). */
const RESTART_MAX_MS = 120_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Tue Dec  1 14:40:12 2026" (UTC) → ms since the epoch, or null. */
export function parseLstart(text: string): number | null {
  const m = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return null;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

interface Proc {
  pid: number;
  ppid: number;
  name: string;
  started: number;
}

/** Every process with its start time, from one ps call; null when ps cannot tell. */
async function processes(ctx: Context): Promise<Proc[] | null> {
  const argv = ['ps', '-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'ucomm=', '-o', 'lstart='];
  const result = await ctx.host.run(argv, { timeoutMs: 15_000, readOnly: true, env: { TZ: 'UTC', LC_ALL: 'C' } });
  if (result.exitCode !== 0) return null;
  const procs: Proc[] = [];
  for (const line of result.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.+)$/.exec(line);
    const started = m ? parseLstart(m[4]!) : null;
    if (m && started !== null) procs.push({ pid: Number(m[1]), ppid: Number(m[2]), name: m[3]!, started });
  }
  return procs;
}

/** When the daemon's main process started (a process of that name whose parent is not one). */
function mainStart(procs: Proc[], name: string): number | null {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const mains = procs.filter((p) => p.name === name && byPid.get(p.ppid)?.name !== name);
  return mains.length ? Math.min(...mains.map((p) => p.started)) : null;
}

/** Compares a running daemon's start with its newest file; a daemon ps cannot find is not stale. */
export async function daemonAge(ctx: Context, daemon: Daemon): Promise<DaemonAge> {
  if (ctx.host.kind === 'recorder') return { stale: false, evidence: 'not looked at in a dry-run' };
  const procs = await processes(ctx);
  const started = procs ? mainStart(procs, PROCESS[daemon]) : null;
  if (started === null) return { stale: false, evidence: `no ${PROCESS[daemon]} process found by ps` };
  let newest: { path: string; ms: number } | null = null;
  for (const path of await configFiles(ctx, daemon)) {
    const ms = (await ctx.host.stat(path))?.mtimeMs;
    if (ms !== undefined && (!newest || ms > newest.ms)) newest = { path, ms };
  }
  const startedAt = new Date(started).toISOString();
  // Started by mail-wizard's own restart (ps's time within the slack of it): that restart's end is
  // known to the millisecond, so a file changed a moment after it counts (a hand edit right after a
  // repair), and one written before it does not.
  const restart = ctx.state.startedAt(ctx.platform.services[daemon]);
  const sameStart = restart !== undefined && started <= restart + CLOCK_SLACK_MS && started >= restart - RESTART_MAX_MS;
  const changedAfter = sameStart ? restart : started + CLOCK_SLACK_MS;
  if (newest && newest.ms > changedAfter) {
    return { stale: true, evidence: `started ${startedAt}; ${newest.path} changed ${new Date(newest.ms).toISOString()}` };
  }
  return { stale: false, evidence: `started ${startedAt}, after its files changed` };
}
