/** Builds the context every step receives. */
import { randomBytes } from 'node:crypto';
import type { Answers } from '../answers/schema.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import { RunState } from './journal.js';
import type { Context, DnsSettings, Facts, Mode, RemovalPolicy } from './types.js';

export interface ContextInit {
  answers: Answers;
  platform: Platform;
  host: Host;
  mode: Mode;
  facts: Facts;
  runId?: string;
  dns?: DnsSettings;
  removals?: RemovalPolicy;
  /** The run state read from the host; without it, an empty one kept in memory. */
  state?: RunState;
  /** Passwords to set (users step), in memory only. */
  passwords?: ReadonlyMap<string, string>;
}

export function createContext(init: ContextInit): Context {
  return {
    ...init,
    changed: new Set(init.state?.changed ?? []),
    state: init.state ?? RunState.inMemory(),
    runId: init.runId ?? randomBytes(6).toString('hex'),
    dns: init.dns ?? { nameservers: [], offline: false },
    removals: init.removals ?? { allowed: [], ask: false },
  };
}
