/**
 * The runner's hook into the catalogue. The catalogue (and the DNS client its probes use) loads
 * only when something failed: a plan, or a run where everything passes, never evaluates it.
 */
import type { Context, Finding } from '../engine/types.js';

export async function diagnose(findings: Finding[], ctx: Context): Promise<Finding[]> {
  if (!findings.some((f) => f.status === 'fail' && !f.cause)) return findings;
  const catalogue = await import('./index.js');
  return catalogue.diagnose(findings, ctx);
}
