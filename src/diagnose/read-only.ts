/**
 * The file system is mounted read-only: every write there fails with EROFS ("Read-only file
 * system"). Linux remounts a file system read-only after an I/O error (ext4's errors=remount-ro,
 * Debian's default in fstab); an admin may mount it so on purpose. df names the mount.
 */
import type { Context } from '../engine/types.js';
import { diskUseOfError } from './probes.js';
import type { Cause, CauseEntry } from './types.js';

const READ_ONLY = /read-only file system|EROFS/i;


export async function readOnly(ctx: Context, text: string): Promise<Cause | null> {
  const { target, use } = await diskUseOfError(ctx, text, READ_ONLY);
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
