/**
 * The runner: walks the ordered steps in one of three modes and emits events.
 *   setup:   probe → plan → apply → verify, step by step; a failed verification asks what to do.
 *   repair:  verify every step first, then plan/apply/verify only the ones that fail.
 *   dry-run: probe → plan; nothing is applied or verified.
 * Every error becomes a finding: a person sees what happened and what to do, never a stack trace.
 */
import { diagnose } from '../diagnose/hook.js';
import { applyAction, prepareActions } from './actions.js';
import type { Listener, PlannedAction, RunSummary, StepInfo, StepStatus } from './events.js';
import { StateWriteError, unfinishedFinding } from './journal.js';
import { isSecret, redactPlanned, scrubSecret } from './redact.js';
import { recordCommandsIn } from '../host/exec.js';
import { killPointReached } from './test-kill.js';
import type { AnyStep, Context, Finding } from './types.js';

export type FailureChoice = 'retry' | 'skip' | 'quit';

export interface RunnerOptions {
  steps: AnyStep[];
  ctx: Context;
  listener: Listener;
  /** Asked before a step replaces an existing file or restarts a service; false skips the step. */
  confirm?: (step: StepInfo, actions: PlannedAction[]) => Promise<boolean>;
  /**
   * Asked for a `confirm` action after what precedes it was applied: keep it? It must answer within
   * the action's deadline (false when nobody answers). Without it (--yes, tests) the step keeps it.
   */
  keep?: (step: StepInfo, action: PlannedAction) => Promise<boolean>;
  /** Asked when a step fails; without it the run stops at the first failure. */
  onFailure?: (step: StepInfo, findings: Finding[]) => Promise<FailureChoice>;
  /** Aborted when the person asks to stop (q, Ctrl-C): no further step starts. */
  signal?: AbortSignal;
  /**
   * No person answers `confirm` (--yes): a hand edit in a file of ours is then left as it is, unless
   * repair is fixing that very step (its own check fails), where our file replaces it with a backup.
   */
  unattended?: boolean;
}

const info = (step: AnyStep): StepInfo => ({ id: step.id, title: step.title, why: step.why });

export function hasFailure(findings: Finding[]): boolean {
  return findings.some((f) => f.status === 'fail');
}

/** A finding for an exception thrown by a step: the message, no stack. */
export function errorFinding(step: AnyStep, phase: string, err: unknown): Finding {
  const message = err instanceof Error ? err.message : String(err);
  return {
    status: 'fail',
    check: `${step.id}.${phase}`,
    summary: `${step.title}: ${phase} failed`,
    evidence: message,
    fix: 'Read the evidence above; fix the cause and run `mail-wizard repair`.',
  };
}

/**
 * The run state could not be written: the step stops before its next action (what is not on record
 * must not happen), and the finding says where and why; the catalogue names the cause (a full disk).
 */
export function stateFinding(step: AnyStep, err: StateWriteError, when: string): Finding {
  const dir = err.file.slice(0, err.file.lastIndexOf('/')) || '/';
  return {
    status: 'fail',
    check: `${step.id}.state`,
    summary: `Could not record the run state ${when}: the step stopped there, nothing else was changed`,
    evidence: `writing ${err.file}: ${err.reason}`,
    fix: `Make ${dir} writable again, then run \`mail-wizard repair\`: it finishes this step.`,
  };
}

/** Runs a write of the run state; its failure becomes the step's finding instead of a crash. */
async function recordState(step: AnyStep, when: string, write: () => Promise<void>): Promise<Finding | null> {
  try {
    await write();
    return null;
  } catch (err) {
    if (err instanceof StateWriteError) return stateFinding(step, err, when);
    throw err;
  }
}

/** Verifies one step, turning a thrown error into a failed finding. */
export async function safeVerify(step: AnyStep, ctx: Context): Promise<Finding[]> {
  const owed = unfinishedFinding(ctx.state, step);
  try {
    // Failures name their cause: every failed check is matched against the catalogue.
    const findings = await diagnose(await step.verify(ctx), ctx);
    return owed ? [owed, ...findings] : findings;
  } catch (err) {
    return [errorFinding(step, 'verify', err)];
  }
}

/** Verifies every step (repair's first pass, and `check`). */
export async function verifyAll(steps: AnyStep[], ctx: Context): Promise<{ step: StepInfo; findings: Finding[] }[]> {
  const results: { step: StepInfo; findings: Finding[] }[] = [];
  for (const step of steps) results.push({ step: info(step), findings: await safeVerify(step, ctx) });
  return results;
}

