/**
 * The Ink TUI's one entry. Callers never see Ink (as in Shopify's cli-kit): they get a runner
 * listener and the two questions the runner asks, and hand back the summary at the end.
 *
 *   const ui = startInkUi({ mode, yes });
 *   const summary = await runSteps({ steps, ctx, listener: ui.listener, confirm: ui.confirm, onFailure: ui.onFailure });
 *   await ui.finish(summary);   // final screen; waits for q when a person is there to press it
 *
 * Import this module only when a TUI is drawn: it loads Ink and React.
 */
import { render, type Instance } from 'ink';
import type { PublishedSnapshot } from '../../dns/doctor.js';
import type { Listener, RunSummary } from '../../engine/events.js';
import type { FailureChoice, RunnerOptions } from '../../engine/runner.js';
import type { Mode } from '../../engine/types.js';
import { App, type Controls } from './App.js';
import type { Answer } from './keys.js';
import type { Size } from './layout.js';
import { makePalette } from './palette.js';
import { renderReport } from './Report.js';
import { RunStore, type Prompt } from './store.js';
import type { NextInfo } from './Summary.js';

export type { NextInfo } from './Summary.js';

export interface InkUiOptions {
  mode: Mode;
  /** Do not ask before replacing files or restarting services. */
  yes: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** From the answers: lets the summary name the server, a user and the client settings. */
  next?: NextInfo;
  /** Stay on the final screen until q (default: when stdin is a terminal and not --yes). */
  hold?: boolean;
  /** NO_COLOR is read from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
  size?: Size;
  /** A second Ctrl-C while a step runs (default: say how to resume, exit 130). */
  onForceQuit?: () => void;
  /**
   * Re-checks the published DNS records (e.g. () => recordsByServer(opts)): called while the step
   * with id 'dns' runs or shows its failure menu, one call at a time, `dnsIntervalMs` after the
   * last one ended; its latest snapshot is drawn in that step's panel. A throw shows as one line.
   */
  watchDns?: () => Promise<PublishedSnapshot>;
  /** Pause between DNS checks (default 5000 ms). */
  dnsIntervalMs?: number;
}

export interface InkUi {
  listener: Listener;
  confirm: NonNullable<RunnerOptions['confirm']>;
  /** Keep what a step just did? No key within the action's deadline answers no. */
  keep: NonNullable<RunnerOptions['keep']>;
  onFailure: NonNullable<RunnerOptions['onFailure']>;
  /** Aborted when the person asks to stop (q or Ctrl-C while a step runs, quit at a prompt). */
  signal: AbortSignal;
  /** Shows the summary; resolves once the person leaves it (at once after a quit, or without a terminal to read keys from). */
  finish(summary?: RunSummary): Promise<void>;
  /** Unmounts now, leaving the last frame, and restores the terminal (an error escaped the runner). */
  dispose(): void;
  /** A stop signal from outside (SIGTERM, SIGHUP): as Ctrl-C, the running action finishes and the run stops. */
  interrupt(): void;
}

const RESUME = 'Run `mail-wizard repair` to check every step and finish what is missing.';

function defaultForceQuit(): void {
  process.stderr.write(`mail-wizard: stopped at once; the step that was running may be unfinished. ${RESUME}\n`);
  process.exit(130);
}

