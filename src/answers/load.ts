/** Reading and writing the answers file. Problems come back as lines, never as a stack trace. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readFileBounded, type BoundedRead } from '../host/bounded.js';
import type { Answers } from './schema.js';
import { InputError } from './input-error.js';
import { show, validateAnswers } from './validate.js';

export const DEFAULT_ANSWERS_PATH = '/etc/mail-wizard.json';

export { InputError };

/** An answers file is a few hundred bytes; past this it is not one. */
export const MAX_ANSWERS_BYTES = 64 * 1024;
/** The answers object is level 1, tls's object level 2: deeper is not an answers file. */
const MAX_DEPTH = 3;
/** One line per problem, but not thousands of them. */
const MAX_LINES = 20;
const MAX_LINE_CHARS = 200;

export async function loadAnswers(file: string): Promise<Answers> {
  // Bounded like any file a person hands us: a FIFO or /dev/zero named by mistake must not hang.
  const read = await readFileBounded(file, { maxBytes: MAX_ANSWERS_BYTES, timeoutMs: 10_000, within: '/' });
  if (!read.ok) throw new InputError([`${file}: ${unreadable(read.reason)}`]);
  let raw: unknown;
  try {
    raw = JSON.parse(read.text.replace(/^\uFEFF/, ''));
  } catch {
    throw new InputError([`${file}: not valid JSON${where(read.text)}`]);
  }
  const longKey = typeof raw === 'object' && raw !== null ? Object.keys(raw).find((k) => k.length > 64) : undefined;
  if (longKey !== undefined) throw new InputError([`${file}: ${show(longKey)} is not a field of the answers (a name of ${longKey.length} characters)`]);
  const tooDeep = deepestField(raw);
  if (tooDeep) throw new InputError([`${file}: ${tooDeep}: nested too deeply (an answer is a value, a list of names, or for tls one object)`]);
  const result = validateAnswers(raw);
  if (!result.ok) throw new InputError(capped(result.errors.map((e) => `${file}: ${e}`)));
  return result.answers;
}

function unreadable(reason: Extract<BoundedRead, { ok: false }>['reason']): string {
  switch (reason) {
    case 'missing':
      return 'no such answers file (run without --answers to be asked, or try --demo)';
    case 'too big':
      return `larger than ${MAX_ANSWERS_BYTES / 1024} KiB: not an answers file (see the README for the fields)`;
    case 'not a regular file':
      return 'not a regular file (a directory, a device or a pipe): give the path of the answers JSON file';
    case 'timed out':
      return 'could not be read in time';
    default:
      return 'cannot be read (check its permissions)';
  }
}

/**
 * Where the JSON goes wrong, as a line and column (the parser's own message is not for people, and
 * often names no position). A prefix that could still become valid JSON fails only at its end
 * ("Unexpected end", or a position equal to its length); once a prefix cannot, no longer one can: a binary search finds the first bad character.
 */
function where(text: string): string {
  if (text.trim() === '') return ' (the file is empty)';
  const viable = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : '';
      const at = /position (\d+)/.exec(message)?.[1];
      return /Unexpected end of JSON input|Unterminated/.test(message) || Number(at) === n;
    }
  };
  let low = 0; // viable
  let high = text.length; // not viable (the whole text failed)
  if (viable(high)) return ' (it ends too early)';
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (viable(mid)) low = mid;
    else high = mid;
  }
  const before = text.slice(0, high - 1);
  const line = before.split('\n').length;
  const column = high - 1 - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/**
 * The first top-level field whose value nests deeper than an answer can, or null. Walks with a stack
 * of its own (no recursion), and stops at the first field past the limit.
 */
export function deepestField(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  for (const [key, value] of Object.entries(raw)) {
    const stack: [unknown, number][] = [[value, 2]];
    while (stack.length) {
      const [v, depth] = stack.pop()!;
      if (typeof v !== 'object' || v === null) continue;
      if (depth > MAX_DEPTH) return key.length > 40 ? `${JSON.stringify(key.slice(0, 37))}...` : JSON.stringify(key);
      for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
  }
  return null;
}

function capped(lines: string[]): string[] {
  const cut = lines.map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS - 3)}...` : l));
  return cut.length > MAX_LINES ? [...cut.slice(0, MAX_LINES), `... and ${cut.length - MAX_LINES} more problems`] : cut;
}

/**
 * Saves atomically with mode 0600 (the answers name users and addresses, nothing secret); with
 * `backup`, the file it replaces is kept first as FILE.bak (what `user`/`alias` changed, undoable).
 */
export async function saveAnswers(file: string, answers: Answers, options: { backup?: boolean } = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (options.backup) {
    const previous = await fs.readFile(file).catch(() => null);
    if (previous !== null) await writeAtomically(`${file}.bak`, previous);
  }
  await writeAtomically(file, `${JSON.stringify(answers, null, 2)}\n`);
}

async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}