/**
 * The daemon's own check of a step fails (not only a file's content or a step left unfinished):
 * repair may then put our file back over a hand edit, which is then the likely cause.
 */
function daemonCheckFails(findings: Finding[]): boolean {
  return findings.some((f) => f.status === 'fail' && !/\.(files|unfinished|owed)$/.test(f.check));
}

function needsRestart(planned: PlannedAction[]): boolean {
  return planned.some(
    (p) => p.replaces || (p.action.type === 'service' && p.action.op === 'restart') || (p.action.type === 'packages' && Boolean(p.action.removes?.length)),
  );
}

export async function runSteps(options: RunnerOptions): Promise<RunSummary> {
  const { steps, ctx, listener } = options;

  listener({ type: 'run-start', mode: ctx.mode, platform: ctx.platform.name, steps: steps.map(info) });
  // Temp files of writes an earlier run was killed in the middle of: never ours to keep.
  if (ctx.mode !== 'dry-run') await ctx.state.removeLeftovers();
  // Each command that changes the box is on record while it runs (a killed run's children).
  if (ctx.mode !== 'dry-run' && ctx.host.kind !== 'recorder') recordCommandsIn(ctx.state);
  try {
    return await walkSteps(options, steps, ctx, listener);
  } finally {
    recordCommandsIn(null);
  }
}

