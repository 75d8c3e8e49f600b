/**
 * Which panel the frame shows, from the run state and the view: the failure menu or its details,
 * the confirmation, the live step, repair's verification table, the summary or a step's plan.
 * Each content has a key: the scroll offset belongs to that key.
 */
import { confirmLines } from './ConfirmPrompt.js';
import { detailsLines } from './Details.js';
import { failureLines } from './FailureMenu.js';
import type { Line } from './lines.js';
import { planLines, runningLines } from './StepPanel.js';
import type { RunState, StepView } from './store.js';
import { summaryLines, type NextInfo } from './Summary.js';
import type { View } from './view.js';
import { verifyLines } from './VerifyTable.js';

export interface PanelContent {
  key: string;
  title: string;
  lines: Line[];
  /** Live content already cut to fit (the running step): no scrolling. */
  live?: boolean;
}

const stepTitle = (state: RunState, step: StepView) => `${step.n}/${state.steps.length} ${step.info.title}`;

export function findStep(state: RunState, id: string | null | undefined): StepView | undefined {
  return id ? state.steps.find((s) => s.info.id === id) : undefined;
}

/** The step the checklist keeps in view, and the one its pointer marks. */
export function focusOf(state: RunState, view: View): { focus: number; pointer: number | null } {
  const index = (id: string | null | undefined) => state.steps.findIndex((s) => s.info.id === id);
  if (state.prompt) return { focus: index(state.prompt.stepId), pointer: index(state.prompt.stepId) };
  if (state.phase === 'done') {
    if (view.screen === 'step' && view.selected !== null && !state.closed) return { focus: view.selected, pointer: view.selected };
    const notable = state.steps.findIndex((s) => s.status === 'failed');
    const skipped = state.steps.findIndex((s) => s.status === 'skipped');
    return { focus: notable >= 0 ? notable : Math.max(0, skipped), pointer: null };
  }
  const current = index(state.currentId);
  return { focus: current, pointer: current >= 0 ? current : null };
}

export function panelContent(state: RunState, view: View, width: number, height: number, now: number, next?: NextInfo): PanelContent {
  const prompt = state.prompt;
  const promptStep = findStep(state, prompt?.stepId);
  if (prompt && promptStep) {
    const id = `${prompt.kind}:${promptStep.info.id}:${promptStep.attempt}`;
    if (view.details) return { key: `details:${id}`, title: `${stepTitle(state, promptStep)}: details`, lines: detailsLines(promptStep, now) };
    if (prompt.kind === 'failure') return { key: id, title: `${stepTitle(state, promptStep)}: failed`, lines: failureLines(promptStep, prompt.findings) };
    return { key: id, title: `${stepTitle(state, promptStep)}: confirm`, lines: confirmLines(promptStep, prompt.actions) };
  }
  if (state.phase === 'done') {
    const selected = view.selected === null ? undefined : state.steps[view.selected];
    if (view.screen === 'step' && selected && !state.closed) return { key: `plan:${selected.info.id}`, title: stepTitle(state, selected), lines: planLines(selected, now) };
    return { key: 'summary', title: 'Summary', lines: summaryLines(state, next) };
  }
  const stopping = state.stopping ? ' · stopping after this step' : '';
  if (state.phase === 'starting') return { key: 'starting', title: 'Starting', lines: [{ text: 'Looking at the host…', tone: 'muted' }], live: true };
  if (state.phase === 'verifying') {
    return { key: 'verifying', title: `Verifying every step${stopping}`, lines: [{ text: 'Repair checks every step before it changes anything…', tone: 'muted' }], live: true };
  }
  const current = findStep(state, state.currentId);
  if (current && current.status === 'running') {
    return { key: `run:${current.info.id}`, title: `${stepTitle(state, current)}${stopping}`, lines: runningLines(current, width, height - 1, now), live: true };
  }
  if (state.verified) return { key: 'verify-all', title: `Repair: what fails now${stopping}`, lines: verifyLines(state.verified) };
  if (current) return { key: `run:${current.info.id}`, title: `${stepTitle(state, current)}${stopping}`, lines: planLines(current, now), live: true };
  return { key: 'empty', title: 'mail-wizard', lines: [] };
}
