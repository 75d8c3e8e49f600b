/**
 * The Host: the only way recipes and the runner touch a machine. Implementations: local (execa on
 * this machine), rooted (all paths under a prefix), recorder (dry-run: records, changes nothing).
 */
import type { FileMeta } from '../engine/types.js';
import type { QueryResult } from '../dns/client.js';
import type { RecordType } from '../dns/records.js';
import type { BoundedList, BoundedRead, ListLimits, ReadLimits } from './bounded.js';

export type { BoundedList, BoundedRead, ListLimits, ReadLimits } from './bounded.js';

export interface RunOptions {
  timeoutMs: number;
  input?: string;
  env?: Record<string, string>;
  /** Called with each chunk of output while the command runs (live tail). */
  onOutput?: (chunk: string) => void;
  /** True for a command that only looks (probe/verify): a recorder may run it against its base. */
  readOnly?: boolean;
}

export interface RunResult {
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The command did not finish in time and was killed. */
  timedOut: boolean;
  /** The program does not exist on this host. */
  notFound: boolean;
  /** Set by a recorder: the command was recorded, not run. */
  recorded?: boolean;
}

export interface FileStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  /** Last modification, in ms since the epoch (how old the package lists are). */
  mtimeMs?: number;
}

export interface WriteResult {
  /** Where the previous file was copied to, when there was one and it differed. */
  backup?: string;
  /** False when the file already had exactly this content and metadata. */
  changed: boolean;
}

export interface WriteOptions {
  /** false: no backup of the previous file (mail-wizard's own state, rewritten at every step). */
  backup?: boolean;
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/**
 * A connection made from the host (a probe of the host's own ports, or of the outside as the host
 * reaches it): what it greeted, and the TLS it showed.
 */
export interface ConnectRequest {
  host: string;
  port: number;
  /** What the server speaks first: an SMTP greeting, an IMAP greeting, or nothing to read; http: a GET of `path` (after TLS when asked). */
  protocol: 'smtp' | 'imap' | 'none' | 'http';
  /** http: the path to GET; the Host header is the servername (else the host). */
  path?: string;
  /** SMTP: send EHLO with this name and return the reply. */
  ehlo?: string;
  /** TLS at once (465, 993) or after STARTTLS (25, 587, 143). */
  tls?: 'implicit' | 'starttls';
  /** The name sent in SNI (the host name). */
  servername?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface TlsSeen {
  /** "TLSv1.3" */
  protocol: string;
  /** The chain verifies against the trusted CAs of the prober. */
  authorized: boolean;
  authorizationError?: string;
  /** The certificates the server sent, leaf first, as PEM. */
  chain: string[];
}

export interface HttpSeen {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export interface ConnectResult {
  /** The TCP connection was accepted (something listens). */
  connected: boolean;
  /** Everything asked for happened. */
  ok: boolean;
  error?: string;
  /** The first greeting line ("220 mail.example.org ESMTP OpenSMTPD"). */
  greeting?: string;
  /** The EHLO reply lines. */
  ehlo?: string[];
  tls?: TlsSeen;
  /** http: the response (the body capped at 64 KiB). */
  http?: HttpSeen;
  elapsedMs: number;
  /** Set by a recorder without a base: nothing was probed. */
  notProbed?: boolean;
}

export interface ResolveOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Host {
  readonly kind: 'local' | 'rooted' | 'recorder';
  /** Text of a file, or null when it does not exist. */
  readFile(path: string): Promise<string | null>;
  stat(path: string): Promise<FileStat | null>;
  /** Names in a directory, sorted, or null when it does not exist. */
  listDir(path: string): Promise<string[] | null>;
  /** A file someone else owns (a user's mail): regular files only, capped, timed (host/bounded.ts). */
  readFileBounded(path: string, limits: ReadLimits): Promise<BoundedRead>;
  /** A directory someone else owns: at most limits.maxEntries names, in the directory's order. */
  listDirBounded(path: string, limits: ListLimits): Promise<BoundedList>;
  /** Atomic: temp file in the same directory, fsync, rename; the old file is backed up first. */
  writeFile(path: string, content: string | Uint8Array, meta: FileMeta, options?: WriteOptions): Promise<WriteResult>;
  /** Removes what an interrupted atomic write of path left next to it (its temp files); returns their paths. */
  removeWriteLeftovers(path: string): Promise<string[]>;
  /** Creates a missing directory (mode, owner); an existing one keeps its own. True when created. */
  mkdir(path: string, meta: FileMeta): Promise<boolean>;
  run(argv: string[], options: RunOptions): Promise<RunResult>;
  /** Looks a user up in the host's /etc/passwd. */
  user(name: string): Promise<Account | null>;
  /** Looks a group's gid up in the host's /etc/group. */
  groupId(name: string): Promise<number | null>;
  /** A TCP connection made from the host (never throws: the result says what happened). */
  connect(request: ConnectRequest): Promise<ConnectResult>;
  /** A DNS question to the host's own resolver (its resolv.conf), recursion desired. */
  resolve(name: string, type: RecordType, options?: ResolveOptions): Promise<QueryResult>;
}

/** One line that describes a failed command for a finding: what it printed, or why it did not run. */
export function describeFailure(result: RunResult): string {
  const cmd = result.argv.join(' ');
  if (result.notFound) return `${result.argv[0]}: command not found`;
  if (result.timedOut) return `${cmd}: did not finish in time and was stopped`;
  const out = (result.stderr.trim() || result.stdout.trim()).split('\n').filter(Boolean);
  const line = out.find((l) => /error|fail|denied|invalid|syntax|cannot|can't|unable/i.test(l)) ?? out[out.length - 1];
  return line ? line.trim() : `${cmd}: exit code ${result.exitCode}`;
}
