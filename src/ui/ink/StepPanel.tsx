/**
 * What the current step is doing: why it exists, its actions (done, running, to do), and for the
 * running action the command line and a live tail of its output, or the diff of the file it
 * writes. After the run the same panel shows a step's whole plan (dry-run: every command and diff).
 */
import { actionBody, actionHead, actionOutcome } from './action-lines.js';
import { findingLines } from './FailureMenu.js';
import { fit, type Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { windowAround } from './layout.js';
import { outputLines, type StepView } from './store.js';
import { formatElapsed, plural } from './text.js';

const MAX_ACTION_ROWS = 5;

/** Exactly fitted to width × height: the tail of the output is what matters while it runs. */
export function runningLines(step: StepView, width: number, height: number, now: number): Line[] {
  const head: Line[] = [{ text: step.info.why, tone: 'muted', wrap: true }];
  if (step.attempt === 0) head.push({ text: 'Looking at what is there now…', tone: 'muted' });
  else if (step.actions.length === 0) head.push({ label: 'Nothing to do: ', labelTone: 'ok', text: step.reason ?? 'already as wanted', wrap: true });
  const current = step.current ?? step.actions.findIndex((a) => a.state === 'pending');
  const win = windowAround(step.actions.length, Math.max(0, current), MAX_ACTION_ROWS);
  if (win.above) head.push({ indent: 2, text: `… ${plural(win.above, 'action')} done`, tone: 'muted' });
  step.actions.slice(win.start, win.end).forEach((a) => head.push(actionHead(a.planned, a.state, now, 0, false)));
  if (win.below) head.push({ indent: 2, text: `… ${plural(win.below, 'more action')}`, tone: 'muted' });
  const allDone = step.actions.length > 0 && step.actions.every((a) => a.state === 'ok');
  if (allDone && step.findings.length === 0) head.push({ text: 'Verifying that it works…', tone: 'accent' });

  const fittedHead = fit(head, width).slice(0, height);
  const room = height - fittedHead.length;
  const active = step.current === null ? undefined : step.actions[step.current];
  if (!active || room <= 0) return fittedHead;
  const a = active.planned.action;
  if (a.type === 'writeFile' || a.type === 'manual') {
    const body = fit(actionBody(active.planned), width);
    const shown = body.length > room ? [...body.slice(0, room - 1), { text: `  … ${plural(body.length - room + 1, 'more line')}`, tone: 'muted' as const }] : body;
    return [...fittedHead, ...shown];
  }
  if (!('argv' in a)) return fittedHead;
  const command = fit([{ label: '$ ', labelTone: 'accent', text: a.argv.join(' '), copy: true }], width);
  const output = fit(
    outputLines(step)
      .filter((o) => o.action === step.current)
      .map((o): Line => ({ indent: 2, text: o.text, wrap: true })),
    width,
  );
  const tailRoom = room - command.length;
  return [...fittedHead, ...command.slice(0, room), ...(tailRoom > 0 ? output.slice(-tailRoom) : [])];
}

function statusLine(step: StepView): Line {
  const took = step.startedAt !== undefined && step.endedAt !== undefined ? ` in ${formatElapsed(step.endedAt - step.startedAt)}` : '';
  switch (step.status) {
    case 'planned':
      return { text: `Would do ${plural(step.actions.length, 'action')}; nothing was done.`, tone: 'accent' };
    case 'ok':
      return { label: 'Nothing to do: ', labelTone: 'ok', text: step.note ?? step.reason ?? 'already as wanted', wrap: true };
    case 'changed':
      return { text: `Changed and verified${took}.`, tone: 'changed' };
    case 'skipped':
      return { label: 'Skipped: ', labelTone: 'warn', text: step.note ?? 'skipped', wrap: true };
    case 'failed':
      return { text: `Failed${took}.`, tone: 'fail' };
    case 'running':
    case 'asking':
      return { text: 'Running…', tone: 'accent' };
    case 'pending':
      return { text: 'Not reached in this run.', tone: 'muted' };
  }
}

/** A step's whole story, for reading after the run: status, every action with its diff, findings. */
export function planLines(step: StepView, now: number): Line[] {
  const out: Line[] = [{ text: step.info.why, tone: 'muted', wrap: true }, statusLine(step)];
  for (const a of step.actions) {
    const state = step.status === 'planned' ? 'planned' : a.state;
    out.push(actionHead(a.planned, state, now), ...actionOutcome(a), ...actionBody(a.planned));
  }
  const problems = step.findings.filter((f) => f.status !== 'pass');
  if (problems.length) out.push({ text: '' }, { text: 'Verification', bold: true }, ...problems.flatMap((f) => findingLines(f, 2)));
  return out;
}

export interface StepPanelProps {
  step: StepView;
  width: number;
  height: number;
  now: number;
  /** running: the live view; plan: the whole story, scrollable. */
  view: 'running' | 'plan';
  offset?: number;
}

export function StepPanel({ step, width, height, now, view, offset }: StepPanelProps) {
  const lines = view === 'running' ? runningLines(step, width, height, now) : planLines(step, now);
  return <Lines lines={lines} width={width} height={height} offset={offset} />;
}
