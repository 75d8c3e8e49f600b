/**
 * Facts the catalogue asks the host for. Everything goes through the Host (files and commands), so
 * a rooted host or a test host answers for itself; DNS questions go out from this process, as the
 * DNS step's do.
 */
import net from 'node:net';
import { posix } from 'node:path';
import type { Context } from '../engine/types.js';
import { query, type DnsServer } from '../dns/client.js';
import { parseResolvConf } from '../dns/discovery.js';

export const RESOLV_CONF = '/etc/resolv.conf';

export interface Listener {
  port: number;
  address: string;
  process: string;
  pid?: number;
}

/**
 * Who listens on TCP `port`. Debian: `ss -Hltnp` (iproute2) prints
 * `LISTEN 0 100 0.0.0.0:25 0.0.0.0:* users:(("exim4",pid=812,fd=3))`.
 * OpenBSD has no ss and its netstat shows no process: fstat(1) does (usr.bin/fstat/fstat.1, USER
 * CMD PID FD columns; SOCKETS: "internet stream tcp <pcb> *:25" for a listening socket, no arrow).
 */
export async function listenersOn(ctx: Context, port: number): Promise<Listener[]> {
  if (ctx.platform.name === 'openbsd') {
    const r = await ctx.host.run(['fstat'], { timeoutMs: 10_000, readOnly: true });
    return r.exitCode === 0 ? parseFstat(r.stdout, port) : [];
  }
  const r = await ctx.host.run(['ss', '-Hltnp'], { timeoutMs: 10_000, readOnly: true });
  return r.exitCode === 0 ? parseSs(r.stdout, port) : [];
}

export function parseSs(out: string, port: number): Listener[] {
  const found: Listener[] = [];
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] !== 'LISTEN' || cols.length < 5) continue;
    const local = cols[3]!;
    const p = Number(local.slice(local.lastIndexOf(':') + 1));
    if (p !== port) continue;
    const address = local.slice(0, local.lastIndexOf(':'));
    const users = [...line.matchAll(/\("([^"]+)",pid=(\d+)/g)];
    if (users.length === 0) found.push({ port, address, process: 'an unknown process' });
    for (const u of users) found.push({ port, address, process: u[1]!, pid: Number(u[2]) });
  }
  return dedupe(found);
}

export function parseFstat(out: string, port: number): Listener[] {
  const found: Listener[] = [];
  for (const line of out.split('\n')) {
    const m = /^\S+\s+(\S+)\s+(\d+)\s+\S+\s+internet6?\s+stream\s+tcp\s+\S+\s+(\S+):(\d+)\s*$/.exec(line);
    if (m && Number(m[4]) === port) found.push({ port, address: m[3]!, process: m[1]!, pid: Number(m[2]) });
  }
  return dedupe(found);
}

