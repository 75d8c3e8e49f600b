/**
 * Runs one command with execa: an argument array (never a shell string), a timeout on every
 * command, and a result instead of an exception for "failed", "timed out" and "not found".
 */
import type { RunOptions, RunResult } from './host.js';

export async function execArgv(argv: string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('execArgv: empty argv');
  // Loaded on the first command: a dry-run of the demo or a DNS check never runs one.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    reject: false,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 2000,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    env: options.env,
    extendEnv: true,
    stripFinalNewline: false,
  });
  // An init script that starts a daemon returns while the daemon keeps the script's stdout/stderr
  // open (Dovecot and Rspamd on Debian do): wait for the command itself, not for end-of-file.
  child.on('exit', () => {
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, 200).unref();
  });
  if (options.onOutput) {
    const forward = (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8'));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
  }
  const result = await child;
  const notFound = result.code === 'ENOENT';
  return {
    argv,
    exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: notFound ? `${file}: command not found` : typeof result.stderr === 'string' ? result.stderr : '',
    timedOut: Boolean(result.timedOut),
    notFound,
  };
}
