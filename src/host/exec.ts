/**
 * Runs one command with execa: an argument array (never a shell string), a timeout on every
 * command, and a result instead of an exception for "failed", "timed out" and "not found".
 * Each command leads a process group of its own, so a time-out stops what it started too (a
 * package script's children, a shell's pipeline), not only the direct child.
 */
import type { RunOptions, RunResult } from './host.js';

/** How long a timed-out group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** Process groups of the commands running now: a forced stop ends them with the wizard. */
const runningGroups = new Set<number>();

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** Ends every running command's process group at once (the wizard is stopping mid-command). */
export function killRunningCommands(): void {
  for (const pgid of runningGroups) killGroup(pgid, 'SIGKILL');
}

export async function execArgv(argv: string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('execArgv: empty argv');
  // Loaded on the first command: a dry-run of the demo or a DNS check never runs one.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    reject: false,
    // A group of its own (setsid): the time-out below kills the group. It also keeps a Ctrl-C in the
    // terminal for the wizard, which lets the running command finish before it stops.
    detached: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    env: options.env,
    extendEnv: true,
    stripFinalNewline: false,
  });
  // An init script that starts a daemon returns while the daemon keeps the script's stdout/stderr
  // open (Dovecot and Rspamd on Debian do): wait for the command itself, not for end-of-file.
  child.on('exit', () => {
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, 200).unref();
  });
  if (options.onOutput) {
    const forward = (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8'));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
  }
  const pgid = child.pid;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let killer: NodeJS.Timeout | undefined;
  if (pgid !== undefined) {
    runningGroups.add(pgid);
    timer = setTimeout(() => {
      timedOut = true;
      killGroup(pgid, 'SIGTERM');
      killer = setTimeout(() => killGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
  }
  let result;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    if (pgid !== undefined) runningGroups.delete(pgid);
  }
  // The leader is gone; what it left in its group after a time-out gets the same end.
  if (timedOut && pgid !== undefined) {
    clearTimeout(killer);
    killGroup(pgid, 'SIGKILL');
  }
  const notFound = result.code === 'ENOENT';
  return {
    argv,
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: notFound ? `${file}: command not found` : typeof result.stderr === 'string' ? result.stderr : '',
    timedOut,
    notFound,
  };
}
