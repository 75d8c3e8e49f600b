/**
 * A step that writes a set of config files and verifies them with the daemon's own checker
 * (smtpd -n, doveconf -n, rspamadm configtest).
 */
import type { Action, Context, Step } from '../../src/engine/types.js';
import { planFiles, probeFiles, verifyFiles, type FileState, type ManagedFile } from './managed-files.js';
import { runToolCheck, type ToolCheck } from './tool-check.js';

export interface ConfigStepSpec {
  id: string;
  title: string;
  why: string;
  needs?: string[];
  /** Runs before the files are rendered (e.g. to read the daemon's version into ctx.facts). */
  beforeRender?: (ctx: Context) => Promise<void>;
  files: (ctx: Context) => Promise<ManagedFile[]> | ManagedFile[];
  /** Actions after the files are written (compile sieve scripts, ...), when a file changed. */
  after?: (ctx: Context, changed: string[]) => Action[];
  toolCheck?: (ctx: Context) => ToolCheck;
  upToDate: string;
}

export function configStep(spec: ConfigStepSpec): Step<FileState[]> {
  return {
    id: spec.id,
    title: spec.title,
    why: spec.why,
    ...(spec.needs ? { needs: spec.needs } : {}),
    async probe(ctx) {
      await spec.beforeRender?.(ctx);
      const states = await probeFiles(ctx, await spec.files(ctx));
      for (const s of states) if (s.current === s.file.content) ctx.state.adopt(s.file.path, s.current);
      return states;
    },
    plan(ctx, states) {
      const writes = planFiles(states);
      // An earlier run stopped inside this step: its files may be right while what comes after
      // them (loading the firewall, compiling sieve scripts) never ran. Do that part again.
      const unfinished = ctx.state.unfinished.includes(spec.id);
      if (writes.length === 0 && !unfinished) return { actions: [], reason: spec.upToDate };
      const afterPaths = unfinished ? states.map((s) => s.file.path) : writes.map((w) => w.path);
      const actions = [...writes, ...(spec.after?.(ctx, afterPaths) ?? [])];
      return actions.length ? { actions } : { actions, reason: spec.upToDate };
    },
    async verify(ctx) {
      await spec.beforeRender?.(ctx);
      const findings = await verifyFiles(ctx, `${spec.id}.files`, await spec.files(ctx));
      if (spec.toolCheck) findings.push(await runToolCheck(ctx, spec.toolCheck(ctx)));
      return findings;
    },
  };
}
