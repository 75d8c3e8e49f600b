/**
 * One checklist row:  "› ✔ OpenSMTPD (smtpd.conf) · note            changed   0.3s"
 * The status is a word as well as a mark and a colour, so it reads the same without colour.
 */
import { Box, Text } from 'ink';
import type { Tone } from './palette.js';
import { Spinner } from './Spinner.js';
import type { RowStatus, StepView } from './store.js';
import { clip, formatElapsed, padEnd, width as textWidth } from './text.js';
import { usePalette } from './use-palette.js';

export const MARK: Record<RowStatus, string> = { pending: '○', running: '⠋', asking: '?', planned: '◆', ok: '✔', changed: '✚', skipped: '↷', failed: '✖' };
export const WORD: Record<RowStatus, string> = { pending: 'pending', running: 'running', asking: 'confirm?', planned: 'planned', ok: 'ok', changed: 'changed', skipped: 'skipped', failed: 'FAILED' };
export const TONE: Record<RowStatus, Tone> = { pending: 'muted', running: 'accent', asking: 'accent', planned: 'accent', ok: 'ok', changed: 'changed', skipped: 'warn', failed: 'fail' };

export interface StepRowProps {
  step: StepView;
  status: RowStatus;
  width: number;
  now: number;
  /** Shown with a pointer: the step the panel is about. */
  focused?: boolean;
  /** Elapsed times (not in a dry-run: nothing ran, planning is instant). */
  timed?: boolean;
}

const RIGHT = 16; // " changed   12.3s"

export function elapsedOf(step: StepView, now: number): string {
  if (step.startedAt === undefined) return '';
  return formatElapsed((step.endedAt ?? now) - step.startedAt);
}

/** Repair: a step still to fix says what failed when it was verified first. */
function beforeNote(step: StepView, status: RowStatus): string {
  if (status !== 'pending' && status !== 'running' && status !== 'asking') return '';
  const failed = step.before?.find((f) => f.status === 'fail');
  return failed ? ` · fails: ${failed.summary}` : '';
}

export function StepRow({ step, status, width, now, focused = false, timed = true }: StepRowProps) {
  const palette = usePalette();
  const tone = TONE[status];
  const elapsed = !timed || status === 'planned' || status === 'pending' ? '' : elapsedOf(step, now);
  const note = step.note && status !== 'planned' ? ` · ${step.note}` : beforeNote(step, status);
  const room = Math.max(8, width - 4 - RIGHT);
  const title = clip(step.info.title, room);
  const rest = clip(note, Math.max(0, room - textWidth(title)));
  return (
    <Box width={width}>
      <Text bold>{focused ? '›' : ' '} </Text>
      {status === 'running' ? <Spinner now={now} /> : <Text color={palette.color(tone)}>{MARK[status]}</Text>}
      <Text> </Text>
      <Text bold={focused} dimColor={palette.dim(status === 'pending' ? 'muted' : undefined)}>
        {title}
      </Text>
      <Text dimColor={palette.dim('muted')}>{padEnd(rest, room - textWidth(title))}</Text>
      <Text color={palette.color(tone)} dimColor={palette.dim(status === 'pending' ? 'muted' : undefined)}>
        {' '}
        {padEnd(WORD[status], 8)}
      </Text>
      <Text dimColor={palette.dim('muted')}>{elapsed.padStart(RIGHT - 9)}</Text>
    </Box>
  );
}