function dedupe(list: Listener[]): Listener[] {
  const seen = new Set<string>();
  return list.filter((l) => {
    const key = `${l.process}/${l.pid ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** "exim4 (pid 812)" */
export function who(l: Listener): string {
  return l.pid ? `${l.process} (pid ${l.pid})` : l.process;
}

export interface ResolverState {
  /** The servers of resolv.conf as written there. */
  servers: DnsServer[];
  /** Those that gave no reply at all (time-out or a network error). */
  silent: DnsServer[];
  /** Those that reply REFUSED or SERVFAIL to a question any resolver answers: no recursion for us. */
  refusing: DnsServer[];
  /** No nameserver line: the resolver library asks 127.0.0.1. */
  implicit: boolean;
}

/**
 * Asks each resolver of the host's resolv.conf one question it must answer (the root's NS, RD set).
 * A SERVFAIL or REFUSED is an answer: only silence counts as "does not answer".
 */
export async function resolverState(ctx: Context, timeoutMs = 2500): Promise<ResolverState> {
  const text = (await ctx.host.readFile(RESOLV_CONF)) ?? '';
  const rc = parseResolvConf(text);
  const implicit = !/^\s*nameserver\s/m.test(text);
  const results = await Promise.all(
    rc.nameservers.map((s) => query(s, '.', 'NS', { recursionDesired: true, timeoutMs, retries: 1 })),
  );
  const silent = rc.nameservers.filter((_, i) => {
    const kind = results[i]!.kind;
    return kind === 'timeout' || kind === 'error';
  });
  const refusing = rc.nameservers.filter((_, i) => {
    const kind = results[i]!.kind;
    return kind === 'refused' || kind === 'servfail';
  });
  return { servers: rc.nameservers, silent, refusing, implicit };
}

export function serverList(servers: readonly DnsServer[]): string {
  return servers.map((s) => (s.port === 53 ? s.host : net.isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(', ');
}

export interface DiskUse {
  mount: string;
  /** Percent of blocks / inodes used, when df said. */
  blocksUsed?: number;
  inodesUsed?: number;
  availKb?: number;
}

/**
 * How full the file system holding `path` is: `df -k` and `df -i` on both platforms, read by their
 * headers (GNU: "Use%", "IUse%", "Mounted on"; OpenBSD: bin/df/df.c bsdprint() prints "Filesystem
 * 1K-blocks Used Avail Capacity", with -i " iused ifree %iused", then "Mounted on").
 */
export async function diskUse(ctx: Context, path: string): Promise<DiskUse | null> {
  const blocks = await ctx.host.run(['df', '-k', path], { timeoutMs: 10_000, readOnly: true });
  const inodes = await ctx.host.run(['df', '-i', path], { timeoutMs: 10_000, readOnly: true });
  const b = parseDf(blocks.stdout, ['Use%', 'Capacity']);
  const i = parseDf(inodes.stdout, ['IUse%', '%iused']);
  if (!b && !i) return null;
  const out: DiskUse = { mount: b?.mount ?? i?.mount ?? path };
  if (b?.percent !== undefined) out.blocksUsed = b.percent;
  if (b?.avail !== undefined) out.availKb = b.avail;
  if (i?.percent !== undefined) out.inodesUsed = i.percent;
  return out;
}

export function parseDf(text: string, percentNames: string[]): { mount: string; percent?: number; avail?: number } | null {
  const lines = text.trim().split('\n');
  if (lines.length < 2) return null;
  const header = lines[0]!.replace('Mounted on', 'Mounted_on').split(/\s+/);
  // A long device name makes GNU df wrap the line: join what follows the header.
  const row = lines.slice(1).join(' ').trim().split(/\s+/);
  const at = (names: string[]) => header.findIndex((h) => names.includes(h));
  const pct = at(percentNames);
  const avail = at(['Available', 'Avail']);
  const mount = row[row.length - 1] ?? '';
  const value = (i: number) => (i >= 0 && row[i] !== undefined ? Number(row[i]!.replace('%', '')) : undefined);
  const out: { mount: string; percent?: number; avail?: number } = { mount };
  const p = value(pct);
  if (p !== undefined && !Number.isNaN(p)) out.percent = p;
  const a = value(avail);
  if (a !== undefined && !Number.isNaN(a)) out.avail = a;
  return out;
}

/** The path on the line of `text` that reports the error (matched by `error`), else "/". A summary may name another. */
export function pathInError(text: string, error: RegExp): string {
  const line = text.split('\n').find((l) => error.test(l) && /\//.test(l)) ?? text;
  const m = /(\/(?:[\w.@+-]+\/?)+)/.exec(line);
  return m ? m[1]!.replace(/\/$/, '') || '/' : '/';
}

/**
 * df of the directory that holds the path named in `text`: the file that could not be written may
 * not exist, so the nearest directory that answers. `target` is the directory the error was about.
 */
export async function diskUseOfError(ctx: Context, text: string, error: RegExp): Promise<{ target: string; use: DiskUse | null }> {
  const target = posix.dirname(pathInError(text, error));
  let dir = target;
  for (;;) {
    const use = await diskUse(ctx, dir);
    if (use || dir === '/') return { target, use };
    dir = posix.dirname(dir);
  }
}
