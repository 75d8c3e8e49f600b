/** Every step with its state; when they do not all fit, a window around the step in focus. */
import { Box, Text } from 'ink';
import { windowAround } from './layout.js';
import { StepRow } from './StepRow.js';
import { shownStatus, type RunState } from './store.js';
import { usePalette } from './use-palette.js';

export interface ChecklistProps {
  state: RunState;
  /** Index of the step to keep in view (the current one, or the one selected). */
  focus: number;
  /** Index of the step the pointer marks, if any. */
  pointer: number | null;
  rows: number;
  width: number;
  now: number;
}

export function Checklist({ state, focus, pointer, rows, width, now }: ChecklistProps) {
  const palette = usePalette();
  const win = windowAround(state.steps.length, Math.max(0, focus), rows);
  const steps = state.steps.slice(win.start, win.end);
  return (
    <Box flexDirection="column" width={width}>
      {win.above > 0 ? <Text dimColor={palette.dim('muted')}>{`    ↑ ${win.above} more above`}</Text> : null}
      {steps.map((step, i) => (
        <StepRow key={step.info.id} step={step} status={shownStatus(state, step)} width={width} now={now} focused={pointer === win.start + i} timed={state.mode !== 'dry-run'} />
      ))}
      {win.below > 0 ? <Text dimColor={palette.dim('muted')}>{`    ↓ ${win.below} more below`}</Text> : null}
    </Box>
  );
}
