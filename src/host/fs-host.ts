/**
 * A host whose files are on this machine's disk, either at their own paths (local) or under a
 * prefix directory (rooted). Writes are atomic and back up what they replace.
 */
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FileMeta } from '../engine/types.js';
import { findGroupId, findUser } from './accounts.js';
import { listDirBounded, readFileBounded, type BoundedList, type BoundedRead, type ListLimits, type ReadLimits } from './bounded.js';
import type { QueryResult } from '../dns/client.js';
import type { RecordType } from '../dns/records.js';
import type { Account, ConnectRequest, ConnectResult, FileStat, Host, ResolveOptions, RunOptions, RunResult, WriteOptions, WriteResult } from './host.js';

export interface FsHostOptions {
  /** Maps a host path (/etc/mail/smtpd.conf) to where it really is on this machine. */
  resolve: (hostPath: string) => string;
  /** Runs a command for this host. */
  exec: (argv: string[], options: RunOptions) => Promise<RunResult>;
  /** Host path of the directory that keeps this run's backups. */
  backupDir: string;
}

export class FsHost implements Host {
  constructor(
    readonly kind: 'local' | 'rooted',
    private readonly options: FsHostOptions,
  ) {}

  private real(hostPath: string): string {
    if (!path.isAbsolute(hostPath)) throw new Error(`host paths must be absolute: ${hostPath}`);
    return this.options.resolve(path.normalize(hostPath));
  }

  async readFile(hostPath: string): Promise<string | null> {
    try {
      return await fs.readFile(this.real(hostPath), 'utf8');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async stat(hostPath: string): Promise<FileStat | null> {
    try {
      const s = await fs.stat(this.real(hostPath));
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async listDir(hostPath: string): Promise<string[] | null> {
    try {
      return (await fs.readdir(this.real(hostPath))).sort();
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  readFileBounded(hostPath: string, limits: ReadLimits): Promise<BoundedRead> {
    return readFileBounded(this.real(hostPath), { ...limits, ...(limits.within ? { within: this.real(limits.within) } : {}) });
  }

  listDirBounded(hostPath: string, limits: ListLimits): Promise<BoundedList> {
    return listDirBounded(this.real(hostPath), limits);
  }

  async user(name: string): Promise<Account | null> {
    return findUser(await this.readFile('/etc/passwd'), name);
  }

  async groupId(name: string): Promise<number | null> {
    return findGroupId(await this.readFile('/etc/group'), name);
  }

  /** uid/gid for a file's owner and group names; unset names keep what the process gives. */
  private async ids(meta: FileMeta): Promise<{ uid?: number; gid?: number }> {
    const ids: { uid?: number; gid?: number } = {};
    if (meta.owner !== undefined) {
      const account = await this.user(meta.owner);
      if (!account) throw new Error(`user ${meta.owner} does not exist on this host`);
      ids.uid = account.uid;
    }
    if (meta.group !== undefined) {
      const gid = await this.groupId(meta.group);
      if (gid === null) throw new Error(`group ${meta.group} does not exist on this host`);
      ids.gid = gid;
    }
    return ids;
  }

  /**
   * Creates a directory with its mode and owner. One that exists is left exactly as it is: its
   * owner and mode are the admin's or the system's (Debian's /etc/ssl/private is 0710
   * root:ssl-cert, and other programs read through that group), not ours to tighten or loosen.
   */
  async mkdir(hostPath: string, meta: FileMeta): Promise<boolean> {
    const existing = await this.stat(hostPath);
    if (existing && !existing.isDirectory) throw new Error(`${hostPath} exists and is not a directory`);
    if (existing) return false;
    const real = this.real(hostPath);
    const { uid, gid } = await this.ids(meta);
    await fs.mkdir(real, { recursive: true, mode: meta.mode });
    await fs.chmod(real, meta.mode);
    if (uid !== undefined || gid !== undefined) await fs.chown(real, uid ?? -1, gid ?? -1);
    return true;
  }

  async writeFile(hostPath: string, content: string | Uint8Array, meta: FileMeta, options: WriteOptions = {}): Promise<WriteResult> {
    const real = this.real(hostPath);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const { uid, gid } = await this.ids(meta);
    const before = await this.stat(hostPath);
    let old: Buffer | null = null;
    if (before) old = await fs.readFile(real);
    const sameContent = old !== null && old.equals(data);
    const sameMeta =
      before !== null && before.mode === meta.mode && (uid === undefined || before.uid === uid) && (gid === undefined || before.gid === gid);
    if (sameContent && sameMeta) return { changed: false };

    const result: WriteResult = { changed: true };
    if (before && !sameContent && options.backup !== false) result.backup = await this.backup(hostPath, real, before);

    await fs.mkdir(path.dirname(real), { recursive: true });
    // Temp file in the same directory, so that rename() is atomic; created with the final mode
    // from the start so a secret is never readable by others, even for a moment.
    const tmp = path.join(path.dirname(real), `${tempPrefix(real)}${randomBytes(4).toString('hex')}`);
    const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, meta.mode & 0o700);
    try {
      await handle.writeFile(data);
      if (uid !== undefined || gid !== undefined) await handle.chown(uid ?? -1, gid ?? -1);
      await handle.chmod(meta.mode);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await fs.rename(tmp, real);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await syncDir(path.dirname(real));
    return result;
  }

  async removeWriteLeftovers(hostPath: string): Promise<string[]> {
    const real = this.real(hostPath);
    const prefix = tempPrefix(real);
    const names = (await this.listDir(path.dirname(hostPath))) ?? [];
    const leftovers = names.filter((n) => n.startsWith(prefix)).map((n) => path.join(path.dirname(hostPath), n));
    for (const p of leftovers) await fs.rm(this.real(p), { force: true });
    return leftovers;
  }

  /** Copies the current file, with its mode and owner, under the run's backup directory. */
  private async backup(hostPath: string, real: string, before: FileStat): Promise<string> {
    const backupHostPath = path.join(this.options.backupDir, hostPath);
    const target = this.real(backupHostPath);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await fs.copyFile(real, target);
    await fs.chmod(target, before.mode);
    await fs.chown(target, before.uid, before.gid).catch(() => undefined);
    return backupHostPath;
  }

  run(argv: string[], options: RunOptions): Promise<RunResult> {
    return this.options.exec(argv, options);
  }

  /**
   * The host's network is this machine's (a rooted tree is entered with chroot, not a namespace of
   * its own): the connection is made from here. Loaded on first use, not for a plan.
   */
  async connect(request: ConnectRequest): Promise<ConnectResult> {
    const { connectProbe } = await import('../net/connect.js');
    return connectProbe(request);
  }

  /** Asks the resolvers of the host's own resolv.conf (a rooted tree's, under its prefix). */
  async resolve(name: string, type: RecordType, options: ResolveOptions = {}): Promise<QueryResult> {
    const [{ parseResolvConf, askResolvers }] = await Promise.all([import('../dns/discovery.js')]);
    const conf = parseResolvConf((await this.readFile('/etc/resolv.conf')) ?? '');
    return askResolvers(conf.nameservers, name, type, { timeoutMs: options.timeoutMs ?? 2000, retries: 1, ...(options.signal ? { signal: options.signal } : {}) });
  }
}

/** Temp files of an atomic write are named after their target, so a later run can find leftovers. */
function tempPrefix(real: string): string {
  return `.${path.basename(real)}.mail-wizard-`;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
