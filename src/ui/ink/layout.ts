/**
 * How a frame is shared out: one header line, the checklist, the panel, one key-bar line. The
 * frame stays one line shorter than the terminal (Ink redraws the whole screen, flickering, once a
 * frame is as tall as the terminal); the checklist shows a window around the step in focus.
 */
export interface Size {
  columns: number;
  rows: number;
}

export interface Budget {
  /** Checklist rows, including the "more" markers. */
  list: number;
  /** Panel lines, including its title rule. */
  panel: number;
}

const MIN_PANEL = 10;

/** `listMax`: fewer checklist rows when the panel holds something to read (a diff, a failure). */
export function budget(size: Size, steps: number, keyBar = true, listMax = Number.MAX_SAFE_INTEGER): Budget {
  const frame = Math.max(8, size.rows - 1);
  const fixed = keyBar ? 2 : 1;
  const list = Math.min(Math.max(steps, 1), listMax, Math.max(3, frame - fixed - MIN_PANEL));
  return { list, panel: Math.max(3, frame - fixed - list) };
}

export interface Window {
  start: number;
  end: number;
  /** Items hidden above and below (each shown as one marker row). */
  above: number;
  below: number;
}

/** `rows` rows of `count` items around `focus`; a marker row replaces an item at a cut edge. */
export function windowAround(count: number, focus: number, rows: number): Window {
  if (count <= rows) return { start: 0, end: count, above: 0, below: 0 };
  const room = Math.max(1, rows);
  let start = Math.max(0, Math.min(focus - Math.floor(room / 2), count - room));
  let end = start + room;
  if (start > 0) start++;
  if (end < count) end--;
  // Keep the focus visible after giving rows to the markers.
  if (focus < start) {
    end -= start - focus;
    start = focus;
  } else if (focus >= end) {
    start += focus - end + 1;
    end = focus + 1;
  }
  return { start, end, above: start, below: count - end };
}
