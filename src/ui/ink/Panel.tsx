/**
 * The lower part of the frame: a title rule ("── 3/14 OpenSMTPD ─────── 12-30 of 54 ↕") and
 * lines below it, exactly `height` lines in all. No side borders: commands and zone lines can be
 * selected and copied as they are.
 */
import { Box, Text } from 'ink';
import { fit, slice, type Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { clip, width as textWidth } from './text.js';
import { usePalette } from './use-palette.js';

export interface PanelProps {
  title: string;
  lines: readonly Line[];
  width: number;
  height: number;
  offset?: number;
  /** Follow the end (live output) instead of the top. */
  tail?: boolean;
}

export function Panel({ title, lines, width, height, offset = 0, tail = false }: PanelProps) {
  const palette = usePalette();
  const body = Math.max(1, height - 1);
  const fitted = fit(lines, width);
  const view = slice(fitted, tail ? Number.MAX_SAFE_INTEGER : offset, body);
  const where = view.max > 0 && !tail ? ` ${view.offset + 1}-${Math.min(fitted.length, view.offset + body)} of ${fitted.length} ↕ ` : '';
  const name = ` ${clip(title, Math.max(4, width - textWidth(where) - 6))} `;
  const rule = Math.max(0, width - 2 - textWidth(name) - textWidth(where));
  return (
    <Box flexDirection="column" width={width}>
      <Text>
        <Text dimColor={palette.dim('muted')}>──</Text>
        <Text bold>{name}</Text>
        <Text dimColor={palette.dim('muted')}>{'─'.repeat(rule)}</Text>
        <Text color={palette.color('accent')}>{where}</Text>
      </Text>
      <Lines lines={view.shown} width={width} height={body} />
    </Box>
  );
}
