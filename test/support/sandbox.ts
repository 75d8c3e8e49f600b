/**
 * A sandbox for recipe tests: this machine's real tools, every platform path under a temp root,
 * and every command run inside `unshare --net` (loopback only), so that a tool that wants the
 * network (rspamadm resolving its fuzzy servers) cannot send a packet off the machine.
 */
import * as fs from 'node:fs/promises';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import type { Answers } from '../../src/answers/schema.js';
import { createContext } from '../../src/engine/context.js';
import type { Context, Facts, Mode } from '../../src/engine/types.js';
import { execArgv } from '../../src/host/exec.js';
import { FsHost } from '../../src/host/fs-host.js';
import { debian } from '../../src/platform/debian.js';
import type { Platform } from '../../src/platform/types.js';
import { platformUnder } from './mapped-platform.js';
import { tempDir } from './tmp.js';

export interface Sandbox {
  root: string;
  platform: Platform;
  host: FsHost;
  ctx(mode?: Mode, answers?: Partial<Answers>, facts?: Facts): Context;
  cleanup(): Promise<void>;
}

export async function sandbox(base: Platform = debian): Promise<Sandbox> {
  const root = await tempDir('mail-wizard-sandbox-');
  // The learn group must already exist: the sandbox runs real commands on this machine, and must
  // not add groups to it.
  const platform = { ...platformUnder(base, root), users: { ...base.users, learn: 'nogroup' } };
  const host = new FsHost('local', {
    resolve: (p) => p,
    exec: (argv, options) => execArgv(['unshare', '--net', ...argv], options),
    backupDir: `${root}/backups`,
  });
  return {
    root,
    platform,
    host,
    ctx: (mode = 'setup', answers = {}, facts = { serviceManager: 'service' }) =>
      createContext({ answers: { ...DEMO_ANSWERS, tls: { mode: 'self-signed' }, ...answers }, platform, host, mode, facts, runId: 'sandbox' }),
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}
