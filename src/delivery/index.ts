/**
 * `check delivery`: the server as a receiver (Gmail, Outlook) sees it on the wire. One check per
 * family, each in its own file; this registry runs them all in parallel under one time budget.
 * Every probe of the server (banners, TLS handshakes, the box's resolver, outbound 25) goes
 * through the Host (`host.connect`, `host.resolve`), so `--root` and a host reached another way
 * probe the target, not the machine the wizard runs on.
 */
import { setMaxListeners } from 'node:events';
import type { Answers } from '../answers/schema.js';
import type { Facts, Finding, FindingStatus } from '../engine/types.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import type { QueryResult } from '../dns/client.js';
import type { RecordType } from '../dns/records.js';
import { bannerCheck } from './banner.js';
import { blocklistCheck } from './blocklist.js';
import { ipv6PtrCheck } from './ipv6-ptr.js';
import { outboundCheck } from './outbound.js';
import { resolverCheck } from './resolver.js';
import { TLS_CHECKS } from './tls.js';
import { verdictDeliveryCheck } from './verdict.js';

/** A place to connect to: `--probe HOST[:PORT]`. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Public DNS as a receiver sees it: the `--nameserver` servers, else the box's own resolver. */
export interface DnsView {
  ask(name: string, type: RecordType): Promise<QueryResult>;
  /** Says where the answers came from, for evidence ("the box's resolver", "192.0.2.53:5353"). */
  readonly label: string;
}

export interface DeliveryContext {
  answers: Answers;
  platform: Platform;
  facts: Facts;
  /** Every probe of the server goes through it. */
  host: Host;
  dns: DnsView;
  /** `--nameserver` as given (HOST[:PORT]): for a check that asks the authoritative servers itself. */
  nameservers: readonly string[];
  /** outbound-25: where to try a connection on port 25 (`--probe`). */
  probes: Endpoint[];
  /** blocklist: IP lists (`--dnsbl`) and domain lists (`--dnsbl-domain`). */
  dnsbl: string[];
  dnsblDomain: string[];
  /** Ends with the time budget: every probe listens to it. */
  signal: AbortSignal;
  /** How long one connection may take (never more than the budget). */
  connectTimeoutMs: number;
}

export interface DeliveryCheck {
  id: string;
  /** Findings whose `check` is this id (several when the check looks at several things). */
  run(ctx: DeliveryContext): Promise<Finding | Finding[]>;
  /** The check sends a real message: `check` runs it only when asked (--send-test). */
  sendsMail?: boolean;
}

/**
 * The checks in the order they are shown. A new check is one line here: an object with its id and
 * a `run(ctx)` that returns its finding(s); the registry sets `id`/`check` on each. The `verdict`
 * check (src/delivery/verdict.ts) goes last: `{ id: 'verdict', run: (ctx) => verdict(ctx) }`.
 */
export const DELIVERY_CHECKS: readonly DeliveryCheck[] = [
  resolverCheck,
  outboundCheck,
  blocklistCheck,
  ...TLS_CHECKS,
  bannerCheck,
  ipv6PtrCheck,
  verdictDeliveryCheck(),
];

export interface DeliveryResult extends Finding {
  id: string;
}

export interface DeliveryReport {
  checks: DeliveryResult[];
  elapsedMs: number;
}

export interface RunDeliveryOptions extends Omit<DeliveryContext, 'signal' | 'connectTimeoutMs'> {
  /** The whole run's budget in ms (default 30000). */
  timeoutMs?: number;
  checks?: readonly DeliveryCheck[];
}

export const DEFAULT_BUDGET_MS = 30_000;

/** Runs every check at once; a check that throws (a bug) shows as a warning, never hides the others. */
export async function runDeliveryChecks(opts: RunDeliveryOptions): Promise<DeliveryReport> {
  const started = performance.now();
  const budget = opts.timeoutMs ?? DEFAULT_BUDGET_MS;
  const ctrl = new AbortController();
  setMaxListeners(0, ctrl.signal);
  const timer = setTimeout(() => ctrl.abort(), budget);
  const ctx: DeliveryContext = { ...opts, signal: ctrl.signal, connectTimeoutMs: Math.min(10_000, budget) };
  try {
    const per = await Promise.all(
      (opts.checks ?? DELIVERY_CHECKS).map(async (c): Promise<DeliveryResult[]> => {
        try {
          const out = await c.run(ctx);
          return (Array.isArray(out) ? out : [out]).map((f) => ({ ...f, id: c.id, check: c.id }));
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          return [{ id: c.id, check: c.id, status: 'warn', summary: `the check failed internally: ${msg}` }];
        }
      }),
    );
    return { checks: per.flat(), elapsedMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

export function worstOf(checks: readonly Pick<Finding, 'status'>[]): FindingStatus {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  return checks.some((c) => c.status === 'warn') ? 'warn' : 'pass';
}
