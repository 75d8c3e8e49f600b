/** A braille spinner driven by the clock it is given, so a test can freeze it. */
import { Text } from 'ink';
import { usePalette } from './use-palette.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function spinnerFrame(now: number): string {
  return FRAMES[Math.floor(now / 80) % FRAMES.length] ?? FRAMES[0]!;
}

export function Spinner({ now }: { now: number }) {
  const palette = usePalette();
  return <Text color={palette.color('accent')}>{spinnerFrame(now)}</Text>;
}
