/**
 * Runs one command with execa: an argument array (never a shell string), a timeout on every
 * command, and a result instead of an exception for "failed", "timed out" and "not found".
 * Each command leads a process group of its own, so a time-out stops what it started too (a
 * package script's children, a shell's pipeline), not only the direct child.
 */
import type { RunOptions, RunResult } from './host.js';
import { processStartTime } from '../engine/lock.js';

/** Where the process group of each command that changes the box is recorded while it runs (the run state). */
export interface CommandJournal {
  commandStarted(group: { pgid: number; start: string; command: string }): Promise<void>;
  commandEnded(pgid: number): Promise<void>;
}

let journal: CommandJournal | null = null;

/** Set by the runner for a setup or repair (null: nothing is recorded, as in a dry-run). */
export function recordCommandsIn(j: CommandJournal | null): void {
  journal = j;
}

/** What the record says ran: the argv, shortened (argvs hold no secrets: those go through stdin). */
function shortCommand(argv: string[]): string {
  const text = argv.join(' ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

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

/**
 * A command that changes the box runs behind this gate: a shell that waits for one line on fd 3,
 * then closes it and execs the command (same pid, so the same group and start time). The wizard
 * writes that line only once the group is on record; if the wizard dies first, the pipe closes, the
 * read fails and the command never runs. A fixed script: the command's argv are its arguments.
 */
const GATE = ['sh', '-c', 'read -r _ <&3 || exit 126; exec "$@" 3<&-', 'mail-wizard-gate'];
/** What sh says when exec finds no such program: exit 127, "...: not found". */
const GATE_NOT_FOUND = 127;

export async function execArgv(argv: string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('execArgv: empty argv');
  // Loaded on the first command: a dry-run of the demo or a DNS check never runs one.
  const { execa } = await import('execa');
  const recorder = !options.readOnly ? journal : null;
  const [cmd, ...cmdArgs] = recorder ? [...GATE, ...argv] : argv;
  const child = execa(cmd!, cmdArgs, {
    reject: false,
    // A group of its own (setsid): the time-out below kills the group. It also keeps a Ctrl-C in the
    // terminal for the wizard, which lets the running command finish before it stops.
    detached: true,
    input: options.input,
    ...(recorder
      ? { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'] as const }
      : { stdin: options.input === undefined ? ('ignore' as const) : undefined }),
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
  // A command that changes the box is on record (pid and start time) before it runs: if the wizard
  // is killed while it runs, the next run finds it (engine/leftovers.ts). Not on record: not run.
  let unrecorded: string | null = null;
  let recorded = false;
  const gate = recorder ? (child.stdio[3] as NodeJS.WritableStream | undefined) : undefined;
  gate?.on('error', () => undefined); // the gate shell already gone (killed): nothing to say
  if (recorder && pgid !== undefined) {
    try {
      await recorder.commandStarted({ pgid, start: processStartTime(pgid), command: shortCommand(argv) });
      recorded = true;
      gate?.end('go\n');
    } catch (err) {
      unrecorded = err instanceof Error ? err.message : String(err);
      killGroup(pgid, 'SIGKILL');
    }
  }
  let result;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    if (pgid !== undefined) runningGroups.delete(pgid);
    if (recorded && pgid !== undefined) await recorder?.commandEnded(pgid).catch(() => undefined);
  }
  // The leader is gone; what it left in its group after a time-out gets the same end.
  if (timedOut && pgid !== undefined) {
    clearTimeout(killer);
    killGroup(pgid, 'SIGKILL');
  }
  if (unrecorded !== null) {
    return { argv, exitCode: null, stdout: '', stderr: `not run: ${unrecorded}`, timedOut: false, notFound: false };
  }
  if (recorder && result.exitCode === GATE_NOT_FOUND && typeof result.stderr === 'string' && /mail-wizard-gate.*not found/.test(result.stderr)) {
    return { argv, exitCode: null, stdout: '', stderr: `${file}: command not found`, timedOut: false, notFound: true };
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
