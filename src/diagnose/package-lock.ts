/**
 * Another program holds the package database: an unattended upgrade, an admin's apt in another
 * session, a dpkg left running. apt and dpkg take fcntl() locks on these files (apt-pkg's
 * GetLock(); dpkg's lock-frontend since 1.19), and `lslocks` (util-linux) names the process that
 * holds each lock. Used by the packages step before it runs apt or dpkg, and by the catalogue
 * when apt failed with "Could not get lock".
 */
import type { Context } from '../engine/types.js';
import type { Cause, CauseEntry } from './types.js';

export const DPKG_LOCKS = ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock', '/var/cache/apt/archives/lock'];

export interface LockHolder {
  pid: number;
  command: string;
  path: string;
}

/** `lslocks --raw --noheadings -o PID,COMMAND,PATH` lines for the package locks (raw: spaces are \x20). */
export function parseLslocks(out: string, paths: readonly string[] = DPKG_LOCKS): LockHolder[] {
  const found: LockHolder[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    const path = m[3]!.replace(/\\x20/g, ' ');
    if (!paths.includes(path)) continue;
    const pid = Number(m[1]);
    if (!found.some((h) => h.pid === pid)) found.push({ pid, command: m[2]!.replace(/\\x20/g, ' '), path });
  }
  return found;
}

/** Who holds a lock of the package database now (Debian); [] when nobody does or lslocks cannot tell. */
export async function packageLockHolders(ctx: Context): Promise<LockHolder[]> {
  if (ctx.platform.name !== 'debian' || ctx.host.kind === 'recorder') return [];
  const r = await ctx.host.run(['lslocks', '--raw', '--noheadings', '-o', 'PID,COMMAND,PATH'], { timeoutMs: 10_000, readOnly: true });
  return r.exitCode === 0 ? parseLslocks(r.stdout).filter((h) => h.pid !== process.pid) : [];
}

export function holdersText(holders: readonly LockHolder[]): string {
  return holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ');
}

export function lockCause(holders: readonly LockHolder[]): Cause {
  const pids = holders.map((h) => h.pid).join(' ');
  return {
    id: 'package-lock',
    cause: `The package database is locked by another program: ${holdersText(holders)} holds ${holders[0]!.path}. An unattended upgrade or another apt is running.`,
    fix: `Let it finish (\`ps -o pid,etime,args -p ${pids}\` shows how long it has run), then rerun \`mail-wizard repair\`. If it hangs: \`kill ${pids}\`, then \`dpkg --configure -a\`.`,
  };
}

const LOCKED = /could not get lock|unable to (?:acquire|lock) the (?:dpkg|administration) (?:frontend|directory)|dpkg frontend lock|database is locked/i;

export const packageLocked: CauseEntry = {
  id: 'package-lock',
  matches: (f, text) => f.check.startsWith('packages.') && LOCKED.test(text),
  async probe(ctx) {
    const holders = await packageLockHolders(ctx);
    return holders.length ? lockCause(holders) : null;
  },
};
