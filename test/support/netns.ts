/**
 * A network namespace of a test's own (`ip netns add`), for commands whose effect must outlast one
 * command: a firewall loaded by one `nft` and read back by the next. Nothing in it reaches this
 * machine's own firewall or network.
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { execArgv } from '../../src/host/exec.js';
import type { RunOptions, RunResult } from '../../src/host/host.js';

export interface Netns {
  name: string;
  exec(argv: string[], options: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export async function netns(): Promise<Netns> {
  const name = `mw-test-${randomBytes(4).toString('hex')}`;
  await execa('ip', ['netns', 'add', name]);
  await execa('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return {
    name,
    exec: (argv, options) => execArgv(['ip', 'netns', 'exec', name, ...argv], options),
    cleanup: async () => {
      // Processes left in it (a revert timer a test did not stop) go with it.
      const pids = await execa('ip', ['netns', 'pids', name], { reject: false });
      for (const pid of pids.stdout.split('\n').filter(Boolean)) await execa('kill', ['-KILL', pid], { reject: false });
      await execa('ip', ['netns', 'del', name], { reject: false });
    },
  };
}
