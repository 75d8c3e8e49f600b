/** Runs the built CLI (dist/, made by `npm test`'s build step) as a user would, without a TTY. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

export async function cli(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const result = await execa('node', [CLI, ...args], { reject: false, cwd: options.cwd, input: options.input ?? '', env: options.env, timeout: 60_000 });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}
