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
