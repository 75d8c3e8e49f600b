/**
 * Text that fits: every line the TUI draws is cut or wrapped here to a known width, so a frame's
 * height is known before Ink lays it out (a frame as tall as the terminal makes Ink redraw the
 * whole screen on every update, which flickers).
 */

const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** Command output as plain text: no escape codes, tabs expanded, a `\r` progress bar keeps its last state. */
export function cleanLine(raw: string): string {
  const afterCr = raw.split('\r').filter((part) => part !== '').pop() ?? '';
  return expandTabs(afterCr.replace(ANSI, '')).replace(CONTROL, '');
}

export function expandTabs(s: string, stop = 8): string {
  if (!s.includes('\t')) return s;
  let out = '';
  for (const ch of s) out += ch === '\t' ? ' '.repeat(stop - (out.length % stop)) : ch;
  return out;
}

/** Code points, not UTF-16 units: the marks (✔ ✖ ⠋) count as one column each. */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Cuts to `max` columns, with an ellipsis when something was cut. */
export function clip(s: string, max: number): string {
  if (max <= 0) return '';
  if (width(s) <= max) return s;
  return `${[...s].slice(0, Math.max(0, max - 1)).join('')}…`;
}

export function padEnd(s: string, max: number): string {
  return s + ' '.repeat(Math.max(0, max - width(s)));
}

/** Hard-wraps at `max` columns, at a space when there is one in the second half of the line. */
export function wrap(s: string, max: number): string[] {
  if (max <= 0) return [s];
  const out: string[] = [];
  let rest = [...s];
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut).join('').trimEnd());
    rest = rest.slice(rest[cut] === ' ' ? cut + 1 : cut);
  }
  out.push(rest.join(''));
  return out;
}

/** "0.4s", "12s", "2m05s": short enough for a checklist column. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
