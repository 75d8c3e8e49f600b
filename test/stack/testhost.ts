/**
 * Test hosts for the stack suite: a Debian trixie root (made once by build-root.sh, cached) booted
 * as two machines, each in its own network, mount, pid, uts and ipc namespaces:
 *
 *   server  (mw-srv-ID)  198.51.100.25/24, 2001:db8::25/64  ── eth0 ══ veth ══ eth0 ──
 *   outside (mw-out-ID)  198.51.100.10/24, 2001:db8::10/64   "the internet": swaks, IMAP, dkimverify
 *
 * Each machine sees the cached root through its own overlay (nothing is copied), a private /dev,
 * /proc, /run and hostname, and has no default route: nothing it does can leave the two
 * namespaces. Commands run chrooted in the machine with a clean environment. See machine.sh.
 */
import { execa, type ResultPromise } from 'execa';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_ADDRESS = '198.51.100.25';
export const OUTSIDE_ADDRESS = '198.51.100.10';
export const SERVER_ADDRESS6 = '2001:db8::25';
export const OUTSIDE_ADDRESS6 = '2001:db8::10';

export interface ExecOptions {
  /** Written to the command's stdin. */
  input?: string | Uint8Array;
  /** Default 60 s. The command is killed inside the machine when it runs longer. */
  timeoutMs?: number;
  /** Added to the clean environment (PATH, HOME=/root, LANG=C.UTF-8). */
  env?: Record<string, string>;
}

export interface ExecResult {
  argv: string[];
  /** null when the command was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface WriteOptions {
  /** Default 0o644. */
  mode?: number;
  /** "user" or "user:group", as chown takes it. */
  owner?: string;
}

/** One booted machine: a network namespace plus a chroot into its overlay of the cached root. */
export interface Machine {
  readonly netns: string;
  readonly address: string;
  readonly address6: string;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  writeFile(file: string, content: string | Uint8Array, options?: WriteOptions): Promise<void>;
  /** Text of a file inside the machine, or null when it cannot be read. */
  readFile(file: string): Promise<string | null>;
}

