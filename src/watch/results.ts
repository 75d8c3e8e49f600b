/**
 * What one `watch run` saw, by check, and what changed since the last run. A check is one finding
 * id of one source (`steps/services.rspamd`, `dns/dkim`); its status is the worst of its findings,
 * and its problems are the findings that did not pass, each with its fix. Pure: the diff is
 * unit-tested without a machine.
 */
import type { Finding, FindingStatus } from '../engine/types.js';

export interface Problem {
  status: Exclude<FindingStatus, 'pass'>;
  summary: string;
  fix?: string;
  cause?: string;
}

export interface CheckResult {
  /** `source/check`, stable across runs. */
  key: string;
  status: FindingStatus;
  /** Findings that did not pass (empty when it passes). */
  problems: Problem[];
}

export type Results = Record<string, CheckResult>;

const RANK: Record<FindingStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** The findings of one source, grouped into checks. */
export function collect(source: string, findings: readonly Finding[], into: Results = {}): Results {
  for (const f of findings) {
    const key = `${source}/${f.check}`;
    const r = (into[key] ??= { key, status: 'pass', problems: [] });
    if (RANK[f.status] > RANK[r.status]) r.status = f.status;
    if (f.status !== 'pass') {
      const p: Problem = { status: f.status, summary: f.summary };
      if (f.fix) p.fix = f.fix;
      if (f.cause) p.cause = f.cause;
      if (!r.problems.some((q) => q.status === p.status && q.summary === p.summary)) r.problems.push(p);
    }
  }
  return into;
}

export interface Changes {
  /** Failing or warning now, and passing (or not there) last time, or worse than last time. */
  appeared: CheckResult[];
  /** Still not passing, at the same status, with other problems than last time. */
  changed: CheckResult[];
  /** Not passing last time, passing (or gone) now; with what it was. */
  fixed: CheckResult[];
  /** Not passing, as last time. */
  still: CheckResult[];
  /** Nothing to tell: no last run is something to tell (the whole report). */
  none: boolean;
}

const problemSet = (r: CheckResult): string => JSON.stringify(r.problems.map((p) => `${p.status} ${p.summary}`).sort());

/** What changed from `before` (null: there was no last run) to `now`. */
export function diff(before: Results | null, now: Results): Changes {
  const out: Changes = { appeared: [], changed: [], fixed: [], still: [], none: false };
  for (const r of Object.values(now)) {
    if (r.status === 'pass') continue;
    const b = before?.[r.key];
    if (!b || RANK[r.status] > RANK[b.status]) out.appeared.push(r);
    else if (problemSet(r) !== problemSet(b)) out.changed.push(r);
    else out.still.push(r);
  }
  for (const b of Object.values(before ?? {})) {
    if (b.status !== 'pass' && (now[b.key]?.status ?? 'pass') === 'pass') out.fixed.push(b);
  }
  out.none = before !== null && out.appeared.length === 0 && out.changed.length === 0 && out.fixed.length === 0;
  return out;
}
