/**
 * Asked before a step replaces an existing file or restarts a service: what will happen, then
 * the diff of every file it replaces. (Shopify's DangerousConfirmationPrompt asks the same way.)
 */
import type { PlannedAction } from '../../engine/events.js';
import { diffLines } from './Diff.js';
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import type { StepView } from './store.js';
import { plural } from './text.js';

const risky = (p: PlannedAction) =>
  p.replaces === true ||
  (p.action.type === 'service' && p.action.op === 'restart') ||
  (p.action.type === 'packages' && Boolean(p.action.removes?.length)) ||
  p.action.type === 'confirm';

export function confirmLines(step: StepView, actions: readonly PlannedAction[]): Line[] {
  const out: Line[] = [{ label: '? ', labelTone: 'accent', text: `${step.info.title}: go ahead?`, bold: true }, { text: 'This step will:' }];
  for (const p of actions.filter(risky)) {
    const a = p.action;
    if (a.type === 'writeFile') out.push({ indent: 2, label: '• ', text: `replace ${a.path} (the current file is backed up first)`, wrap: true });
    else if (a.type === 'service') out.push({ indent: 2, label: '• ', text: `restart ${a.name}: ${a.argv.join(' ')}`, wrap: true });
    else if (a.type === 'confirm') out.push({ indent: 2, label: '• ', text: `${a.question} (no answer within ${Math.round(a.timeoutMs / 1000)} s counts as no)`, tone: 'warn', wrap: true });
    else if (a.type === 'packages') out.push({ indent: 2, label: '• ', text: `REMOVE ${a.removes?.join(', ')} (installing ${a.names.join(', ')} requires it)`, tone: 'warn', wrap: true });
  }
  const others = actions.length - actions.filter(risky).length;
  if (others > 0) out.push({ indent: 2, label: '• ', text: `and ${plural(others, 'other action')} (d shows them all)`, tone: 'muted' });
  out.push({ text: 'y yes, go ahead · n no, skip this step · d details · q quit', tone: 'accent', bold: true });
  for (const p of actions) {
    if (!p.replaces || !p.diff || p.action.type !== 'writeFile') continue;
    out.push({ text: '' }, { text: `${p.action.path}: what changes`, bold: true }, ...diffLines(p.diff));
  }
  return out;
}

export function ConfirmPrompt({ step, actions, width, height, offset }: { step: StepView; actions: readonly PlannedAction[]; width: number; height?: number; offset?: number }) {
  return <Lines lines={confirmLines(step, actions)} width={width} height={height} offset={offset} />;
}
