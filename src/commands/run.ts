/**
 * setup, repair and plan: one runner, three modes, and a renderer chosen by the terminal and flags.
 */
import { STEPS } from '../../recipes/index.js';
import { dkimPaths } from '../../recipes/templates/input.js';
import type { Listener, PlannedAction, RunSummary, StepInfo } from '../engine/events.js';
import { createContext } from '../engine/context.js';
import { RunState } from '../engine/journal.js';
import { settleLeftoverCommands } from '../engine/leftovers.js';
import { runSteps, type FailureChoice, type RunnerOptions } from '../engine/runner.js';
import { planToShell } from '../engine/shell-export.js';
import type { AnyStep, Finding, Mode } from '../engine/types.js';
import { InputError } from '../answers/load.js';
import type { Answers } from '../answers/schema.js';
import { jsonRenderer } from '../ui/json/renderer.js';
import { formatFinding, plainRenderer } from '../ui/plain/renderer.js';
import { lockPath, resolveAnswers, resolveTarget, type CommonOptions, type Target } from './options.js';
import { acquireLock, LockedError } from '../engine/lock.js';
import { killRunningCommands } from '../host/exec.js';
import type { Host } from '../host/host.js';
import { RESUME_HINT, signalExitCode, tell, watchStopSignals, type StopWatch } from './stop-signals.js';

export type PlanFormat = 'text' | 'sh' | 'json';

export interface RunCommandOptions extends CommonOptions {
  mode: Mode;
  format: PlanFormat;
  /** For tests and snapshots: a fixed run id and step list. */
  runId?: string;
  steps?: readonly AnyStep[];
  /** For tests: the host to work on instead of the one --root gives (a rooted host that runs commands). */
  host?: Host;
  /** Passwords to set, by user (`user add`); in memory only, planned as secret inputs. */
  passwords?: ReadonlyMap<string, string>;
  /** The caller already holds the run lock (`user`/`alias` take it before saving the answers). */
  locked?: boolean;
}

export interface Io {
  out: (line: string) => void;
  interactive: boolean;
}

export async function runCommand(opts: RunCommandOptions, io: Io): Promise<number> {
  if (opts.format !== 'text' && opts.mode !== 'dry-run') throw new InputError([`--format ${opts.format} is for plan (a dry-run)`]);
  if (opts.mode !== 'dry-run' && !opts.yes && !io.interactive) {
    throw new InputError([`${opts.mode} cannot ask before replacing files here (not a terminal): add --yes, or run \`mail-wizard plan\` first to see what it would do.`]);
  }
  const answers = await resolveAnswers(opts, io.interactive);
  const target = await resolveTarget(opts, opts.mode, answers);
  if (opts.host) target.host = opts.host;
  // Setup in a terminal offers each new user a password (before any checklist reads the keys).
  if (!opts.passwords && opts.mode === 'setup' && io.interactive && !opts.yes && !opts.json) {
    const { offerPasswords } = await import('../people/offer.js');
    opts = { ...opts, passwords: await offerPasswords(answers.users, target.host) };
  }
  // A dry-run changes nothing, so it needs no lock; setup and repair take it for the whole run.
  let release: (() => Promise<void>) | undefined;
  if (opts.mode !== 'dry-run' && !opts.locked) {
    try {
      release = await acquireLock(lockPath(opts));
    } catch (err) {
      if (err instanceof LockedError) throw new InputError([err.message]);
      throw err;
    }
  }
  // From here a signal lets the running action finish, stops, releases the lock and says how to go on.
  const inInk = isInk(opts, io);
  const stops = watchStopSignals(inInk ? { signals: ['SIGTERM', 'SIGHUP'], onFirst: () => inkInterrupt?.() } : {});
  try {
    const code = await walk(opts, io, answers, target, stops);
    const received = stops.received();
    if (!received) return code;
    tell(`stopped by ${received}; nothing was left half-written. ${opts.mode === 'dry-run' ? 'Nothing was changed.' : RESUME_HINT}`);
    return signalExitCode(received);
  } finally {
    stops.dispose();
    await release?.();
  }
}

/** Set while the Ink UI runs: a SIGTERM or SIGHUP stops it as its own Ctrl-C does. */
let inkInterrupt: (() => void) | undefined;

function isInk(opts: RunCommandOptions, io: Io): boolean {
  return opts.format === 'text' && !opts.plain && !opts.json && io.interactive;
}

async function walk(opts: RunCommandOptions, io: Io, answers: Answers, target: Target, stops: StopWatch): Promise<number> {
  const removals = { allowed: opts.allowRemove ?? [], ask: io.interactive && !opts.yes };
  const state = await RunState.load(target.host, target.platform.paths.stateDir);
  // Commands a killed run left running end (or are stopped) before anything is looked at.
  if (opts.mode !== 'dry-run' && target.host.kind !== 'recorder') for (const line of await settleLeftoverCommands(state)) tell(line);
  const ctx = createContext({ answers, platform: target.platform, host: target.host, mode: opts.mode, facts: target.facts, dns: target.dns, runId: opts.runId, removals, state, ...(opts.passwords ? { passwords: opts.passwords } : {}) });
  const steps = [...(opts.steps ?? STEPS)];

  if (isInk(opts, io)) return runWithInk(opts, answers, { steps, ctx, listener: () => undefined });

  const collected: { step: StepInfo; actions: PlannedAction[]; reason?: string }[] = [];
  const collect: Listener = (e) => {
    if (e.type === 'step-planned') collected.push({ step: e.step, actions: e.actions, reason: e.reason });
  };
  // sh and json formats print once, at the end, from what was collected.
  const show: Listener | null =
    opts.format !== 'text' ? null : opts.json ? jsonRenderer(io.out) : plainRenderer({ write: io.out, diffs: opts.mode === 'dry-run' });
  const render: Listener = (e) => {
    collect(e);
    show?.(e);
  };

  const runner: RunnerOptions = { steps, ctx, listener: render, signal: stops.signal, unattended: opts.yes };
  if (opts.mode !== 'dry-run') {
    runner.confirm = opts.yes ? async () => true : (step, actions) => askConfirm(step, actions, stops.signal);
    if (!opts.yes) runner.keep = askKeep;
    if (io.interactive) runner.onFailure = (step, findings) => askFailure(step, findings, stops.signal);
  }
  const summary: RunSummary = await runSteps(runner);

  if (opts.format === 'sh') io.out(planToShell(collected, `mail-wizard plan for ${answers.domain} (${answers.hostname}) on ${target.platform.title}`).trimEnd());
  if (opts.format === 'json') io.out(JSON.stringify({ domain: answers.domain, platform: target.platform.name, steps: collected }, null, 2));
  return exitCode(summary);
}

