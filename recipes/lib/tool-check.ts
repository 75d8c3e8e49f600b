/** A verification that runs a real tool and turns its exit status and output into a finding. */
import type { Context, Finding } from '../../src/engine/types.js';
import { describeFailure } from '../../src/host/host.js';

export interface ToolCheck {
  check: string;
  argv: string[];
  timeoutMs?: number;
  pass: string;
  fail: string;
  fix: string;
}

export async function runToolCheck(ctx: Context, spec: ToolCheck): Promise<Finding> {
  const result = await ctx.host.run(spec.argv, { timeoutMs: spec.timeoutMs ?? 30_000, readOnly: true });
  if (result.exitCode === 0) return { status: 'pass', check: spec.check, summary: spec.pass, evidence: `${spec.argv.join(' ')}: exit 0` };
  const fix = result.notFound ? `${spec.argv[0]} is not installed: run \`mail-wizard repair\` (packages step). ${spec.fix}` : spec.fix;
  return { status: 'fail', check: spec.check, summary: spec.fail, evidence: describeFailure(result), fix };
}
