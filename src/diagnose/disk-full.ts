/**
 * The disk (or its inode table) is full: writes fail with ENOSPC ("No space left on device", which
 * is also what a file system out of inodes says) or EDQUOT. df tells which of the two, and where.
 */
import type { Context } from '../engine/types.js';
import { diskUseOfError } from './probes.js';
import type { Cause, CauseEntry } from './types.js';

const NO_SPACE = /no space left on device|ENOSPC|disk quota exceeded|EDQUOT|file system full|disk full/i;


export async function diskFull(ctx: Context, text: string): Promise<Cause | null> {
  const { target, use } = await diskUseOfError(ctx, text, NO_SPACE);
  const inodes = use?.inodesUsed !== undefined && use.inodesUsed >= 99;
  const blocks = use?.blocksUsed !== undefined && use.blocksUsed >= 99;
  const where = use ? `the file system mounted on ${use.mount} (which holds ${target})` : `the file system that holds ${target}`;
  const what = inodes && !blocks
    ? `${where} has no free inodes left (${use?.inodesUsed}% of its inodes used): no new file can be made there, however much space is free`
    : `${where} is full${use?.blocksUsed !== undefined ? ` (${use.blocksUsed}% used, ${use.availKb ?? 0} KB free)` : ''}`;
  const find = inodes && !blocks
    ? `find ${use?.mount ?? target} -xdev -type f | cut -d/ -f1-3 | sort | uniq -c | sort -n | tail shows where the many small files are`
    : `du -xk ${use?.mount ?? target} | sort -n | tail shows what is big`;
  return {
    id: inodes && !blocks ? 'inodes-full' : 'disk-full',
    cause: `${what[0]!.toUpperCase()}${what.slice(1)}.`,
    fix: `Free space there (${find}; old logs and /var/tmp are the usual suspects) or grow the file system, then retry.`,
  };
}

export const diskOrInodesFull: CauseEntry = {
  id: 'disk-full',
  matches: (_f, text) => NO_SPACE.test(text),
  probe: (ctx, _f, text) => diskFull(ctx, text),
};
