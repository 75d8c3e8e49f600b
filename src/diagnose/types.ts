/**
 * The catalogue of known failure causes: each entry says when it may apply (what the tools print,
 * which check failed) and probes the host for the fact that makes it the likely cause.
 */
import type { Context, Finding } from '../engine/types.js';

/** A named cause: what is wrong, in plain words, and a fix a person can carry out. */
export interface Cause {
  /** Stable id of the catalogue entry ("resolver-silent"). */
  id: string;
  cause: string;
  fix: string;
}

export interface CauseEntry {
  id: string;
  /** Cheap: could this failure be ours to explain? (text of the finding, its check id). */
  matches(finding: Finding, text: string): boolean;
  /** Looks at the host; null when the fact is not there (the cause is not this one). */
  probe(ctx: Context, finding: Finding, text: string): Promise<Cause | null>;
}

/** Everything a finding says, as one string for the matchers. */
export function findingText(f: Finding): string {
  return [f.summary, f.evidence ?? ''].join('\n');
}

/** The check ids of the services step that prove a daemon or a port. */
export function checkIs(f: Finding, ...prefixes: string[]): boolean {
  return prefixes.some((p) => f.check === p || f.check.startsWith(`${p}.`) || f.check.startsWith(`${p}-`));
}
