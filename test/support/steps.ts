/**
 * Small real steps for engine tests: they write real files through the host and run real
 * commands (true, false, sleep); verification reads the disk.
 */
import type { AnyStep, Context, Finding, Step } from '../../src/engine/types.js';

/** Owns one file; verify passes when the file holds `content`. */
export function fileStep(id: string, path: string, content: string, extra: Partial<Step<string | null>> = {}): AnyStep {
  return {
    id,
    title: `file ${path}`,
    why: `keeps ${path} as wanted`,
    probe: (ctx: Context) => ctx.host.readFile(path),
    plan: (_ctx: Context, current: string | null) =>
      current === content ? { actions: [], reason: `${path} is as wanted` } : { actions: [{ type: 'writeFile', path, content, mode: 0o644 }] },
    verify: async (ctx: Context): Promise<Finding[]> => {
      const now = await ctx.host.readFile(path);
      return now === content
        ? [{ status: 'pass', check: `${id}.file`, summary: `${path} as wanted` }]
        : [{ status: 'fail', check: `${id}.file`, summary: `${path} is not as wanted`, evidence: now === null ? 'missing' : 'differs', fix: 'repair' }];
    },
    ...extra,
  };
}

/** Runs argv as its plan; verify passes when `marker` exists on the host. */
export function commandStep(id: string, argv: string[], marker: string, timeoutMs = 5000, needs?: string[]): AnyStep {
  return {
    id,
    title: `run ${argv[0]}`,
    why: 'runs a real command',
    ...(needs ? { needs } : {}),
    probe: async () => null,
    plan: () => ({ actions: [{ type: 'run', argv, timeoutMs }] }),
    verify: async (ctx: Context): Promise<Finding[]> =>
      (await ctx.host.stat(marker))
        ? [{ status: 'pass', check: `${id}.marker`, summary: `${marker} exists` }]
        : [{ status: 'fail', check: `${id}.marker`, summary: `${marker} is missing`, evidence: `no ${marker}`, fix: `create ${marker}` }],
  };
}
