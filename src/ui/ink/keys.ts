/**
 * Keys → commands, and the hints the key bar shows, from the same table so they cannot disagree.
 * Ctrl-C is a key here (stdin is raw while Ink draws): at a prompt it quits like q; while a step
 * runs it asks to stop after that step, and a second Ctrl-C stops at once.
 */
import type { KeyHint } from './KeyBar.js';
import type { RunState } from './store.js';
import type { View } from './view.js';

export type Answer = 'yes' | 'no' | 'retry' | 'skip' | 'quit';

export type Command =
  | { type: 'answer'; value: Answer }
  | { type: 'details' }
  | { type: 'stop' }
  | { type: 'force-quit' }
  | { type: 'release' }
  | { type: 'scroll'; delta: number }
  | { type: 'page'; delta: number }
  | { type: 'select'; delta: number }
  | { type: 'screen'; screen?: View['screen'] };

export interface KeyPress {
  ctrl?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  home?: boolean;
  end?: boolean;
}

function scrolling(input: string, key: KeyPress): Command | null {
  if (key.upArrow || input === 'k') return { type: 'scroll', delta: -1 };
  if (key.downArrow || input === 'j') return { type: 'scroll', delta: 1 };
  if (key.pageUp || input === 'b') return { type: 'page', delta: -1 };
  if (key.pageDown || input === ' ') return { type: 'page', delta: 1 };
  if (key.home || input === 'g') return { type: 'scroll', delta: -Number.MAX_SAFE_INTEGER };
  if (key.end || input === 'G') return { type: 'scroll', delta: Number.MAX_SAFE_INTEGER };
  return null;
}

export function keyCommand(state: RunState, view: View, input: string, key: KeyPress): Command | null {
  const ctrlC = key.ctrl === true && input === 'c';
  const prompt = state.prompt;
  if (prompt) {
    if (input === 'q' || ctrlC) return { type: 'answer', value: 'quit' };
    if (input === 'd' || (key.escape && view.details)) return { type: 'details' };
    if (prompt.kind === 'failure' && input === 'r') return { type: 'answer', value: 'retry' };
    if (prompt.kind === 'failure' && input === 's') return { type: 'answer', value: 'skip' };
    if (prompt.kind === 'confirm' && input === 'y') return { type: 'answer', value: 'yes' };
    if (prompt.kind === 'confirm' && input === 'n') return { type: 'answer', value: 'no' };
    return scrolling(input, key);
  }
  if (state.phase === 'done') {
    if (input === 'q' || ctrlC || (key.escape && view.screen === 'summary')) return { type: 'release' };
    if (key.escape) return { type: 'screen', screen: 'summary' };
    if (key.upArrow || input === 'k') return { type: 'select', delta: -1 };
    if (key.downArrow || input === 'j') return { type: 'select', delta: 1 };
    if (key.tab || key.return) return { type: 'screen' };
    return scrolling(input, key);
  }
  if (ctrlC) return state.stopping ? { type: 'force-quit' } : { type: 'stop' };
  if (input === 'q') return { type: 'stop' };
  return null;
}

export function keyHints(state: RunState, view: View): KeyHint[] {
  const prompt = state.prompt;
  const details: KeyHint = ['d', view.details ? 'back' : 'details'];
  if (prompt?.kind === 'failure') return [['r', 'retry'], ['s', 'skip'], details, ['↑↓', 'scroll'], ['q', 'quit']];
  if (prompt?.kind === 'confirm') return [['y', 'yes'], ['n', 'no, skip step'], details, ['↑↓', 'scroll'], ['q', 'quit']];
  if (state.phase === 'done') return [['↑↓', 'steps'], ['tab', view.screen === 'summary' ? 'step' : 'summary'], ['space/b', 'scroll'], ['q', 'exit']];
  if (state.stopping) return [['^C', 'again: stop at once (this step may be left unfinished)']];
  return [['q', 'stop after this action'], ['^C', 'stop']];
}