export interface TestHost {
  readonly id: string;
  /** This machine's directory of the host (overlays, command output); removed by stop(). */
  readonly dir: string;
  readonly server: Machine;
  readonly outside: Machine;
  readonly serverAddress: string;
  readonly outsideAddress: string;
  /** Runs in the server (where the wizard and the daemons live). */
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs in the outside machine: connections from here really come from another address. */
  execOutside(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  writeFile(file: string, content: string | Uint8Array, options?: WriteOptions): Promise<void>;
  readFile(file: string): Promise<string | null>;
  /** Kills every process of both machines, deletes the namespaces and the overlays. Idempotent. */
  stop(): Promise<void>;
}

export interface BindMount {
  /** A path on this machine. */
  source: string;
  /** Where it appears inside the server. */
  target: string;
  readOnly?: boolean;
}

export interface TestHostOptions {
  /** The cached root; default: ensureRoot(). */
  root?: string;
  /** The server's host name at boot; default: the root's /etc/hostname (as a boot would do). */
  hostname?: string;
  /** Bind mounts into the server, e.g. the wizard's checkout. */
  mounts?: BindMount[];
}

/** test/stack of the checkout, also when this module runs compiled from dist/test/stack. */
function findStackDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'test', 'stack');
    if (existsSync(path.join(candidate, 'build-root.sh'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('test/stack/build-root.sh not found above ' + import.meta.url);
    dir = parent;
  }
}

const stackDir = findStackDir();
const cacheDir = process.env.MW_STACK_CACHE ?? path.join(stackDir, '.cache');
const hostsDir = path.join(cacheDir, 'hosts');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Builds the cached root when packages.txt or build-root.sh changed; otherwise returns at once. */
export async function ensureRoot(): Promise<{ dir: string; built: boolean; seconds: number }> {
  const started = performance.now();
  const r = await execa(path.join(stackDir, 'build-root.sh'), [], {
    reject: false,
    stdin: 'ignore',
    env: { MW_STACK_CACHE: cacheDir },
  });
  const seconds = (performance.now() - started) / 1000;
  const dir = /^MW_ROOT=(.+)$/m.exec(r.stdout)?.[1];
  if (r.exitCode !== 0 || !dir) {
    const tail = r.stderr.split('\n').slice(-40).join('\n');
    throw new Error(`build-root.sh failed (exit ${r.exitCode}):\n${tail}`);
  }
  return { dir, built: /^MW_BUILT=1$/m.test(r.stdout), seconds };
}

/** Why this process cannot start test hosts, or null when it can. */
export async function testHostProblem(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const tool of ['/usr/sbin/debootstrap', '/usr/bin/unshare', '/usr/bin/nsenter', '/usr/bin/setpriv']) {
    if (!existsSync(tool)) return `${tool} is missing`;
  }
  const probe = `mw-probe-${process.pid}`;
  const r = await execa('ip', ['netns', 'add', probe], { reject: false });
  if (r.exitCode !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  await execa('ip', ['netns', 'del', probe], { reject: false });
  return null;
}

async function ip(...args: string[]): Promise<void> {
  const r = await execa('ip', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Gone, or a zombie: pid 1 of a pid namespace only becomes one after all its processes died. */
async function waitDead(pid: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null || /\) Z /.test(stat)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} did not die`);
}

/**
 * Removes what crashed runs left: namespaces and overlays whose owning process is gone.
 * Hosts of live processes (other vitest workers) are left alone.
 */
export async function cleanupStale(): Promise<void> {
  const listed = await execa('ip', ['netns', 'list'], { reject: false });
  const ids = new Set<string>();
  for (const m of listed.stdout.matchAll(/^mw-(?:srv|out)-([0-9a-f]+)/gm)) ids.add(m[1]!);
  for (const name of await fs.readdir(hostsDir).catch(() => [])) ids.add(name);
  for (const id of ids) {
    if (await ownerAlive(id)) continue;
    for (const ns of [`mw-srv-${id}`, `mw-out-${id}`]) {
      const pids = await execa('ip', ['netns', 'pids', ns], { reject: false });
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
    await removeDir(path.join(hostsDir, id));
    await fs.rm(path.join(OWNERS_DIR, id), { force: true });
  }
}

/**
 * Who owns each host is also kept machine-wide (tmpfs, like the namespaces themselves): a run
 * with another cache (MW_STACK_CACHE) sees namespaces it has no directory for, and must not take
 * a live run's hosts for leftovers.
 */
const OWNERS_DIR = '/run/mail-wizard-testhosts';

async function ownerAlive(id: string): Promise<boolean> {
  for (const file of [path.join(OWNERS_DIR, id), path.join(hostsDir, id, 'owner')]) {
    const owner = Number(await fs.readFile(file, 'utf8').catch(() => 0));
    if (owner && alive(owner)) return true;
  }
  return false;
}

/** rm -rf that never crosses into a mount (a leftover bind mount must not be emptied). */
async function removeDir(dir: string): Promise<void> {
  await execa('rm', ['-rf', '--one-file-system', dir], { reject: false });
}

class BootedMachine implements Machine {
  private child?: ResultPromise;
  private pid1 = 0;
  private seq = 0;

  constructor(
    readonly netns: string,
    readonly address: string,
    readonly address6: string,
    private readonly dir: string,
  ) {}

  /** Runs machine.sh as pid 1 of new namespaces and waits for its "ready". */
  async boot(lower: string, hostname: string, mounts: BindMount[]): Promise<void> {
    const specs = mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
    // setpriv --pdeathsig: if this node process dies, unshare is killed, and --kill-child then
    // takes the whole pid namespace (every daemon of the machine) with it.
    const child = execa(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', 'ip', 'netns', 'exec', this.netns,
        'unshare', '--mount', '--pid', '--uts', '--ipc', '--fork', '--kill-child', '--propagation', 'private',
        '--', path.join(stackDir, 'machine.sh'), lower, this.dir, hostname, ...specs],
      { reject: false, stdin: 'ignore' },
    );
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      void child.then((r) => reject(new Error(`machine ${this.netns} did not boot (exit ${r.exitCode}): ${String(r.stderr).trim()}`)));
      setTimeout(() => reject(new Error(`machine ${this.netns} did not boot in 30 s`)), 30_000).unref();
    });
    await ready;
    // ip execs unshare, so child.pid is unshare; its only child is the machine's pid 1.
    const children = await fs.readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8');
    this.pid1 = Number(children.trim().split(/\s+/)[0]);
    if (!this.pid1) throw new Error(`machine ${this.netns}: pid 1 not found`);
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!this.pid1) throw new Error(`machine ${this.netns} is not running`);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const env = { PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env };
    const args = [`--target=${this.pid1}`, '--mount', '--uts', '--ipc', '--net', '--pid', '--root', '--wd', '--',
      '/usr/bin/env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      // timeout inside the machine: killing nsenter alone would leave the command running.
      'timeout', '-k', '5', `${timeoutMs / 1000}s`, ...argv];
    // Output goes to real files (their descriptors, not pipes, and not execa's {file}, which pipes
    // too): daemons started by init scripts (dovecot, rspamd) keep the caller's stderr open for
    // ever, so a pipe would never reach end-of-file and the call would never return.
    const io = path.join(this.dir, `io-${++this.seq}`);
    const [out, err] = await Promise.all([fs.open(`${io}.out`, 'w'), fs.open(`${io}.err`, 'w')]);
    const started = performance.now();
    let killed = false;
    const status = await new Promise<{ code: number | null }>((resolve, reject) => {
      const child = spawn('/usr/bin/nsenter', args, {
        stdio: [options.input === undefined ? 'ignore' : 'pipe', out.fd, err.fd],
        env: {},
      });
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, timeoutMs + 15_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code });
      });
      // A command that does not read its input may exit first: EPIPE is not an error here.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }).finally(() => Promise.all([out.close(), err.close()]));
    const read = async (file: string) => {
      const text = await fs.readFile(file, 'utf8').catch(() => '');
      await fs.rm(file, { force: true });
      return text;
    };
    const elapsed = performance.now() - started;
    return {
      argv,
      exitCode: status.code,
      stdout: await read(`${io}.out`),
      stderr: await read(`${io}.err`),
      timedOut: killed || ((status.code === 124 || status.code === 137) && elapsed >= timeoutMs),
    };
  }

  async writeFile(file: string, content: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
    const mode = (options.mode ?? 0o644).toString(8);
    const script = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1" && chmod "$2" "$1" && if [ -n "$3" ]; then chown "$3" "$1"; fi';
    ok(await this.exec(['sh', '-c', script, 'sh', file, mode, options.owner ?? ''], { input: content }));
  }

  async readFile(file: string): Promise<string | null> {
    const r = await this.exec(['cat', '--', file]);
    return r.exitCode === 0 ? r.stdout : null;
  }

  async stop(): Promise<void> {
    const { child, pid1 } = this;
    this.child = undefined;
    this.pid1 = 0;
    if (!child) return;
    child.kill('SIGKILL');
    await child;
    if (pid1) await waitDead(pid1);
  }
}

/** Throws with the command's output unless it exited 0; returns the result otherwise. */
export function ok(r: ExecResult): ExecResult {
  if (r.exitCode !== 0) {
    const why = r.timedOut ? 'timed out' : `exit ${r.exitCode}`;
    throw new Error(`${r.argv.join(' ')}: ${why}\n${r.stderr}${r.stdout}`.trim());
  }
  return r;
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  await cleanupStale();
  const lower = options.root ?? (await ensureRoot()).dir;
  const hostname =
    options.hostname ?? ((await fs.readFile(path.join(lower, 'etc/hostname'), 'utf8').catch(() => '')).trim() || 'debian');
  const id = randomBytes(4).toString('hex');
  const dir = path.join(hostsDir, id);
  // The owner file comes first: from here on, cleanupStale() of another run knows whose it is.
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'owner'), String(process.pid));
  await fs.mkdir(OWNERS_DIR, { recursive: true });
  await fs.writeFile(path.join(OWNERS_DIR, id), String(process.pid));

  const server = new BootedMachine(`mw-srv-${id}`, SERVER_ADDRESS, SERVER_ADDRESS6, path.join(dir, 'server'));
  const outside = new BootedMachine(`mw-out-${id}`, OUTSIDE_ADDRESS, OUTSIDE_ADDRESS6, path.join(dir, 'outside'));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    for (const m of [server, outside]) await m.stop().catch((e: unknown) => errors.push(e));
    for (const m of [server, outside]) await execa('ip', ['netns', 'del', m.netns], { reject: false });
    await removeDir(dir);
    await fs.rm(path.join(OWNERS_DIR, id), { force: true });
    if (errors.length) throw new AggregateError(errors, `test host ${id}: stop failed`);
  };

  try {
    for (const m of [server, outside]) {
      await ip('netns', 'add', m.netns);
      await ip('-n', m.netns, 'link', 'set', 'lo', 'up');
    }
    // Created directly in the namespaces: the pair never exists on this machine's own network.
    await ip('-n', server.netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside.netns);
    for (const m of [server, outside]) {
      await ip('-n', m.netns, 'addr', 'add', `${m.address}/24`, 'dev', 'eth0');
      // nodad: usable at once instead of "tentative" for a second or two.
      await ip('-n', m.netns, 'addr', 'add', `${m.address6}/64`, 'dev', 'eth0', 'nodad');
      await ip('-n', m.netns, 'link', 'set', 'eth0', 'up');
    }
    await Promise.all([server.boot(lower, hostname, options.mounts ?? []), outside.boot(lower, 'outside', [])]);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    id,
    dir,
    server,
    outside,
    serverAddress: SERVER_ADDRESS,
    outsideAddress: OUTSIDE_ADDRESS,
    exec: (argv, o) => server.exec(argv, o),
    execOutside: (argv, o) => outside.exec(argv, o),
    writeFile: (file, content, o) => server.writeFile(file, content, o),
    readFile: (file) => server.readFile(file),
    stop,
  };
}
