/** Whether a daemon runs and starts at boot, asked the way the platform can answer reliably. */
import type { Context } from '../../src/engine/types.js';
import { describeFailure } from '../../src/host/host.js';
import type { Daemon } from '../../src/platform/types.js';

export interface DaemonCheck {
  ok: boolean;
  /** What was seen, for a finding. */
  evidence: string;
}

export async function daemonRunning(ctx: Context, daemon: Daemon): Promise<DaemonCheck> {
  const how = ctx.platform.serviceCheck(daemon, ctx.facts);
  if ('argv' in how) {
    const result = await ctx.host.run(how.argv, { timeoutMs: 15_000, readOnly: true });
    return { ok: result.exitCode === 0, evidence: result.exitCode === 0 ? `${how.argv.join(' ')}: exit 0` : describeFailure(result) };
  }
  const text = await ctx.host.readFile(how.pidFile);
  const pid = text === null ? NaN : Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return { ok: false, evidence: text === null ? `no pid file ${how.pidFile}` : `${how.pidFile} holds no pid` };
  const alive = await ctx.host.run(['kill', '-0', String(pid)], { timeoutMs: 5000, readOnly: true });
  return alive.exitCode === 0 ? { ok: true, evidence: `pid ${pid} (${how.pidFile}) runs` } : { ok: false, evidence: `pid ${pid} from ${how.pidFile} is not running` };
}

export async function daemonEnabled(ctx: Context, daemon: Daemon): Promise<boolean> {
  const how = ctx.platform.serviceEnabledCheck(daemon, ctx.facts);
  if ('argv' in how) return (await ctx.host.run(how.argv, { timeoutMs: 15_000, readOnly: true })).exitCode === 0;
  const links = (await ctx.host.listDir(how.rcDir)) ?? [];
  const escaped = how.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return links.some((l) => new RegExp(`^S\\d\\d${escaped}$`).test(l));
}
