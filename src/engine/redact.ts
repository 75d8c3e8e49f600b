/**
 * Secrets stay out of everything that shows or keeps an action: a run action marked `secret`
 * carries its input to the command only. What listeners get (the Ink checklist, plain lines,
 * JSON events, `plan --format json|sh`) is a copy with the input replaced.
 */
import type { PlannedAction } from './events.js';
import type { Action } from './types.js';

export const SECRET_INPUT = '(secret: given on standard input, not shown)';

export function redactAction(action: Action): Action {
  return action.type === 'run' && action.secret && action.input !== undefined ? { ...action, input: SECRET_INPUT } : action;
}

export function redactPlanned(planned: PlannedAction): PlannedAction {
  const action = redactAction(planned.action);
  return action === planned.action ? planned : { ...planned, action };
}

/**
 * A secret action's own words about itself (a failure line) with the secret taken out: each line
 * of the input, and what follows a `user:` prefix on it (chpasswd's form), are replaced.
 */
export function scrubSecret(action: Action, text: string | undefined): string | undefined {
  if (text === undefined || action.type !== 'run' || !action.secret || !action.input) return text;
  const pieces = action.input
    .split('\n')
    .flatMap((line) => [line, line.slice(line.indexOf(':') + 1)])
    .filter((piece) => piece.length > 0)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const piece of pieces) out = out.split(piece).join('(secret)');
  return out;
}

export function isSecret(action: Action): boolean {
  return action.type === 'run' && Boolean(action.secret);
}
