/** Draws fitted lines: one Ink Text per line, so the height on screen is the number of lines. */
import { Box, Text } from 'ink';
import { blank, fit, slice, type Line } from './text-lines.js';
import type { Palette } from './palette.js';
import { usePalette } from './use-palette.js';

export interface LinesProps {
  lines: readonly Line[];
  width: number;
  /** When given: exactly this many lines, from `offset`, padded with blank lines. */
  height?: number;
  offset?: number;
  /** Keep lines to copy whole (see fit); the box then takes the width of its longest line. */
  whole?: boolean;
}

export function Lines({ lines, width, height, offset = 0, whole = false }: LinesProps) {
  const palette = usePalette();
  const fitted = fit(lines, width, whole);
  const shown = height === undefined ? fitted : slice(fitted, offset, height).shown;
  const padded = height === undefined ? shown : [...shown, ...Array<Line>(Math.max(0, height - shown.length)).fill(blank)];
  return (
    <Box flexDirection="column" width={whole ? undefined : width}>
      {padded.map((line, i) => (
        <LineText key={i} line={line} palette={palette} />
      ))}
    </Box>
  );
}

export function LineText({ line, palette }: { line: Line; palette: Palette }) {
  return (
    <Text wrap="truncate-end">
      {line.indent ? ' '.repeat(line.indent) : ''}
      {line.label ? (
        <Text bold color={palette.color(line.labelTone ?? line.tone)} dimColor={palette.dim(line.labelTone)}>
          {line.label}
        </Text>
      ) : null}
      <Text bold={line.bold ?? false} color={palette.color(line.tone)} dimColor={palette.dim(line.tone)}>
        {line.text === '' && !line.label && !line.indent ? ' ' : line.text}
      </Text>
    </Text>
  );
}
