/**
 * The dry-run host: reads come from a base host (or from nothing: a fresh box), every change is
 * recorded instead of done, and only read-only commands reach the base. Private keys are never read,
 * so a dry-run transcript cannot leak one.
 */
import type { FileMeta } from '../engine/types.js';
import type { QueryResult } from '../dns/client.js';
import type { RecordType } from '../dns/records.js';
import type { Account, BoundedList, BoundedRead, ConnectRequest, ConnectResult, FileStat, Host, ListLimits, ReadLimits, ResolveOptions, RunOptions, RunResult, WriteResult } from './host.js';

export type Recorded =
  | { type: 'writeFile'; path: string; bytes: number; meta: FileMeta }
  | { type: 'mkdir'; path: string; meta: FileMeta }
  | { type: 'run'; argv: string[] };

/** Paths whose content a dry-run must not read. */
export function isSecretPath(p: string): boolean {
  return /\.key$/.test(p) || p.includes('/private/');
}

export class RecorderHost implements Host {
  readonly kind = 'recorder' as const;
  readonly recorded: Recorded[] = [];
  /** Every path read, in order: lets a test prove what a dry-run looked at. */
  readonly reads: string[] = [];

  /** base: the machine to read from; null for a fresh box with nothing on it. */
  constructor(private readonly base: Host | null) {}

  async readFile(p: string): Promise<string | null> {
    this.reads.push(p);
    if (isSecretPath(p) || !this.base) return null;
    return this.base.readFile(p);
  }

  async readFileBounded(p: string, limits: ReadLimits): Promise<BoundedRead> {
    this.reads.push(p);
    if (isSecretPath(p) || !this.base) return { ok: false, reason: 'missing' };
    return this.base.readFileBounded(p, limits);
  }

  async listDirBounded(p: string, limits: ListLimits): Promise<BoundedList> {
    return this.base ? this.base.listDirBounded(p, limits) : { names: null, truncated: false };
  }

  async stat(p: string): Promise<FileStat | null> {
    return this.base ? this.base.stat(p) : null;
  }

  async listDir(p: string): Promise<string[] | null> {
    return this.base ? this.base.listDir(p) : null;
  }

  async user(name: string): Promise<Account | null> {
    return this.base ? this.base.user(name) : null;
  }

  async groupId(name: string): Promise<number | null> {
    return this.base ? this.base.groupId(name) : null;
  }

  async writeFile(p: string, content: string | Uint8Array, meta: FileMeta): Promise<WriteResult> {
    this.recorded.push({ type: 'writeFile', path: p, bytes: content.length, meta });
    return { changed: true };
  }

  async removeWriteLeftovers(): Promise<string[]> {
    return [];
  }

  async mkdir(p: string, meta: FileMeta): Promise<boolean> {
    this.recorded.push({ type: 'mkdir', path: p, meta });
    return true;
  }

  async run(argv: string[], options: RunOptions): Promise<RunResult> {
    if (options.readOnly && this.base) return this.base.run(argv, options);
    this.recorded.push({ type: 'run', argv });
    return { argv, exitCode: null, stdout: '', stderr: '', timedOut: false, notFound: false, recorded: true };
  }

  /** Probes only look: they reach the base; a fresh box has nothing to probe. */
  async connect(request: ConnectRequest): Promise<ConnectResult> {
    if (this.base) return this.base.connect(request);
    return { connected: false, ok: false, notProbed: true, error: 'not probed: a dry-run of a fresh box', elapsedMs: 0 };
  }

  async resolve(name: string, type: RecordType, options?: ResolveOptions): Promise<QueryResult> {
    if (this.base) return this.base.resolve(name, type, options);
    return { server: { host: 'none', port: 53 }, name, type, elapsedMs: 0, transport: 'udp', kind: 'error', message: 'not asked: a dry-run of a fresh box' };
  }
}
