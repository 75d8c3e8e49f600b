/**
 * What the TUI knows about the run, built only from runner events (plus the prompts the runner is
 * waiting on). A pure reducer, so frames can be tested from event lists, and a tiny store that
 * React reads with useSyncExternalStore.
 */
import type { PlannedAction, RunSummary, RunnerEvent, StepInfo, StepStatus } from '../../engine/events.js';
import type { Finding, Mode } from '../../engine/types.js';
import { cleanLine } from './text.js';

/** `asking`: only shown, while the confirmation waits for an answer. */
export type RowStatus = 'pending' | 'running' | 'asking' | StepStatus;

export interface ActionView {
  planned: PlannedAction;
  state: 'pending' | 'running' | 'ok' | 'failed';
  detail?: string;
  backup?: string;
}

export interface OutputLine {
  /** Index of the action that printed it; -1 for the "retry" separator. */
  action: number;
  text: string;
}

export interface StepView {
  info: StepInfo;
  /** 1-based position in the run. */
  n: number;
  status: RowStatus;
  note?: string;
  startedAt?: number;
  endedAt?: number;
  actions: ActionView[];
  reason?: string;
  current: number | null;
  output: OutputLine[];
  /** Output after the last newline, not yet a line. */
  partial: string;
  findings: Finding[];
  /** Repair: what the first verification found. */
  before?: Finding[];
  attempt: number;
}

export type Prompt =
  | { kind: 'confirm'; stepId: string; actions: PlannedAction[] }
  | { kind: 'failure'; stepId: string; findings: Finding[] };

export interface RunState {
  mode: Mode;
  platform: string;
  steps: StepView[];
  currentId: string | null;
  phase: 'starting' | 'verifying' | 'walking' | 'done';
  verified: { step: StepInfo; findings: Finding[] }[] | null;
  prompt: Prompt | null;
  summary: RunSummary | null;
  /** The person asked to stop: no more prompts, the run ends after the current step. */
  stopping: boolean;
  /** The UI is closing: the last frame drops the key bar. */
  closed: boolean;
  startedAt: number;
}

export type UiEvent =
  | RunnerEvent
  | { type: 'ui-prompt'; prompt: Prompt }
  | { type: 'ui-answered' }
  | { type: 'ui-stopping' }
  | { type: 'ui-closed' };

/** Enough for `details`; a runaway command must not eat the memory. */
const MAX_OUTPUT_LINES = 2000;

export function initialState(mode: Mode, now = 0): RunState {
  return { mode, platform: '', steps: [], currentId: null, phase: 'starting', verified: null, prompt: null, summary: null, stopping: false, closed: false, startedAt: now };
}

function newStep(info: StepInfo, n: number): StepView {
  return { info, n, status: 'pending', actions: [], current: null, output: [], partial: '', findings: [], attempt: 0 };
}

function update(state: RunState, id: string, change: (s: StepView) => StepView): RunState {
  return { ...state, steps: state.steps.map((s) => (s.info.id === id ? change(s) : s)) };
}

function appendOutput(step: StepView, action: number, chunk: string): StepView {
  const parts = (step.partial + chunk).split('\n');
  const partial = parts.pop() ?? '';
  const added = parts.map((raw) => ({ action, text: cleanLine(raw) }));
  const output = [...step.output, ...added].slice(-MAX_OUTPUT_LINES);
  return { ...step, output, partial };
}

/** Output including the unfinished last line, as shown. */
export function outputLines(step: StepView): OutputLine[] {
  const partial = cleanLine(step.partial);
  return partial ? [...step.output, { action: step.current ?? -1, text: partial }] : step.output;
}

export function reduce(state: RunState, event: UiEvent, now: number): RunState {
  switch (event.type) {
    case 'run-start':
      return {
        ...state,
        mode: event.mode,
        platform: event.platform,
        steps: event.steps.map((s, i) => newStep(s, i + 1)),
        phase: event.mode === 'repair' ? 'verifying' : 'walking',
        startedAt: now,
      };
    case 'verify-all': {
      const before = new Map(event.results.map((r) => [r.step.id, r.findings]));
      return { ...state, phase: 'walking', verified: event.results, steps: state.steps.map((s) => ({ ...s, before: before.get(s.info.id) })) };
    }
    case 'step-start':
      return { ...update(state, event.step.id, (s) => ({ ...s, status: 'running', startedAt: now })), currentId: event.step.id };
    case 'step-planned':
      // A retry plans again: a fresh action list, the output kept with a separator.
      return update(state, event.step.id, (s) => ({
        ...s,
        attempt: s.attempt + 1,
        actions: event.actions.map((planned) => ({ planned, state: 'pending' })),
        reason: event.reason,
        current: null,
        findings: [],
        partial: '',
        output: s.attempt > 0 ? [...s.output, { action: -1, text: `── attempt ${s.attempt + 1} ──` }] : s.output,
      }));
    case 'action-start':
      return update(state, event.step.id, (s) => ({
        ...s,
        current: event.index,
        actions: s.actions.map((a, i) => (i === event.index ? { ...a, state: 'running' } : a)),
      }));
    case 'action-output':
      return update(state, event.step.id, (s) => appendOutput(s, event.index, event.chunk));
    case 'action-done':
      return update(state, event.step.id, (s) => {
        const flushed = s.partial ? appendOutput(s, event.index, '\n') : s;
        return {
          ...flushed,
          actions: s.actions.map((a, i) => (i === event.index ? { ...a, state: event.ok ? 'ok' : 'failed', detail: event.detail, backup: event.backup } : a)),
        };
      });
    case 'step-verified':
      return update(state, event.step.id, (s) => ({ ...s, findings: event.findings, current: null }));
    case 'step-done':
      return update(state, event.step.id, (s) => ({ ...s, status: event.status, note: event.note, endedAt: s.startedAt === undefined ? undefined : now }));
    case 'run-done':
      return { ...state, phase: 'done', summary: event.summary, prompt: null, currentId: null };
    case 'ui-prompt':
      return { ...state, prompt: event.prompt };
    case 'ui-answered':
      return { ...state, prompt: null };
    case 'ui-stopping':
      return { ...state, stopping: true };
    case 'ui-closed':
      return { ...state, closed: true };
  }
}

/** A step's row status as the person should read it now (a step waiting on the failure menu has failed). */
export function shownStatus(state: RunState, step: StepView): RowStatus {
  if (state.prompt?.stepId === step.info.id) return state.prompt.kind === 'failure' ? 'failed' : 'asking';
  return step.status;
}

export class RunStore {
  private state: RunState;
  private readonly listeners = new Set<() => void>();

  constructor(
    mode: Mode,
    private readonly clock: () => number = Date.now,
  ) {
    this.state = initialState(mode, clock());
  }

  getState = (): RunState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispatch = (event: UiEvent): void => {
    this.state = reduce(this.state, event, this.clock());
    for (const l of this.listeners) l();
  };
}
