/**
 * The checklist screen, top to bottom: header, checklist, panel, key bar; one frame, never taller
 * than the terminal. It only reads the store (runner events) and reports keys through `controls`;
 * the promises the runner waits on live in index.tsx.
 */
import { Box, useInput, useStdin } from 'ink';
import { useLayoutEffect, useReducer, useRef } from 'react';
import { Checklist } from './Checklist.js';
import { Header } from './Header.js';
import { KeyBar } from './KeyBar.js';
import { keyCommand, keyHints, type Answer, type Command } from './keys.js';
import { budget, type Size } from './layout.js';
import { fit } from './text-lines.js';
import { makePalette, type Palette } from './palette.js';
import { Panel } from './Panel.js';
import { dnsWatchActive, focusOf, panelContent } from './panel-content.js';
import type { RunStore } from './store.js';
import type { NextInfo } from './Summary.js';
import { useRunState } from './use-run-state.js';
import { PaletteContext } from './use-palette.js';
import { DNS_INTERVAL_MS, useDnsWatch, type WatchDns } from './use-dns-watch.js';
import { useTerminalSize } from './use-terminal-size.js';
import { useTicker } from './use-ticker.js';
import { initialView, offsetFor, reduceView } from './view.js';

export interface Controls {
  answer(value: Answer): void;
  /** Stop after the current step (first q or Ctrl-C while a step runs). */
  stop(): void;
  /** Second Ctrl-C: leave now. */
  forceQuit(): void;
  /** Leave the final screen. */
  release(): void;
}

export interface AppProps {
  store: RunStore;
  controls: Controls;
  clock?: () => number;
  /** A fixed size instead of the terminal's (tests). */
  size?: Size;
  next?: NextInfo;
  palette?: Palette;
  /** Spinner and elapsed times tick (off in tests that compare frames). */
  animate?: boolean;
  /** Re-checks the published DNS records while the DNS step waits (see use-dns-watch.ts). */
  watchDns?: WatchDns;
  /** Between the end of one DNS check and the next (default 5 s). */
  dnsIntervalMs?: number;
}

const defaultPalette = makePalette();

export function App({ store, controls, clock = Date.now, size: fixedSize, next, palette = defaultPalette, animate = true, watchDns, dnsIntervalMs = DNS_INTERVAL_MS }: AppProps) {
  const state = useRunState(store);
  const size = useTerminalSize(fixedSize);
  const [view, dispatchView] = useReducer(reduceView, initialView);
  const ticking = animate && !state.prompt && state.phase !== 'done';
  const now = useTicker(ticking, clock);
  const { isRawModeSupported } = useStdin();
  const dns = useDnsWatch(dnsWatchActive(state, view), watchDns, dnsIntervalMs, clock);

  const width = Math.max(40, size.columns);
  const keyBar = !state.closed;
  // A prompt or a step's plan is read: give it the room; the live walk and the summary show the list.
  const reading = state.prompt !== null || (state.phase === 'done' && view.screen === 'step' && !state.closed);
  const room = budget(size, state.steps.length, keyBar, reading ? 7 : undefined);
  const content = panelContent(state, view, width, room.panel, now, next, dns);
  const maxScroll = content.live ? 0 : Math.max(0, fit(content.lines, width).length - (room.panel - 1));
  const offset = Math.min(offsetFor(view, content.key), maxScroll);
  const { focus, pointer } = focusOf(state, view);

  // Keys read what is on screen now: Ink re-subscribes the input handler in a passive effect, so a
  // key typed right after a redraw could otherwise meet the previous frame's handler.
  const current = { state, view, contentKey: content.key, maxScroll, page: Math.max(1, room.panel - 2) };
  const latest = useRef(current);
  useLayoutEffect(() => {
    latest.current = current;
  });

  const perform = (command: Command) => {
    const { state, contentKey, maxScroll, page } = latest.current;
    switch (command.type) {
      case 'answer':
        dispatchView({ type: 'details', on: false });
        controls.answer(command.value);
        return;
      case 'details':
        dispatchView({ type: 'details' });
        return;
      case 'stop':
        controls.stop();
        return;
      case 'force-quit':
        controls.forceQuit();
        return;
      case 'release':
        controls.release();
        return;
      case 'scroll':
      case 'page': {
        const delta = command.type === 'page' ? command.delta * page : command.delta;
        dispatchView({ type: 'scroll', key: contentKey, delta, max: maxScroll });
        return;
      }
      case 'select':
        dispatchView({ type: 'select', delta: command.delta, count: state.steps.length });
        return;
      case 'screen':
        dispatchView({ type: 'screen', screen: command.screen });
        return;
    }
  };

  useInput(
    (input, key) => {
      const command = keyCommand(latest.current.state, latest.current.view, input, key);
      if (command) perform(command);
    },
    { isActive: isRawModeSupported === true && !state.closed },
  );

  // Closing: the live frame is erased; index.tsx writes the report (Report.tsx) in its place.
  if (state.closed) return null;
  return (
    <PaletteContext.Provider value={palette}>
      <Box flexDirection="column" width={width}>
        <Header state={state} width={width} now={now} />
        <Checklist state={state} focus={focus} pointer={pointer} rows={room.list} width={width} now={now} />
        <Panel title={content.title} lines={content.lines} width={width} height={room.panel} offset={offset} />
        {keyBar ? <KeyBar keys={keyHints(state, view)} width={width} /> : null}
      </Box>
    </PaletteContext.Provider>
  );
}
