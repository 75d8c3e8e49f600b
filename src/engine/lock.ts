/**
 * One wizard at a time on a machine: two runs writing the same files and restarting the same
 * daemons would leave a mess.
 *
 * The lock file names its holder: "pid start-time nonce". A lock is held while a process with that
 * pid AND that start time lives (a recycled pid is another process); anything else (holder gone,
 * empty, half-written or garbage content) is stale.
 *  - Taking a free lock is atomic: the content is written to a temp file first and link()ed into
 *    place, which fails with EEXIST if any lock is there, so no reader ever sees a partial lock.
 *  - Taking over a stale lock is atomic too: only the holder of a guard named after that exact stale
 *    content (itself a lock, taken the same way) may replace it, and only after re-reading that it is
 *    still that content; the replacement is a rename() of the fresh temp file over it.
 */
import { randomBytes, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export class LockedError extends Error {}

/** A stale guard of a stale guard of ...: past this depth a person must look. */
const MAX_GUARD_DEPTH = 3;

/**
 * When a process started, as a string compared only for equality; '' when it cannot be read.
 * Linux: field 22 of /proc/PID/stat (clock ticks since boot). Elsewhere (OpenBSD has no /proc):
 * `ps -o lstart= -p PID` (the lstart keyword: openbsd/src bin/ps/keyword.c).
 */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    if (start) return `t${start}`;
  } catch {
    // no /proc, or no such process
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().replace(/\s+/g, '_');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  pid: number;
  start: string;
}

/** The holder a lock's content names, or null for content no complete lock has (empty, garbage). */
export function parseLock(content: string): Holder | null {
  const m = /^(\d+) (\S*) [0-9a-f]{16}\n$/.exec(content);
  if (!m) return null;
  const pid = Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, start: m[2]! } : null;
}

/** True when the named process still runs: same pid, same start time (when one was recorded). */
function holds(holder: Holder): boolean {
  if (!alive(holder.pid)) return false;
  if (!holder.start) return true;
  const now = processStartTime(holder.pid);
  return now === '' || now === holder.start;
}

let ownStart: string | null = null;

function ownContent(): string {
  ownStart ??= processStartTime(process.pid);
  return `${process.pid} ${ownStart} ${randomBytes(8).toString('hex')}\n`;
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

interface Held {
  file: string;
  content: string;
}

/** Removes the lock if it is still ours (it cannot be replaced by another while we live). */
async function releaseHeld(held: Held): Promise<void> {
  if ((await readOrNull(held.file)) === held.content) await fs.rm(held.file, { force: true });
}

function releaseHeldSync(held: Held): void {
  try {
    if (readFileSync(held.file, 'utf8') === held.content) rmSync(held.file, { force: true });
  } catch {
    // already gone
  }
}

async function take(file: string, depth: number): Promise<Held> {
  const content = ownContent();
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await fs.link(tmp, file);
        return { file, content };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await readOrNull(file);
      if (seen === null) continue; // released between the two calls: try again
      const holder = parseLock(seen);
      if (holder && holds(holder)) {
        throw new LockedError(`another mail-wizard is running (pid ${holder.pid}, ${depth ? file.replace(/\.takeover-.*$/, '') : file}); wait for it to finish`);
      }
      if (depth >= MAX_GUARD_DEPTH) throw new LockedError(`cannot take the lock: remove ${file} by hand if no mail-wizard runs`);
      // Stale. Whoever holds the guard of this exact content may replace it, after a re-check.
      const guard = await take(`${file}.takeover-${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`, depth + 1);
      try {
        if ((await readOrNull(file)) === seen) {
          await fs.rename(tmp, file);
          return { file, content };
        }
      } finally {
        await releaseHeld(guard);
      }
    }
    throw new LockedError(`cannot take the lock ${file}: it keeps changing`);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Takes the lock or throws LockedError naming the running pid; returns the release function. */
export async function acquireLock(file: string): Promise<() => Promise<void>> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const held = await take(file, 0);
  // Whatever ends the process (an exit after a second Ctrl-C, an uncaught error), the lock goes.
  const onExit = () => releaseHeldSync(held);
  process.on('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    await releaseHeld(held);
  };
}
