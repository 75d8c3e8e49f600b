/** The top line: what kind of run, on which platform, how far, and (dry-run) that nothing changes. */
import { Box, Text } from 'ink';
import type { RunState } from './store.js';
import { clip, formatElapsed, padEnd, width as textWidth } from './text.js';
import { usePalette } from './use-palette.js';

export function headerText(state: RunState, now: number): { left: string; right: string } {
  const done = state.steps.filter((s) => s.status !== 'pending' && s.status !== 'running').length;
  const what = state.mode === 'dry-run' ? 'dry-run · nothing is changed' : state.mode;
  const left = `mail-wizard ${what}${state.platform ? ` · ${state.platform}` : ''}`;
  const time = state.phase === 'done' || state.closed ? '' : ` · ${formatElapsed(now - state.startedAt)}`;
  return { left, right: `${done}/${state.steps.length} steps${time}` };
}

export function Header({ state, width, now }: { state: RunState; width: number; now: number }) {
  const palette = usePalette();
  const { left, right } = headerText(state, now);
  const l = clip(left, Math.max(10, width - textWidth(right) - 1));
  return (
    <Box width={width}>
      <Text bold color={palette.color('accent')}>
        {padEnd(l, width - textWidth(right))}
      </Text>
      <Text dimColor={palette.dim('muted')}>{right}</Text>
    </Box>
  );
}