/** 1 when a step failed or the run stopped before its end. */
function exitCode(summary: RunSummary): number {
  return summary.failed > 0 || summary.stopped ? 1 : 0;
}

/** The checklist in a terminal. Ink is imported here only, so other output never pays for it. */
async function runWithInk(opts: RunCommandOptions, answers: Answers, runner: RunnerOptions): Promise<number> {
  const { startInkUi } = await import('../ui/ink/index.js');
  const ctx = runner.ctx;
  // The DNS panel re-checks what each authoritative server publishes while the DNS step waits.
  const watchDns = ctx.dns.offline
    ? undefined
    : async () => {
        const { recordsByServer } = await import('../dns/doctor.js');
        const pem = await ctx.host.readFile(dkimPaths(ctx).pub);
        return recordsByServer({ answers, nameservers: ctx.dns.nameservers, ...(pem ? { dkimPublicKeyPem: pem } : {}) });
      };
  const ui = startInkUi({
    mode: opts.mode,
    yes: opts.yes,
    next: answers,
    ...(watchDns ? { watchDns } : {}),
    onForceQuit: () => {
      killRunningCommands();
      tell(`stopped at once; the action that was running may be unfinished. ${RESUME_HINT}`);
      process.exit(130);
    },
  });
  inkInterrupt = () => ui.interrupt();
  const tui: RunnerOptions = { ...runner, listener: ui.listener, signal: ui.signal, unattended: opts.yes };
  if (opts.mode !== 'dry-run') {
    tui.confirm = ui.confirm;
    tui.onFailure = ui.onFailure;
    if (!opts.yes) tui.keep = ui.keep;
  }
  let summary: RunSummary;
  try {
    summary = await runSteps(tui);
  } catch (err) {
    ui.dispose();
    throw err;
  } finally {
    inkInterrupt = undefined;
  }
  await ui.finish(summary);
  return exitCode(summary);
}

/** One answer from the terminal; an aborted signal (a stop signal, a time limit) cancels the question: it throws. */
async function ask(question: string, signal?: AbortSignal): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // In a terminal readline takes Ctrl-C itself: pass it on as the signal it is.
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    return (await rl.question(question, signal ? { signal } : {})).trim().toLowerCase();
  } finally {
    rl.close();
  }
}

/** Keep what was just done? Only a "yes" typed in time keeps it (a cut session cannot type one). */
async function askKeep(step: StepInfo, planned: PlannedAction): Promise<boolean> {
  if (planned.action.type !== 'confirm') return true;
  const { question, timeoutMs } = planned.action;
  try {
    const answer = await ask(`${step.title}: ${question} [y/N, ${Math.round(timeoutMs / 1000)} s] `, AbortSignal.timeout(timeoutMs));
    return answer === 'y' || answer === 'yes';
  } catch {
    process.stdout.write('\n(no answer in time)\n');
    return false;
  }
}

/** A stop signal cancels the question: it reads as "no". */
async function askConfirm(step: StepInfo, actions: PlannedAction[], signal: AbortSignal): Promise<boolean> {
  // A file edited by hand since mail-wizard wrote it: show what would be lost before asking.
  for (const a of actions.filter((x) => x.handEdited && x.diff)) {
    process.stdout.write(`${a.describe}: your edit would be replaced (a backup is kept):\n${a.diff}`);
  }
  const what = actions
    .filter((a) => a.replaces || (a.action.type === 'service' && a.action.op === 'restart') || (a.action.type === 'packages' && a.action.removes?.length))
    .map((a) => (a.action.type === 'packages' ? `REMOVE ${a.action.removes?.join(', ')}` : a.describe));
  const answer = await ask(`${step.title}: ${what.join('; ')}. Go ahead? [y/N] `, signal).catch(() => '');
  return answer === 'y' || answer === 'yes';
}

async function askFailure(step: StepInfo, findings: Finding[], signal: AbortSignal): Promise<FailureChoice> {
  for (const f of findings.filter((x) => x.status === 'fail')) for (const l of formatFinding(f)) process.stdout.write(`${l}\n`);
  for (;;) {
    if (signal.aborted) return 'quit';
    const answer = await ask(`${step.title} failed: [r]etry, [s]kip, [q]uit? `, signal).catch(() => '');
    if (answer === 'r' || answer === 'retry') return 'retry';
    if (answer === 's' || answer === 'skip') return 'skip';
    if (answer === 'q' || answer === 'quit' || answer === '') return 'quit';
  }
}
