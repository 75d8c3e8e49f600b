/**
 * Reads of what someone else owns (a user's ~/Maildir, an answers file), done as root without
 * trusting it: regular files only (a FIFO would block, a device such as /dev/zero never ends), no
 * symlink that leads out of the tree, a size cap, a time-out, and directory listings that stop at a
 * count. The caller gets a reason instead of an exception.
 */
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export interface ReadLimits {
  /** Larger files are refused, not truncated. */
  maxBytes: number;
  timeoutMs: number;
  /** A symlink is followed only when it resolves inside this directory (default: never followed). */
  within?: string;
}

export type BoundedRead =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' | 'not a regular file' | 'a symlink out of the tree' | 'too big' | 'timed out' | 'unreadable' };

export interface ListLimits {
  maxEntries: number;
  timeoutMs: number;
}

export interface BoundedList {
  /** Null when the directory does not exist. Names in the directory's own order (unsorted). */
  names: string[] | null;
  /** True when the listing stopped at maxEntries or at the time-out. */
  truncated: boolean;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), timeoutMs);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);

/** Opens without following a symlink and without blocking on a FIFO; checks the kind on the open file. */
async function openRegular(real: string, limits: ReadLimits): Promise<fs.FileHandle | BoundedRead> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing' };
    // ELOOP (Linux) / EMLINK (some BSDs): the last component is a symlink.
    if (code === 'ELOOP' || code === 'EMLINK') {
      if (!limits.within) return { ok: false, reason: 'a symlink out of the tree' };
      const target = await fs.realpath(real).catch(() => null);
      const tree = await fs.realpath(limits.within).catch(() => null);
      if (!target || !tree || !inside(tree, target)) return { ok: false, reason: 'a symlink out of the tree' };
      return openRegular(target, { ...limits, within: undefined });
    }
    return { ok: false, reason: 'unreadable' };
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    return { ok: false, reason: 'not a regular file' };
  }
  if (stat.size > limits.maxBytes) {
    await handle.close();
    return { ok: false, reason: 'too big' };
  }
  return handle;
}

/** The text of a regular file of at most maxBytes, read within timeoutMs. `real` is a path on this machine. */
export async function readFileBounded(real: string, limits: ReadLimits): Promise<BoundedRead> {
  const work = async (): Promise<BoundedRead> => {
    const opened = await openRegular(real, limits);
    if (!('fd' in opened)) return opened;
    try {
      // The size can grow after the stat: read at most one byte past the cap to notice.
      const buffer = Buffer.alloc(limits.maxBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await opened.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > limits.maxBytes) return { ok: false, reason: 'too big' };
      }
      return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
    } catch {
      return { ok: false, reason: 'unreadable' };
    } finally {
      await opened.close();
    }
  };
  return withTimeout(work(), limits.timeoutMs, { ok: false, reason: 'timed out' });
}

/** At most maxEntries names of a directory, read incrementally (a huge directory is not read whole). */
export async function listDirBounded(real: string, limits: ListLimits): Promise<BoundedList> {
  let dir: import('node:fs').Dir;
  try {
    dir = await fs.opendir(real);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { names: null, truncated: false };
    throw err;
  }
  const names: string[] = [];
  const deadline = Date.now() + limits.timeoutMs;
  let truncated = false;
  try {
    for (;;) {
      if (names.length >= limits.maxEntries || Date.now() > deadline) {
        truncated = true;
        break;
      }
      const entry = await dir.read();
      if (!entry) break;
      names.push(entry.name);
    }
  } finally {
    await dir.close().catch(() => undefined);
  }
  return { names, truncated };
}
