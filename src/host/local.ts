/** This machine, as it is: the host a real setup runs on. */
import { execArgv } from './exec.js';
import { FsHost } from './fs-host.js';

export function backupDirFor(date: Date): string {
  return `/var/backups/mail-wizard/${date.toISOString().replace(/[:.]/g, '-')}`;
}

export function localHost(now = new Date()): FsHost {
  return new FsHost('local', { resolve: (p) => p, exec: execArgv, backupDir: backupDirFor(now) });
}
