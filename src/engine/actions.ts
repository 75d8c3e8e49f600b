/**
 * Actions as data: how each one is described, diffed and carried out through the Host.
 */
import { createTwoFilesPatch } from 'diff';
import { generateRsaKeyPair } from '../dkim/keys.js';
import { describeFailure, type Host } from '../host/host.js';
import type { PlannedAction } from './events.js';
import type { RunState } from './journal.js';
import type { Action, FileMeta } from './types.js';

export function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function ownership(meta: FileMeta): string {
  const who = [meta.owner, meta.group].filter(Boolean).join(':');
  return who ? `${octal(meta.mode)} ${who}` : octal(meta.mode);
}

/** One line for a checklist or a log. */
export function describeAction(action: Action): string {
  switch (action.type) {
    case 'writeFile':
      return `write ${action.path} (${ownership(action)})`;
    case 'mkdir':
      return `create directory ${action.path} (${ownership(action)})`;
    case 'packages':
      return `run ${action.argv.join(' ')}${action.removes?.length ? ` (removes ${action.removes.join(', ')})` : ''}`;
    case 'run':
    case 'service':
    case 'user':
      return `run ${action.argv.join(' ')}`;
    case 'generateKey':
      return `generate a ${action.bits}-bit RSA key ${action.path} (${ownership(action)})${action.publicPath ? `, public half ${action.publicPath}` : ''}`;
    case 'selfSignedCert':
      return `create a self-signed certificate ${action.certPath} for ${[action.hostname, ...action.altNames].join(', ')} (${action.days} days)`;
    case 'confirm':
      return `ask: ${action.question} (${Math.round(action.timeoutMs / 1000)} s to answer)`;
    case 'manual':
      return `you: ${action.title}`;
  }
}

/** Unified diff from the current file (empty for a new one) to the planned content. */
export function fileDiff(path: string, current: string | null, next: string): string {
  return createTwoFilesPatch(current === null ? '/dev/null' : path, path, current ?? '', next, '', '', { context: 3 });
}

/**
 * Describes each action and, for file writes, diffs against what the host has now; with the run
 * state, marks a write that would replace a hand edit in a file of ours.
 */
export async function prepareActions(actions: Action[], host: Host, state?: RunState): Promise<PlannedAction[]> {
  return Promise.all(
    actions.map(async (action): Promise<PlannedAction> => {
      const planned: PlannedAction = { action, describe: describeAction(action) };
      if (action.type === 'writeFile') {
        const current = await host.readFile(action.path);
        planned.diff = fileDiff(action.path, current, action.content);
        planned.replaces = current !== null && current !== action.content;
        if (planned.replaces && current !== null && state?.origin(action.path, current) === 'edited') planned.handEdited = true;
      }
      return planned;
    }),
  );
}

export interface ActionOutcome {
  ok: boolean;
  /** Why it failed, in one line (the tool's own error line when there is one). */
  detail?: string;
  backup?: string;
}

/** Carries out one action; never throws for an expected failure (bad exit, timeout, missing tool). */
export async function applyAction(action: Action, host: Host, onOutput?: (chunk: string) => void): Promise<ActionOutcome> {
  switch (action.type) {
    case 'writeFile': {
      const { backup } = await host.writeFile(action.path, action.content, action);
      return backup ? { ok: true, backup } : { ok: true };
    }
    case 'mkdir':
      await host.mkdir(action.path, action);
      return { ok: true };
    case 'run':
    case 'service':
    case 'packages':
    case 'user': {
      const result = await host.run(action.argv, {
        timeoutMs: action.timeoutMs,
        input: action.type === 'run' ? action.input : undefined,
        env: action.type === 'run' || action.type === 'packages' ? action.env : undefined,
        onOutput,
      });
      const okCodes = action.type === 'run' ? (action.okExitCodes ?? [0]) : [0];
      const lacking = action.type === 'run' ? (action.expectOutput ?? []).filter((piece) => !result.stdout.includes(piece)) : [];
      if (result.exitCode !== null && okCodes.includes(result.exitCode) && lacking.length) {
        return { ok: false, detail: `${action.argv.join(' ')}: the output lacks ${lacking.map((l) => JSON.stringify(l)).join(', ')}` };
      }
      if (result.exitCode !== null && okCodes.includes(result.exitCode)) return { ok: true };
      if (result.recorded) return { ok: true };
      return { ok: false, detail: describeFailure(result) };
    }
    case 'generateKey': {
      const pair = await generateRsaKeyPair(action.bits);
      await host.writeFile(action.path, pair.privateKeyPem, action);
      if (action.publicPath) {
        await host.writeFile(action.publicPath, pair.publicKeyPem, { mode: 0o644, owner: action.owner, group: action.group });
      }
      return { ok: true };
    }
    case 'selfSignedCert': {
      // certificate.ts brings node-forge: loaded by this action, not by every plan.
      const { selfSignedCertificatePem } = await import('../tls/certificate.js');
      let keyPem = await host.readFile(action.keyPath);
      if (keyPem === null) {
        keyPem = (await generateRsaKeyPair(2048)).privateKeyPem;
        await host.writeFile(action.keyPath, keyPem, { mode: 0o600, owner: 'root' });
      }
      const certPem = selfSignedCertificatePem(keyPem, action.hostname, action.altNames, action.days);
      const { backup } = await host.writeFile(action.certPath, certPem, { mode: 0o644, owner: 'root' });
      return backup ? { ok: true, backup } : { ok: true };
    }
    case 'manual':
      return { ok: true };
    case 'confirm':
      // The runner asks (it has the person); here, with nobody to ask, it is kept.
      return { ok: true };
  }
}
