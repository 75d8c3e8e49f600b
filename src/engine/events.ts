/**
 * What the runner tells its listeners. Renderers (Ink, plain lines, JSON) only listen: the same
 * sequence drives all three, which is what makes them show the same results.
 */
import type { Action, Finding, Mode } from './types.js';

export type StepStatus =
  /** Dry-run: planned actions, nothing done. */
  | 'planned'
  /** Nothing to do: already as wanted and verified. */
  | 'ok'
  /** Actions applied and verified. */
  | 'changed'
  | 'skipped'
  | 'failed';

export interface StepInfo {
  id: string;
  title: string;
  why: string;
}

/** An action ready to show: for a file write, the unified diff against what is on disk. */
export interface PlannedAction {
  action: Action;
  /** One line: "write /etc/mail/smtpd.conf (0644 root:wheel)", "run smtpd -n". */
  describe: string;
  /** writeFile: unified diff from the current file (or all lines added for a new file). */
  diff?: string;
  /** writeFile: the file exists and would be replaced (ask before, keep a backup). */
  replaces?: boolean;
  /** writeFile: the file is ours and someone edited it since mail-wizard wrote it. */
  handEdited?: boolean;
}

export type RunnerEvent =
  | { type: 'run-start'; mode: Mode; platform: string; steps: StepInfo[] }
  /** Repair mode: the first pass that verifies every step before fixing. */
  | { type: 'verify-all'; results: { step: StepInfo; findings: Finding[] }[] }
  | { type: 'step-start'; step: StepInfo }
  | { type: 'step-planned'; step: StepInfo; actions: PlannedAction[]; reason?: string }
  | { type: 'action-start'; step: StepInfo; index: number; describe: string }
  | { type: 'action-output'; step: StepInfo; index: number; chunk: string }
  | { type: 'action-done'; step: StepInfo; index: number; ok: boolean; detail?: string; backup?: string }
  | { type: 'step-verified'; step: StepInfo; findings: Finding[] }
  | { type: 'step-done'; step: StepInfo; status: StepStatus; note?: string }
  | { type: 'run-done'; summary: RunSummary };

export interface RunSummary {
  mode: Mode;
  results: { id: string; title: string; status: StepStatus; note?: string }[];
  changed: number;
  failed: number;
  skipped: number;
  backups: string[];
  /** The run stopped early (quit at a failure). */
  stopped: boolean;
}

export type Listener = (event: RunnerEvent) => void;
