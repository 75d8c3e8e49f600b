/**
 * "d" at a failure: everything about the step: every finding with its evidence and fix, every
 * action with its result and the files involved (diffs, backups), and the full output.
 */
import { actionBody, actionHead, actionOutcome } from './action-lines.js';
import { findingLines } from './FailureMenu.js';
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { outputLines, type StepView } from './store.js';
import { plural } from './text.js';

export function detailsLines(step: StepView, now: number): Line[] {
  const out: Line[] = [{ text: `Details: ${step.info.title}`, bold: true }, { text: step.info.why, tone: 'muted', wrap: true }, { text: '' }];
  out.push({ text: 'Verification', bold: true });
  if (step.findings.length === 0) out.push({ indent: 2, text: '(no findings)', tone: 'muted' });
  for (const f of step.findings) out.push(...findingLines(f, 2));
  out.push({ text: '' }, { text: 'Commands and files', bold: true });
  if (step.actions.length === 0) out.push({ indent: 2, text: step.reason ? `nothing to do: ${step.reason}` : '(none)', tone: 'muted', wrap: true });
  for (const a of step.actions) out.push(actionHead(a.planned, a.state, now, 2), ...actionOutcome(a), ...actionBody(a.planned));
  const output = outputLines(step);
  out.push({ text: '' }, { text: `Output (${plural(output.length, 'line')})`, bold: true });
  if (output.length === 0) out.push({ indent: 2, text: '(no output)', tone: 'muted' });
  for (const o of output) out.push(o.action < 0 ? { indent: 2, text: o.text, tone: 'muted' } : { indent: 2, text: o.text, wrap: true });
  return out;
}

export function Details({ step, now, width, height, offset }: { step: StepView; now: number; width: number; height?: number; offset?: number }) {
  return <Lines lines={detailsLines(step, now)} width={width} height={height} offset={offset} />;
}
