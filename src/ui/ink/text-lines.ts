/**
 * The panel's content as data: a list of lines, each with a tone. Builders (diffs, findings, the
 * summary) return lines; one component draws them. Fitting them to a width first makes their
 * count exact, so the panel can scroll and the frame never grows past the terminal.
 */
import type { Tone } from './palette.js';
import { clip, width, wrap } from './text.js';

export interface Line {
  text: string;
  tone?: Tone;
  bold?: boolean;
  /** A bold prefix ("Seen  ", "$ "); wrapped lines continue under the text, not the label. */
  label?: string;
  labelTone?: Tone;
  indent?: number;
  /** Wrap instead of cutting. */
  wrap?: boolean;
  /** Something a person copies (a zone record): wrapped in frames, kept whole in the final report. */
  copy?: boolean;
}

export const blank: Line = { text: '' };

/**
 * Every line at most `cols` wide: wrapped when it asks for it, else cut with an ellipsis. With
 * `whole`, lines to copy are kept whole instead (the final report: the terminal wraps them
 * softly, so a long TXT record is still copied as one line).
 */
export function fit(lines: readonly Line[], cols: number, whole = false): Line[] {
  const out: Line[] = [];
  for (const line of lines) {
    const lead = (line.indent ?? 0) + width(line.label ?? '');
    const room = Math.max(1, cols - lead);
    if (line.copy && whole) {
      out.push(line);
      continue;
    }
    if (!(line.wrap || line.copy) || width(line.text) <= room) {
      out.push({ ...line, text: clip(line.text, room) });
      continue;
    }
    wrap(line.text, room).forEach((text, i) =>
      out.push(i === 0 ? { ...line, text, wrap: false, copy: false } : { ...line, text, label: undefined, indent: lead, wrap: false, copy: false }),
    );
  }
  return out;
}

/** The visible slice of already-fitted lines, with the offset kept in range. */
export function slice(lines: readonly Line[], offset: number, height: number): { shown: Line[]; offset: number; max: number } {
  const max = Math.max(0, lines.length - height);
  const at = Math.min(Math.max(0, offset), max);
  return { shown: lines.slice(at, at + height), offset: at, max };
}
