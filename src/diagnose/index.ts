/**
 * Failures name their cause (design.md): every failed finding of a run is matched against this
 * catalogue. An entry whose text or check matches probes the host for its fact; the first that finds
 * it gives the finding its `cause` (plain words) and a concrete `fix`. A finding no entry explains
 * keeps what its step said.
 */
import type { Context, Finding } from '../engine/types.js';
import { acmeChallenge } from './acme.js';
import { certificateKey } from './certificate.js';
import { diskOrInodesFull } from './disk-full.js';
import { localhostResolvesOutward } from './localhost.js';
import { packageLocked } from './package-lock.js';
import { noPackageRepository } from './package-repository.js';
import { portHeld } from './port-holder.js';
import { readOnlyFileSystem } from './read-only.js';
import { resolverSilent } from './resolver.js';
import { recipientRefused } from './smtp-refused.js';
import { findingText, type Cause, type CauseEntry } from './types.js';

export type { Cause, CauseEntry } from './types.js';

/** In order: the most specific facts first (a full disk explains almost any failed write). */
export const CATALOGUE: readonly CauseEntry[] = [
  diskOrInodesFull,
  readOnlyFileSystem,
  packageLocked,
  noPackageRepository,
  // Before the resolver: a refused recipient is smtpd's answer, not a failed lookup.
  recipientRefused,
  resolverSilent,
  portHeld,
  acmeChallenge,
  certificateKey,
  localhostResolvesOutward,
];

/** The likely cause of one failed finding, or null when no entry's fact is there. */
export async function likelyCause(finding: Finding, ctx: Context, catalogue: readonly CauseEntry[] = CATALOGUE): Promise<Cause | null> {
  const text = findingText(finding);
  for (const entry of catalogue) {
    if (!entry.matches(finding, text)) continue;
    try {
      const cause = await entry.probe(ctx, finding, text);
      if (cause) return cause;
    } catch {
      // a probe that cannot look is not a cause
    }
  }
  return null;
}

/** The findings, each failed one with its likely cause and fix when the catalogue knows it. */
export async function diagnose(findings: Finding[], ctx: Context): Promise<Finding[]> {
  if (ctx.mode === 'dry-run' || ctx.host.kind === 'recorder' || !findings.some((f) => f.status === 'fail' && !f.cause)) return findings;
  const out: Finding[] = [];
  for (const f of findings) {
    const cause = f.status === 'fail' && !f.cause ? await likelyCause(f, ctx) : null;
    out.push(cause ? { ...f, cause: cause.cause, fix: cause.fix } : f);
  }
  return out;
}
