/**
 * Every path under a prefix directory: tests (real files in a temp dir) and `--root DIR`.
 * Commands run on this machine as they are (`exec: 'host'`, for tests with true/false/sleep),
 * inside the root with chroot (`exec: 'chroot'`, when DIR holds a whole system), or not at all
 * (`exec: 'none'`: a plain directory, where a command could only reach this machine instead).
 */
import * as path from 'node:path';
import { execArgv } from './exec.js';
import { FsHost } from './fs-host.js';
import { backupDirFor } from './local.js';

export interface RootedOptions {
  exec: 'host' | 'chroot' | 'none';
  now?: Date;
}

export function rootedHost(root: string, options: RootedOptions): FsHost {
  const prefix = path.resolve(root);
  return new FsHost('rooted', {
    // normalize() has already removed "..", so the joined path cannot leave the prefix.
    resolve: (hostPath) => path.join(prefix, hostPath),
    exec:
      options.exec === 'chroot'
        ? (argv, o) => execArgv(['chroot', prefix, ...argv], o)
        : options.exec === 'host'
          ? execArgv
          : async (argv) => ({ argv, exitCode: null, stdout: '', stderr: `${argv[0]}: not run (${prefix} holds no system to run it in)`, timedOut: false, notFound: true }),
    backupDir: backupDirFor(options.now ?? new Date()),
  });
}
