/**
 * What stays in the terminal after the TUI closes: the header, every step's row and the whole
 * summary, written once as ordinary output (not a live frame), so it can be longer than the
 * screen, scrolls back, and keeps zone records whole for copying.
 */
import { Box, renderToString, Text } from 'ink';
import { Checklist } from './Checklist.js';
import { Header } from './Header.js';
import { Lines } from './Lines.js';
import type { Palette } from './palette.js';
import type { RunState } from './store.js';
import { summaryLines, type NextInfo } from './Summary.js';
import { width as textWidth } from './text.js';
import { PaletteContext } from './use-palette.js';

export function Report({ state, width, next, now }: { state: RunState; width: number; next?: NextInfo; now: number }) {
  const lines = summaryLines(state, next, true);
  return (
    <Box flexDirection="column">
      <Header state={state} width={width} now={now} />
      <Checklist state={state} focus={0} pointer={null} rows={state.steps.length} width={width} now={now} />
      <Text>{`── Summary ${'─'.repeat(Math.max(0, width - 11))}`}</Text>
      <Lines lines={lines} width={width} whole />
    </Box>
  );
}

export function renderReport(state: RunState, options: { width: number; next?: NextInfo; now: number; palette: Palette }): string {
  // Wide enough for the longest whole line: Ink must not wrap it, the terminal will.
  const copied = summaryLines(state, options.next, true).filter((l) => l.copy);
  const widest = Math.max(options.width, ...copied.map((l) => (l.indent ?? 0) + textWidth(l.label ?? '') + textWidth(l.text)));
  return renderToString(
    <PaletteContext.Provider value={options.palette}>
      <Report state={state} width={options.width} next={options.next} now={options.now} />
    </PaletteContext.Provider>,
    { columns: widest },
  );
}
