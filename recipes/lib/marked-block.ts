/**
 * Files that are not only ours (/etc/hosts, the aliases table, daily.local, httpd.conf,
 * acme-client.conf): we own one marked block and nothing else.
 *
 *   # BEGIN mail-wizard: <what it is for>
 *   ...our lines...
 *   # END mail-wizard
 *
 * The block is replaced in place when it is there, appended when it is not. A line of the admin's
 * that contradicts the block (a second `postmaster:` alias, `localhost` on a public address) is
 * commented out with a note saying why, never deleted: the admin can see it and take it back.
 * Rendering is idempotent (render(render(x)) === render(x)), so "as written" is a plain compare.
 *
 * A file may hold more than one block of ours when each is for another command (daily.local: the
 * certificate renewal, and `watch`'s daily report): a named block's markers carry its name,
 * `# BEGIN mail-wizard watch: ...` / `# END mail-wizard watch`, and each block ignores the others.
 */

import { BLOCK_BEGIN, BLOCK_END } from '../../src/engine/owned-part.js';

export { BLOCK_BEGIN, BLOCK_END };

export interface BlockSpec {
  /** One line saying what the block is for (shown after BEGIN). */
  what: string;
  /** Another block of ours in the same file (see above); none: the file's main block. */
  name?: string;
  /** The lines between the markers. */
  lines: string[];
  /** A line outside the block that contradicts it: returns why, and the line is commented out. */
  conflict?: (line: string) => string | null;
}

interface Split {
  before: string[];
  block: string[] | null;
  after: string[];
}

function toLines(content: string | null): string[] {
  const lines = (content ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function markers(name?: string): { begin: string; end: string } {
  return name ? { begin: `${BLOCK_BEGIN} ${name}`, end: `${BLOCK_END} ${name}` } : { begin: BLOCK_BEGIN, end: BLOCK_END };
}

/** The file cut at our markers (a BEGIN without an END counts as a one-line block: nothing of the admin's is swallowed). */
function split(content: string | null, name?: string): Split {
  const lines = toLines(content);
  const m = markers(name);
  const begin = lines.findIndex((l) => l === m.begin || l.startsWith(`${m.begin}:`));
  if (begin < 0) return { before: lines, block: null, after: [] };
  const end = lines.findIndex((l, i) => i > begin && l.trimEnd() === m.end);
  const last = end < 0 ? begin : end;
  return { before: lines.slice(0, begin), block: lines.slice(begin + 1, end < 0 ? begin + 1 : end), after: lines.slice(last + 1) };
}

/** The lines of the file outside our block (what the admin owns). */
export function outsideBlock(content: string | null, name?: string): string[] {
  const { before, after } = split(content, name);
  return [...before, ...after];
}

/** The lines inside our block, or null when the file has none. */
export function insideBlock(content: string | null, name?: string): string[] | null {
  return split(content, name).block;
}

/** The file without our block of that name (null when nothing else is left in it). */
export function withoutBlock(content: string | null, name?: string): string | null {
  const { before, block, after } = split(content, name);
  if (block === null) return content;
  const rest = [...before, ...after];
  while (rest.length > 0 && rest[rest.length - 1]!.trim() === '') rest.pop();
  return rest.length > 0 ? `${rest.join('\n')}\n` : null;
}

/** The commented-out form of an admin's line that our block overrides. */
export function disabledLine(line: string, why: string): string {
  return `#${line}\t# disabled by mail-wizard: ${why}`;
}

/** The file with our block set to spec.lines; every other line kept (conflicting ones commented out). */
export function withBlock(content: string | null, spec: BlockSpec): string {
  const { before, block, after } = split(content, spec.name);
  const keep = (line: string): string => {
    const why = spec.conflict?.(line);
    return why ? disabledLine(line, why) : line;
  };
  const m = markers(spec.name);
  const ours = [`${m.begin}: ${spec.what}`, ...spec.lines, m.end];
  if (block === null) {
    const head = before.map(keep);
    while (head.length > 0 && head[head.length - 1]!.trim() === '') head.pop();
    return `${[...head, ...(head.length > 0 ? [''] : []), ...ours].join('\n')}\n`;
  }
  return `${[...before.map(keep), ...ours, ...after.map(keep)].join('\n')}\n`;
}
