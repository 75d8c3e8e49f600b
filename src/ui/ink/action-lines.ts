/** One planned action as lines: its one-line description, then what a person checks (diff, records). */
import type { PlannedAction } from '../../engine/events.js';
import { diffLines } from './Diff.js';
import { dnsRecordLines } from './DnsRecords.js';
import type { Line } from './text-lines.js';
import type { Tone } from './palette.js';
import { spinnerFrame } from './Spinner.js';
import type { ActionView } from './store.js';

export function actionMark(state: ActionView['state'] | 'planned', now: number): { mark: string; tone: Tone } {
  switch (state) {
    case 'planned':
      return { mark: '+', tone: 'accent' };
    case 'pending':
      return { mark: '·', tone: 'muted' };
    case 'running':
      return { mark: spinnerFrame(now), tone: 'accent' };
    case 'ok':
      return { mark: '✔', tone: 'ok' };
    case 'failed':
      return { mark: '✖', tone: 'fail' };
  }
}

export function actionHead(p: PlannedAction, state: ActionView['state'] | 'planned', now: number, indent = 0, wrap = true): Line {
  const { mark, tone } = actionMark(state, now);
  return { indent, label: `${mark} `, labelTone: tone, text: p.describe, tone: state === 'pending' ? 'muted' : undefined, wrap };
}

/** What to look at for this action: the diff of a file, the records of a manual step, else nothing. */
export function actionBody(p: PlannedAction): Line[] {
  if (p.action.type === 'writeFile' && p.diff) return diffLines(p.diff, 4);
  if (p.action.type === 'manual') return dnsRecordLines({ groups: [{ title: p.action.title, lines: p.action.lines }] }).slice(1);
  return [];
}

/** After an action ran: why it failed, where the old file went. */
export function actionOutcome(a: ActionView, indent = 4): Line[] {
  const out: Line[] = [];
  if (a.state === 'failed') out.push({ indent, label: 'failed: ', labelTone: 'fail', text: a.detail ?? 'unknown error', wrap: true });
  if (a.backup) out.push({ indent, label: 'backup: ', labelTone: 'muted', text: a.backup, wrap: true });
  return out;
}