export function startInkUi(options: InkUiOptions): InkUi {
  const stdin = options.stdin ?? process.stdin;
  const canAsk = stdin.isTTY === true;
  const clock = options.clock ?? Date.now;
  const store = new RunStore(options.mode, clock);
  const abort = new AbortController();
  let waiting: ((answer: Answer) => void) | null = null;
  let release: (() => void) | null = null;
  let instance: Instance | null = null;

  const stop = () => {
    if (store.getState().stopping) return;
    store.dispatch({ type: 'ui-stopping' });
    abort.abort();
  };

  const controls: Controls = {
    answer(value) {
      const resolve = waiting;
      if (!resolve) return;
      waiting = null;
      if (value === 'quit') stop();
      store.dispatch({ type: 'ui-answered' });
      resolve(value);
    },
    stop,
    forceQuit() {
      instance?.unmount();
      (options.onForceQuit ?? defaultForceQuit)();
    },
    release() {
      release?.();
    },
  };

  // Without raw mode (stdin not a terminal) Ctrl-C arrives as SIGINT: treat it like the key.
  const onSigint = () => {
    if (waiting) controls.answer('quit');
    else if (store.getState().phase === 'done') controls.release();
    else if (store.getState().stopping) controls.forceQuit();
    else stop();
  };
  process.on('SIGINT', onSigint);

  const ask = (prompt: Prompt) =>
    new Promise<Answer>((resolve) => {
      waiting = resolve;
      store.dispatch({ type: 'ui-prompt', prompt });
    });

  const stdout = options.stdout ?? process.stdout;
  const palette = makePalette(options.env ?? process.env);
  instance = render(
    <App
      store={store}
      controls={controls}
      clock={clock}
      size={options.size}
      next={options.next}
      palette={palette}
      watchDns={options.watchDns}
      dnsIntervalMs={options.dnsIntervalMs}
    />,
    {
      stdout,
      stdin,
      stderr: options.stderr ?? process.stderr,
      exitOnCtrlC: false,
      // Only the real console: tests pass their own streams and keep theirs.
      patchConsole: options.stdout === undefined,
    },
  );

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    process.off('SIGINT', onSigint);
    store.dispatch({ type: 'ui-closed' });
    // Let React draw the empty closing frame (Ink erases the live one) before unmounting.
    await new Promise((resolve) => setImmediate(resolve));
    instance?.unmount();
    await instance?.waitUntilExit();
    const state = store.getState();
    if (state.steps.length === 0) return;
    const width = Math.max(40, options.size?.columns ?? (stdout.columns || 80));
    stdout.write(`${renderReport(state, { width, next: options.next, now: clock(), palette })}\n`);
  };

  return {
    listener: (event) => store.dispatch(event),
    async confirm(step, actions) {
      if (options.yes) return true;
      // No keys to read (stdin is not a terminal): never replace or restart unasked.
      if (store.getState().stopping || !canAsk) return false;
      return (await ask({ kind: 'confirm', stepId: step.id, actions })) === 'yes';
    },
    async keep(step, planned) {
      if (options.yes) return true;
      if (store.getState().stopping || !canAsk || planned.action.type !== 'confirm') return false;
      const timer = setTimeout(() => controls.answer('no'), planned.action.timeoutMs);
      try {
        return (await ask({ kind: 'confirm', stepId: step.id, actions: [planned] })) === 'yes';
      } finally {
        clearTimeout(timer);
      }
    },
    async onFailure(step, findings): Promise<FailureChoice> {
      if (store.getState().stopping || !canAsk) return 'quit';
      const answer = await ask({ kind: 'failure', stepId: step.id, findings });
      return answer === 'retry' || answer === 'skip' ? answer : 'quit';
    },
    signal: abort.signal,
    async finish(summary) {
      if (summary && !store.getState().summary) store.dispatch({ type: 'run-done', summary });
      // After a quit the person has already said to leave, and --yes means nobody watches: the
      // report is printed at once. Otherwise the summary waits, so each step can be read.
      const quit = store.getState().stopping || store.getState().summary?.stopped === true;
      if ((options.hold ?? (canAsk && !options.yes)) && !quit) await new Promise<void>((resolve) => (release = resolve));
      await close();
    },
    interrupt() {
      if (waiting) controls.answer('quit');
      else stop();
    },
    dispose() {
      // At once: the caller is about to print an error under the last frame.
      if (closed) return;
      closed = true;
      process.off('SIGINT', onSigint);
      instance?.unmount();
    },
  };
}
