/**
 * A planned file write as a coloured unified diff: + lines added, - lines removed, @@ where.
 * The "---/+++" header is dropped: the action line above it already names the file.
 */
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { expandTabs } from './text.js';

export function diffLines(diff: string, indent = 2): Line[] {
  const all = diff.replace(/\n$/, '').split('\n');
  const first = all.findIndex((l) => l.startsWith('@@'));
  if (first < 0) return [{ text: '(no change)', tone: 'muted', indent }];
  return all.slice(first).map((raw): Line => {
    const text = expandTabs(raw);
    if (raw.startsWith('@@')) return { text, tone: 'hunk', indent };
    if (raw.startsWith('+')) return { text, tone: 'add', indent };
    if (raw.startsWith('-')) return { text, tone: 'del', indent };
    if (raw.startsWith('\\')) return { text, tone: 'muted', indent };
    return { text, indent };
  });
}

export interface DiffProps {
  diff: string;
  width: number;
  height?: number;
  offset?: number;
}

export function Diff({ diff, width, height, offset }: DiffProps) {
  return <Lines lines={diffLines(diff)} width={width} height={height} offset={offset} />;
}
