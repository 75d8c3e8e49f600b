/**
 * SIGINT (Ctrl-C), SIGTERM (kill, shutdown) and SIGHUP (the SSH session dropped) stop a run the same
 * way in every mode: the action that is running finishes, no other starts, the lock is released and
 * the person is told how to continue. A second signal stops at once: the running command's process
 * group is killed and the process exits (its exit handler still releases the lock).
 */
import { constants } from 'node:os';
import { killRunningCommands } from '../host/exec.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export const RESUME_HINT = 'Run `mail-wizard repair` to continue: it checks every step and finishes what is missing.';

/** The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** Writes a line to stderr; after a hang-up the terminal may be gone, which must not stop the stop. */
export function tell(line: string): void {
  try {
    process.stderr.write(`mail-wizard: ${line}\n`);
  } catch {
    // nobody to tell
  }
}

export interface StopWatch {
  /** Aborted at the first signal. */
  signal: AbortSignal;
  /** The first signal received, or null. */
  received(): StopSignal | null;
  dispose(): void;
}

/**
 * Handles the signals (default: all three) until dispose(). `onFirst` replaces the default first
 * reaction (a line on stderr) for a UI that shows the stop itself.
 */
export function watchStopSignals(options: { signals?: readonly StopSignal[]; onFirst?: (signal: StopSignal) => void } = {}): StopWatch {
  const { signals = STOP_SIGNALS, onFirst } = options;
  const abort = new AbortController();
  let first: StopSignal | null = null;
  const handlers = signals.map((name) => {
    const handler = () => {
      if (first === null) {
        first = name;
        abort.abort();
        if (onFirst) onFirst(name);
        else tell(`${name} received: finishing the action that is running, then stopping.`);
        return;
      }
      killRunningCommands();
      tell(`${name} received again: stopped at once; the action that was running may be unfinished. ${RESUME_HINT}`);
      process.exit(signalExitCode(first));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: abort.signal,
    received: () => first,
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
