/**
 * Which panel the frame shows, from the run state and the view: the failure menu or its details,
 * the confirmation, the live step, repair's verification table, the summary or a step's plan.
 * Each content has a key: the scroll offset belongs to that key.
 */
import { confirmLines } from './ConfirmPrompt.js';
import { detailsLines } from './Details.js';
import { dnsRecordLines, dnsWatchLines, dnsWatchSummary, manualGroups, type DnsWatch } from './DnsRecords.js';
import { failureLines } from './FailureMenu.js';
import { fit, type Line } from './text-lines.js';
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

/** The step whose published records the UI re-checks (index.tsx `watchDns`). */
export const DNS_STEP_ID = 'dns';

/**
 * The DNS step is in view and waiting on the records: its failure menu is shown, it runs, or
 * (after the run) it failed and is the step selected.
 */
export function dnsWatchActive(state: RunState, view: View): boolean {
  if (state.closed) return false;
  if (state.prompt) return state.prompt.kind === 'failure' && state.prompt.stepId === DNS_STEP_ID;
  if (state.phase === 'done') {
    const selected = view.selected === null ? undefined : state.steps[view.selected];
    return view.screen === 'step' && selected?.info.id === DNS_STEP_ID && selected.status === 'failed';
  }
  const current = findStep(state, state.currentId);
  return current?.info.id === DNS_STEP_ID && current.status === 'running';
}

/** The DNS step's failure: what failed, the records to publish (copyable), the live table, then the findings and choices. */
export function dnsFailureLines(step: StepView, findings: Parameters<typeof failureLines>[1], watch: DnsWatch): Line[] {
  const [headline, ...rest] = failureLines(step, findings);
  const groups = manualGroups(step.actions.map((a) => a.planned));
  return [
    headline!,
    dnsWatchSummary(watch),
    { text: '' },
    ...(groups.length ? [...dnsRecordLines({ groups }), { text: '' }] : []),
    ...dnsWatchLines(watch, false),
    ...rest,
  ];
}

/** The running DNS step: its live lines, the table under them in up to half the room. */
function dnsRunningLines(step: StepView, width: number, height: number, now: number, watch: DnsWatch): Line[] {
  const table = fit(dnsWatchLines(watch), width);
  const room = Math.min(table.length, Math.floor(height / 2));
  const head = runningLines(step, width, height - room, now);
  const shown = table.length > room && room > 0 ? [...table.slice(0, room - 1), { text: `… ${table.length - room + 1} more lines`, tone: 'muted' as const }] : table.slice(0, room);
  return [...head, ...shown];
}

export function panelContent(state: RunState, view: View, width: number, height: number, now: number, next?: NextInfo, dns?: DnsWatch | null): PanelContent {
  const prompt = state.prompt;
  const promptStep = findStep(state, prompt?.stepId);
  if (prompt && promptStep) {
    const id = `${prompt.kind}:${promptStep.info.id}:${promptStep.attempt}`;
    if (view.details) return { key: `details:${id}`, title: `${stepTitle(state, promptStep)}: details`, lines: detailsLines(promptStep, now) };
    if (prompt.kind === 'failure' && dns && promptStep.info.id === DNS_STEP_ID) {
      return { key: id, title: `${stepTitle(state, promptStep)}: failed`, lines: dnsFailureLines(promptStep, prompt.findings, dns) };
    }
    if (prompt.kind === 'failure') return { key: id, title: `${stepTitle(state, promptStep)}: failed`, lines: failureLines(promptStep, prompt.findings) };
    return { key: id, title: `${stepTitle(state, promptStep)}: confirm`, lines: confirmLines(promptStep, prompt.actions) };
  }
  if (state.phase === 'done') {
    const selected = view.selected === null ? undefined : state.steps[view.selected];
    if (view.screen === 'step' && selected && !state.closed) {
      const plan = planLines(selected, now);
      const lines = dns && selected.info.id === DNS_STEP_ID ? [...plan.slice(0, 2), { text: '' }, ...dnsWatchLines(dns), { text: '' }, ...plan.slice(2)] : plan;
      return { key: `plan:${selected.info.id}`, title: stepTitle(state, selected), lines };
    }
    return { key: 'summary', title: 'Summary', lines: summaryLines(state, next) };
  }
  const stopping = state.stopping ? ' · stopping after the running action' : '';
  if (state.phase === 'starting') return { key: 'starting', title: 'Starting', lines: [{ text: 'Looking at the host…', tone: 'muted' }], live: true };
  if (state.phase === 'verifying') {
    return { key: 'verifying', title: `Verifying every step${stopping}`, lines: [{ text: 'Repair checks every step before it changes anything…', tone: 'muted' }], live: true };
  }
  const current = findStep(state, state.currentId);
  if (current && current.status === 'running') {
    if (dns && current.info.id === DNS_STEP_ID) {
      return { key: `run:${current.info.id}`, title: `${stepTitle(state, current)}${stopping}`, lines: dnsRunningLines(current, width, height - 1, now, dns), live: true };
    }
    return { key: `run:${current.info.id}`, title: `${stepTitle(state, current)}${stopping}`, lines: runningLines(current, width, height - 1, now), live: true };
  }
  if (state.verified) return { key: 'verify-all', title: `Repair: what fails now${stopping}`, lines: verifyLines(state.verified) };
  if (current) return { key: `run:${current.info.id}`, title: `${stepTitle(state, current)}${stopping}`, lines: planLines(current, now), live: true };
  return { key: 'empty', title: 'mail-wizard', lines: [] };
}
