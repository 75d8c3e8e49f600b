/**
 * The file system is mounted read-only: every write there fails with EROFS ("Read-only file
 * system"). Linux remounts a file system read-only after an I/O error (ext4's errors=remount-ro,
 * Debian's default in fstab); an admin may mount it so on purpose. df names the mount.
 */
import * as path from 'node:path';
import type { Context } from '../engine/types.js';
import { diskUse } from './probes.js';
import type { Cause, CauseEntry } from './types.js';

const READ_ONLY = /read-only file system|EROFS/i;

function firstPath(text: string): string {
  // The path on the line that reports the error, when it names one (a summary may name another).
  const line = text.split('\n').find((l) => READ_ONLY.test(l) && /\//.test(l)) ?? text;
  const m = /(\/(?:[\w.@+-]+\/?)+)/.exec(line);
  return m ? m[1]!.replace(/\/$/, '') || '/' : '/';
}

export async function readOnly(ctx: Context, text: string): Promise<Cause | null> {
  const target = path.posix.dirname(firstPath(text));
  let dir = target;
  let use = null;
  for (;;) {
    use = await diskUse(ctx, dir);
    if (use || dir === '/') break;
    dir = path.posix.dirname(dir);
  }
  const mount = use?.mount ?? target;
  // mount(8) -u: "change the status of an already mounted file system" (openbsd/src sbin/mount/mount.8).
  const remount = ctx.platform.name === 'openbsd' ? `mount -uw ${mount}` : `mount -o remount,rw ${mount}`;
  return {
    id: 'read-only',
    cause: `The file system mounted on ${mount} (which holds ${target}) is read-only: nothing can be written there.`,
    fix: `Find out why first (\`dmesg | tail\`: a file system with errors is made read-only; then it needs fsck), then make it writable: ${remount}; then retry.`,
  };
}

export const readOnlyFileSystem: CauseEntry = {
  id: 'read-only',
  matches: (_f, text) => READ_ONLY.test(text),
  probe: (ctx, _f, text) => readOnly(ctx, text),
};