async function walkSteps(options: RunnerOptions, steps: AnyStep[], ctx: RunnerOptions['ctx'], listener: Listener): Promise<RunSummary> {
  const results: RunSummary['results'] = [];
  const backups: string[] = [];
  const statusById = new Map<string, StepStatus>();
  let stopped = false;
  const takenUp = new Set(steps.flatMap((s) => s.takesUpChanges ?? []));

  let toFix: Set<string> | null = null;
  let brokenByEdit = new Set<string>();
  if (ctx.mode === 'repair') {
    const verified = await verifyAll(steps, ctx);
    listener({ type: 'verify-all', results: verified });
    toFix = new Set(verified.filter((r) => hasFailure(r.findings)).map((r) => r.step.id));
    brokenByEdit = new Set(verified.filter((r) => daemonCheckFails(r.findings)).map((r) => r.step.id));
  }

  const finish = (step: StepInfo, status: StepStatus, note?: string) => {
    statusById.set(step.id, status);
    results.push(note ? { id: step.id, title: step.title, status, note } : { id: step.id, title: step.title, status });
    listener(note ? { type: 'step-done', step, status, note } : { type: 'step-done', step, status });
  };

  for (const step of steps) {
    const si = info(step);
    if (stopped || options.signal?.aborted) {
      stopped = true;
      break;
    }
    // Repair walks the failing steps, and the steps that build on one it changed (the services
    // step restarts a daemon whose configuration was just restored), or take up its changes (a
    // user created again: Dovecot restarts).
    const dependsOnChange = [...(step.needs ?? []), ...(step.takesUpChanges ?? [])].some((id) => ctx.changed.has(id));
    if (toFix && !toFix.has(step.id) && !dependsOnChange) {
      finish(si, 'ok', 'verified, nothing to repair');
      continue;
    }
    const blocker = (step.needs ?? []).find((id) => {
      const s = statusById.get(id);
      return s === 'failed' || s === 'skipped';
    });
    if (blocker && ctx.mode !== 'dry-run') {
      finish(si, 'skipped', `needs ${blocker}, which did not pass`);
      continue;
    }

    listener({ type: 'step-start', step: si });
    const outcome = await walkStep(step, si, options, { backups, takenUp, replaceEdits: brokenByEdit.has(step.id) });
    if (outcome.status === 'changed') ctx.changed.add(step.id);
    finish(si, outcome.status, outcome.note);
    if (outcome.quit) stopped = true;
  }

  const summary: RunSummary = {
    mode: ctx.mode,
    results,
    changed: results.filter((r) => r.status === 'changed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    backups,
    stopped,
  };
  listener({ type: 'run-done', summary });
  return summary;
}

const STOPPED_NOTE = 'stopped before it finished; `mail-wizard repair` finishes it';

interface StepOutcome {
  status: StepStatus;
  note?: string;
  quit?: boolean;
}

interface WalkState {
  backups: string[];
  /** Steps whose changes a later step takes up (restarts). */
  takenUp: Set<string>;
  /** Repair: the step's own check (smtpd -n, doveconf -n) failed the first look. */
  replaceEdits: boolean;
}

/** One step, with retries when the person asks for them. */
async function walkStep(step: AnyStep, si: StepInfo, options: RunnerOptions, walk: WalkState): Promise<StepOutcome> {
  const { ctx, listener } = options;
  const { backups } = walk;
  for (;;) {
    let planned: PlannedAction[];
    let reason: string | undefined;
    try {
      const probed = await step.probe(ctx);
      const plan = step.plan(ctx, probed);
      planned = await prepareActions(plan.actions, ctx.host, ctx.state);
      // A hand edit is never replaced because an earlier step changed, nor without a person's yes.
      if (options.unattended && !walk.replaceEdits) planned = planned.filter((p) => !p.handEdited);
      reason = plan.reason;
    } catch (err) {
      const findings = [errorFinding(step, 'plan', err)];
      listener({ type: 'step-verified', step: si, findings });
      const choice = await failed(si, findings, options);
      if (choice === 'retry') continue;
      return outcomeOf(choice);
    }
    // Listeners show and keep what they get: a secret input never reaches them.
    const shown = planned.map(redactPlanned);
    listener(reason ? { type: 'step-planned', step: si, actions: shown, reason } : { type: 'step-planned', step: si, actions: shown });
    if (ctx.mode === 'dry-run') return planned.length ? { status: 'planned' } : { status: 'ok', note: reason };

    if (planned.length && options.confirm && needsRestart(planned) && !(await options.confirm(si, shown).catch(() => false))) {
      return options.signal?.aborted ? { status: 'skipped', note: STOPPED_NOTE, quit: true } : { status: 'skipped', note: 'not confirmed' };
    }

    let applyFailure: Finding | null = planned.length
      ? await recordState(step, 'before its first action', () => ctx.state.beginStep(step.id, planned.map((p) => p.action), walk.takenUp.has(step.id)))
      : null;
    for (const [index, p] of applyFailure ? [] : planned.entries()) {
      // A stop (q, a signal) lets the running action finish and starts no other.
      if (options.signal?.aborted) return { status: 'skipped', note: index ? `${STOPPED_NOTE} (${index} of ${planned.length} actions done)` : STOPPED_NOTE, quit: true };
      listener({ type: 'action-start', step: si, index, describe: p.describe });
      killPointReached();
      let ok = false;
      let detail: string | undefined;
      let backup: string | undefined;
      try {
        if (p.action.type === 'confirm' && options.keep) {
          ok = await options.keep(si, p);
          if (!ok) detail = `not kept: no "yes" within ${Math.round(p.action.timeoutMs / 1000)} s`;
        } else {
          // A command fed a secret shows no live output: it could echo what it was given.
          ({ ok, detail, backup } = await applyAction(p.action, ctx.host, isSecret(p.action) ? undefined : (chunk) =>
            listener({ type: 'action-output', step: si, index, chunk }),
          ));
        }
      } catch (err) {
        detail = err instanceof Error ? err.message : String(err);
      }
      detail = scrubSecret(p.action, detail);
      if (backup) backups.push(backup);
      // The file is written; until the state says so its announced hash (pending) vouches for it.
      if (ok) applyFailure = await recordState(step, `after: ${p.describe}`, () => ctx.state.wrote(p.action));
      listener({ type: 'action-done', step: si, index, ok, detail, backup });
      if (applyFailure) break;
      if (!ok) {
        applyFailure = {
          status: 'fail',
          check: `${step.id}.apply`,
          summary: `Could not ${p.describe}`,
          evidence: detail,
          fix: 'Fix the cause shown above, then retry this step (or run `mail-wizard repair`).',
        };
        break;
      }
    }
    if (planned.length && !applyFailure) ctx.changed.add(step.id);
    if (!applyFailure) {
      // Not recorded as finished: the next run does the step's tail again, which is harmless.
      applyFailure = await recordState(step, 'at the end of the step', () => ctx.state.endStep(step));
      if (!applyFailure) for (const id of step.takesUpChanges ?? []) ctx.changed.delete(id);
    }

    const findings = applyFailure ? await diagnose([applyFailure], ctx) : await safeVerify(step, ctx);
    listener({ type: 'step-verified', step: si, findings });
    if (!hasFailure(findings)) return { status: planned.length ? 'changed' : 'ok', note: planned.length ? undefined : reason };

    const choice = await failed(si, findings, options);
    if (choice === 'retry') continue;
    return outcomeOf(choice);
  }
}

async function failed(si: StepInfo, findings: Finding[], options: RunnerOptions): Promise<FailureChoice> {
  if (!options.onFailure) return 'quit';
  try {
    return await options.onFailure(si, findings);
  } catch {
    return 'quit';
  }
}

function outcomeOf(choice: 'skip' | 'quit'): StepOutcome {
  return choice === 'skip' ? { status: 'skipped', note: 'skipped after a failure' } : { status: 'failed', quit: true };
}
