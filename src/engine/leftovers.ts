/**
 * Commands a killed run left running. A SIGKILL (or a power cut of the wizard's terminal) ends the
 * wizard, not the commands it started: each leads a process group of its own (host/exec.ts), so an
 * apt-get, a dpkg or a daemon restart may still run when the next run starts. The run state lists
 * each such group while it runs (journal.ts, `commands`); the next setup or repair settles them
 * before it looks at anything: it waits a bounded time for the group to end by itself (a package
 * manager left alone finishes cleanly more often than not), then stops it (SIGTERM, then SIGKILL),
 * and says what it did. A group whose leader's start time is not the recorded one is another
 * process that got the same pid: it is never touched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { CommandGroup, RunState } from './journal.js';
import { processStartTime } from './lock.js';

export interface SettleOptions {
  /** How long a leftover may go on by itself before it is stopped. */
  waitMs: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
}

export const SETTLE_DEFAULTS: SettleOptions = { waitMs: 30_000, graceMs: 5_000 };

/** Clock ticks since boot of a start time as processStartTime() gives it on Linux ("t12345"), else null. */
function ticks(start: string): number | null {
  const m = /^t(\d+)$/.exec(start);
  return m ? Number(m[1]) : null;
}

/**
 * The live members of group `pgid` that can be its members (Linux: /proc/PID/stat's pgrp field;
 * each must have started no earlier than the recorded leader). Elsewhere: the leader alone.
 */
function members(group: CommandGroup): number[] {
  const leaderStart = ticks(group.start);
  const leaderNow = processStartTime(group.pgid);
  // The pid is another process's now: while any member of the old group lived, the kernel would
  // not have given the pid out again, so none is left.
  if (leaderNow !== '' && leaderNow !== group.start) return [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    // No /proc (OpenBSD): the leader alone, known by its start time.
    return leaderNow === group.start ? [group.pgid] : [];
  }
  const found: number[] = [];
  for (const name of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state(0) ppid(1) pgrp(2) ... starttime(19)
    if (Number(fields[2]) !== group.pgid) continue;
    const start = Number(fields[19]);
    if (Number(name) !== group.pgid && (leaderStart === null || start < leaderStart)) continue;
    found.push(Number(name));
  }
  return found;
}

/** Waits, checking the group every 100 ms, until it is gone or `ms` passed; true when it is gone. */
async function gone(group: CommandGroup, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (members(group).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Settles every command group an earlier run left on record; returns one line per group that was
 * still running, saying what was done. A group that is no longer there is only taken off the record.
 */
export async function settleLeftoverCommands(state: RunState, options: SettleOptions = SETTLE_DEFAULTS): Promise<string[]> {
  const said: string[] = [];
  for (const group of [...state.commands]) {
    const running = members(group);
    if (running.length > 0) {
      const what = `\`${group.command}\` (process group ${group.pgid}), started by an earlier run that was killed,`;
      if (await gone(group, options.waitMs)) {
        said.push(`${what} was still running: waited for it to end by itself.`);
      } else {
        // Signal the members one by one (not -pgid): only processes proven to be that group's.
        signal(members(group), 'SIGTERM');
        if (!(await gone(group, options.graceMs))) {
          signal(members(group), 'SIGKILL');
          await gone(group, options.graceMs);
        }
        said.push(`${what} was still running after ${Math.round(options.waitMs / 1000)} s: stopped it. What it left half-done is finished by its step.`);
      }
    }
    // A record that cannot be cleared now (a full disk) is cleared by a later run: the group is gone.
    await state.commandEnded(group.pgid).catch(() => undefined);
  }
  return said;
}
