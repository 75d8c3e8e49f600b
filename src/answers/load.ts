/** Reading and writing the answers file. Problems come back as lines, never as a stack trace. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Answers } from './schema.js';
import { InputError } from './input-error.js';
import { validateAnswers } from './validate.js';

export const DEFAULT_ANSWERS_PATH = '/etc/mail-wizard.json';

export { InputError };

export async function loadAnswers(file: string): Promise<Answers> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([code === 'ENOENT' ? `${file}: no such answers file (run without --answers to be asked, or try --demo)` : `${file}: cannot read: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError([`${file}: not valid JSON: ${(err as Error).message}`]);
  }
  const result = validateAnswers(raw);
  if (!result.ok) throw new InputError(result.errors.map((e) => `${file}: ${e}`));
  return result.answers;
}

/** Saves atomically with mode 0600 (the answers name users and addresses, nothing secret). */
export async function saveAnswers(file: string, answers: Answers): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `${JSON.stringify(answers, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}
