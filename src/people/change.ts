/**
 * What `user` and `alias` share: the answers file to edit (it must exist: it is the single source
 * of truth), a change validated as the whole file is, saved atomically with the old file kept, and
 * then the affected steps only, walked by the same runner as setup.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ANSWERS_PATH, InputError, loadAnswers, saveAnswers } from '../answers/load.js';
import type { Answers } from '../answers/schema.js';
import { validateAnswers } from '../answers/validate.js';
import type { AnyStep } from '../engine/types.js';
import { lockPath, resolveTarget, type CommonOptions, type Target } from '../commands/options.js';
import { acquireLock, LockedError } from '../engine/lock.js';
import type { Io } from '../commands/run.js';

export interface Editing {
  file: string;
  answers: Answers;
}

export async function answersToEdit(opts: CommonOptions, command: string): Promise<Editing> {
  if (opts.demo) throw new InputError([`${command}: --demo has no answers file to change; give --answers FILE`]);
  const file = opts.answers ?? (opts.root ? path.join(path.resolve(opts.root), DEFAULT_ANSWERS_PATH) : DEFAULT_ANSWERS_PATH);
  if (!fs.existsSync(file)) throw new InputError([`${command}: ${file} does not exist: run \`mail-wizard setup\` first, or give --answers FILE`]);
  return { file, answers: await loadAnswers(file) };
}

/** The changed answers, checked as a whole file would be: one line per problem, nothing saved. */
export function checked(next: unknown, command: string): Answers {
  const result = validateAnswers(next);
  if (!result.ok) throw new InputError(result.errors.map((e) => `${command}: ${e}`));
  return result.answers;
}

/** The host and platform the change is for (read before anything is saved, to refuse collisions). */
export function targetFor(opts: CommonOptions, answers: Answers): Promise<Target> {
  return resolveTarget(opts, 'setup', answers);
}

export interface Change {
  editing: Editing;
  next: Answers;
  steps: AnyStep[];
  passwords?: ReadonlyMap<string, string>;
  /** One line saying what changed, on standard error (standard output is the run's, JSON with --json). */
  note: string;
}

/**
 * Saves the answers (FILE.bak keeps the old ones), then walks the affected steps as setup does.
 * The command line is the admin's yes: nothing more is asked, and a hand-edited file of ours is
 * left alone (as with --yes).
 */
export async function applyChange(opts: CommonOptions, io: Io, change: Change): Promise<number> {
  const { file } = change.editing;
  // The lock first: a change saved while another run holds it would wait unapplied.
  let release: () => Promise<void>;
  try {
    release = await acquireLock(lockPath(opts));
  } catch (err) {
    if (err instanceof LockedError) throw new InputError([err.message]);
    throw err;
  }
  try {
    // Read again under the lock: another command may have changed the file since it was checked.
    const now = await loadAnswers(file);
    if (JSON.stringify(now) !== JSON.stringify(change.editing.answers)) throw new InputError([`${file} changed while this command ran; run it again`]);
    await saveAnswers(file, change.next, { backup: true });
    process.stderr.write(`mail-wizard: ${change.note}; ${file} saved (the previous one is ${file}.bak)\n`);
    const { runCommand } = await import('../commands/run.js');
    return await runCommand(
      {
        ...opts,
        answers: file,
        demo: false,
        yes: true,
        locked: true,
        mode: 'setup',
        format: 'text',
        steps: change.steps,
        ...(change.passwords ? { passwords: change.passwords } : {}),
      },
      io,
    );
  } finally {
    await release();
  }
}

/** For `list --json` and plain: one object, or aligned lines. */
export function printList(io: Io, json: boolean, data: unknown, lines: string[]): number {
  if (json) io.out(JSON.stringify(data, null, 2));
  else for (const line of lines) io.out(line);
  return 0;
}
