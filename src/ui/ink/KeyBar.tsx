/** The keys that work now, at the bottom of every frame: "r retry  s skip  d details  q quit". */
import { Box, Text } from 'ink';
import { width as textWidth } from './text.js';
import { usePalette } from './use-palette.js';

export type KeyHint = readonly [key: string, label: string];

export function KeyBar({ keys, width }: { keys: readonly KeyHint[]; width: number }) {
  const palette = usePalette();
  // Drop hints from the end rather than cut one in half.
  const shown: KeyHint[] = [];
  let used = 0;
  for (const hint of keys) {
    const w = textWidth(hint[0]) + 1 + textWidth(hint[1]) + 2;
    if (used + w > width + 2) break;
    shown.push(hint);
    used += w;
  }
  return (
    <Box width={width}>
      {shown.map(([key, label], i) => (
        <Text key={i}>
          <Text bold color={palette.color('accent')}>
            {key}
          </Text>
          <Text dimColor={palette.dim('muted')}>{` ${label}${i < shown.length - 1 ? '  ' : ''}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
