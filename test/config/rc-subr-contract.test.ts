/**
 * The rc.subr contract for the openbsd profile, checked with a STAND-IN for rc.subr: OpenBSD cannot
 * boot here, so this is not rc.subr and not rcctl, only what they require of a daemon, kept to
 * what src: etc/rc.d/rc.subr does on `start` (rc_cmd start, _rc_wait):
 *   - it runs the rc.d script's `${daemon} ${daemon_flags}` as `daemon_user`, output to /dev/null;
 *   - without `rc_bg=YES` it waits for that command to return, at most `daemon_timeout` (30 s),
 *     and a command still running then is killed: `rcctl start` says "(timeout)" and fails;
 *   - the command must exit 0, and the daemon must then be running.
 * So every daemon the profile starts must detach by itself, within 30 s, and keep serving.
 *
 * The rc.d scripts' own lines are quoted below (ports: mail/dovecot/pkg/dovecot.rc,
 * mail/rspamd/pkg/rspamd.rc, databases/redis/bsd/pkg/redis.rc; src: etc/rc.d/smtpd). Each runs
 * the Debian build of the same daemon (bookworm: smtpd 6.8, Dovecot 2.3, rspamd 3.4, Redis 7) on
 * the files the openbsd profile renders, with every OpenBSD path mapped into a temp root: the
 * rendered files name mapped paths, and the paths compiled into the Debian builds (their config
 * file, run and state directories) are bind-mounted to the mapped OpenBSD ones, in a mount
 * namespace of the daemon's own. Daemons run in a network namespace of this test with only
 * loopback, and answer there: Redis PING (on its unix socket), rspamd /ping, smtpd's SMTP greeting, Dovecot's LMTP
 * greeting on the socket smtpd.conf names.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Daemon, Platform } from '../../src/platform/types.js';
import { pipeSocketDir } from '../../recipes/dovecot.js';
import { renderRedisConf } from '../../recipes/templates/redis.js';
import { dkimPaths } from '../../recipes/templates/input.js';
import { platformUnder } from '../support/mapped-platform.js';
import { missingTools } from '../support/require-tool.js';
import { tempDir } from '../support/tmp.js';
import { forDebianRedis, OPENBSD_ANSWERS, OPENBSD_FACTS, put, writeOpenbsdTree } from './openbsd-on-debian.js';

const run = promisify(execFile);

/** src: etc/rc.d/rc.subr: `[ -z "${daemon_timeout}" ] && daemon_timeout=30`. */
const DAEMON_TIMEOUT_MS = 30_000;
/** How long a daemon may take to answer once its start returned (a busy machine; not a contract). */
const ANSWER_DEADLINE_MS = 90_000;

const DEBIAN_BUILDS = ['/usr/sbin/smtpd', '/usr/sbin/dovecot', '/usr/bin/rspamd', '/usr/bin/redis-server', '/usr/bin/redis-cli', '/usr/bin/curl', '/usr/bin/setpriv', '/usr/sbin/ip'];
const skip = process.getuid?.() !== 0 || missingTools('rc.subr contract (stand-in)', DEBIAN_BUILDS);

/** One rc.d script, as OpenBSD ships it, and how the Debian build of its daemon stands in. */
interface RcScript {
  /** The file, and its lines that matter here. */
  source: string;
  daemon: string;
  /** daemon_flags, with OpenBSD paths (mapped into the root when run). */
  flags: string[];
  daemonUser: string;
  /** rc_pre, as the directories it makes (OpenBSD paths). */
  rcPre?: { dir: string; owner: string; mode: number }[];
  /** The Debian build of the same daemon, and its account for daemonUser. */
  debian: { daemon: string; user: string };
  /**
   * Paths compiled into the Debian build → the OpenBSD path it stands for (mapped into the root),
   * bound in this order; a later target may lie inside an earlier one.
   */
  binds: [debianPath: string, openbsdPath: string][];
}

const RC_SCRIPTS: Record<Exclude<Daemon, 'httpd'>, RcScript> = {
  smtpd: {
    source: 'src: etc/rc.d/smtpd: daemon="/usr/sbin/smtpd" (no flags; smtpd reads /etc/mail/smtpd.conf)',
    daemon: '/usr/sbin/smtpd',
    flags: [],
    daemonUser: 'root',
    debian: { daemon: '/usr/sbin/smtpd', user: 'root' },
    binds: [
      ['/etc/smtpd.conf', '/etc/mail/smtpd.conf'], // the build's CONF_FILE; OpenBSD's is /etc/mail/smtpd.conf
      ['/var/spool', '/var/spool'], // its queue, /var/spool/smtpd
      ['/run', '/var/run'], // its control socket, /var/run/smtpd.sock
    ],
  },
  dovecot: {
    source: 'ports: mail/dovecot/pkg/dovecot.rc: daemon="${TRUEPREFIX}/sbin/dovecot" (no flags)',
    daemon: '/usr/local/sbin/dovecot',
    flags: [],
    daemonUser: 'root',
    debian: { daemon: '/usr/sbin/dovecot', user: 'root' },
    binds: [
      ['/etc/dovecot', '/etc/dovecot'],
      // ports: mail/dovecot/Makefile: --with-rundir=/var/dovecot --with-statedir=/var/dovecot
      ['/run', '/var/run'],
      ['/run/dovecot', '/var/dovecot'],
      ['/var/lib/dovecot', '/var/dovecot'],
    ],
  },
  rspamd: {
    source: 'ports: mail/rspamd/pkg/rspamd.rc: daemon="${TRUEPREFIX}/bin/rspamd" daemon_flags="-u _rspamd -g _rspamd"',
    daemon: '/usr/local/bin/rspamd',
    flags: ['-u', '_rspamd', '-g', '_rspamd'],
    daemonUser: 'root',
    rcPre: [{ dir: '/var/run/rspamd', owner: '_rspamd', mode: 0o755 }],
    debian: { daemon: '/usr/bin/rspamd', user: 'root' },
    binds: [
      // ports: mail/rspamd/Makefile: CONFDIR ${SYSCONFDIR}/rspamd, DBDIR /var/rspamd, LOGDIR /var/log/rspamd, RUNDIR /var/run/rspamd
      ['/etc/rspamd', '/etc/rspamd'],
      ['/var/lib/rspamd', '/var/rspamd'],
      ['/var/log/rspamd', '/var/log/rspamd'],
      ['/run', '/var/run'], // then /run/rspamd is /var/run/rspamd
    ],
  },
  redis: {
    source: 'ports: databases/redis/bsd/pkg/redis.rc: daemon="${TRUEPREFIX}/bin/redis-server" daemon_flags="${SYSCONFDIR}/redis/redis.conf" daemon_user="_redis", no rc_bg',
    daemon: '/usr/local/bin/redis-server',
    flags: ['/etc/redis/redis.conf'],
    daemonUser: '_redis',
    // rc_pre: install -d -o _redis -g _redis -m 0750 /var/run/redis
    rcPre: [{ dir: '/var/run/redis', owner: '_redis', mode: 0o750 }],
    debian: { daemon: '/usr/bin/redis-server', user: 'redis' },
    binds: [],
  },
};

/** OpenBSD accounts → the Debian packages' accounts for the same daemons. */
const ACCOUNTS: Record<string, string> = { root: 'root', _redis: 'redis', _rspamd: '_rspamd' };

async function ids(account: string): Promise<{ uid: number; gid: number }> {
  const name = ACCOUNTS[account] ?? account;
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

/** A network namespace with loopback only, for the daemons and the clients that ask them. */
class Netns {
  readonly name = `mw-rcsubr-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  async create(): Promise<void> {
    await run('ip', ['netns', 'add', this.name]);
    await run('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
  }
  exec(argv: string[], timeoutMs = 15_000) {
    return run('ip', ['netns', 'exec', this.name, ...argv], { timeout: timeoutMs });
  }
  /** The processes in the namespace: all of them started by this test. */
  async pids(): Promise<number[]> {
    return (await run('ip', ['netns', 'pids', this.name]).catch(() => ({ stdout: '' }))).stdout.split(/\s+/).filter(Boolean).map(Number);
  }
  /** Ends every process in the namespace, by pid, then removes it. */
  async destroy(): Promise<void> {
    const pids = () => this.pids();
    // A listed process may be gone by the time it is signalled (a worker its master just ended).
    const signal = (pid: number, sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    };
    for (const pid of await pids()) signal(pid, 'SIGTERM');
    const gone = await until(async () => (await pids()).length === 0, 30_000).catch(() => false);
    if (!gone) for (const pid of await pids()) signal(pid, 'SIGKILL');
    await until(async () => (await pids()).length === 0, 10_000).catch(() => undefined);
    await run('ip', ['netns', 'del', this.name]).catch(() => undefined);
  }
}

/** Polls check until it holds; throws with the last state when the deadline passes. */
async function until<T>(check: () => Promise<T | false | null>, deadlineMs: number, what = 'condition'): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null) return value;
      last = `last seen: ${String(value)}`;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} not reached within ${deadlineMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type StartOutcome = { result: 'ok' | 'failed'; code: number | null; signal: NodeJS.Signals | null; ms: number } | { result: 'timeout'; ms: number };

interface Started {
  /** The pid of the start command (ip netns exec → sh → [setpriv →] the daemon: one process). */
  pid: number;
  exited: boolean;
  /** Settles like rc.subr's start: ok (exit 0), failed (other exit), timeout (still running at 30 s). */
  outcome: Promise<StartOutcome>;
  stderr: () => string;
}

/**
 * The stand-in for rc.subr's `start`: rc_pre, then `${daemon} ${daemon_flags}` as daemon_user with
 * output discarded, waiting at most daemon_timeout for it to return. A command still running then
 * gets SIGALRM, as rc.subr's timer sends it (`pkill -ALRM -P $$`), and the start is a timeout.
 * (What a daemon does with the alarm is its own affair: Redis catches SIGALRM for its watchdog.)
 */
async function rcStart(script: RcScript, root: string, ns: Netns, timeoutMs = DAEMON_TIMEOUT_MS): Promise<Started> {
  for (const pre of script.rcPre ?? []) {
    const dir = `${root}${pre.dir}`;
    await fs.mkdir(path.dirname(dir), { recursive: true }); // /var/run: 0755, as OpenBSD has it
    await fs.mkdir(dir, { recursive: true });
    const { uid, gid } = await ids(pre.owner);
    await fs.chown(dir, uid, gid);
    await fs.chmod(dir, pre.mode);
  }
  const mapped = (p: string) => (p.startsWith('/') ? `${root}${p}` : p);
  const binds = script.binds.flatMap(([debianPath, openbsdPath]) => [mapped(openbsdPath), debianPath]);
  const asUser = script.daemonUser === 'root' ? [] : ['setpriv', `--reuid=${ACCOUNTS[script.daemonUser]}`, `--regid=${ACCOUNTS[script.daemonUser]}`, '--init-groups', '--'];
  // Arguments, never a shell string built from paths: the shell only loops over "$@".
  const mountThenExec = 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 97; shift 2; done; shift; exec "$@"';
  const argv = ['netns', 'exec', ns.name, 'sh', '-c', mountThenExec, 'sh', ...binds, '--', ...asUser, script.debian.daemon, ...script.flags.map(mapped)];
  const t0 = Date.now();
  // Output kept for the failure message only (rc.subr sends it to /dev/null); the wait is for 'exit'.
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => (stderr += d.toString()));
  const started: Started = { pid: child.pid!, exited: false, stderr: () => stderr, outcome: Promise.resolve({ result: 'timeout', ms: 0 }) };
  started.outcome = new Promise<StartOutcome>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGALRM');
      resolve({ result: 'timeout', ms: Date.now() - t0 });
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      started.exited = true;
      clearTimeout(timer);
      resolve({ result: code === 0 ? 'ok' : 'failed', code, signal, ms: Date.now() - t0 });
    });
  });
  return started;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// What each daemon answers, asked inside the namespace with the Debian clients.
/** Redis listens on its unix socket only (no TCP port), where redis.conf puts it. */
async function redisPing(ns: Netns, socket: string): Promise<boolean> {
  return (await ns.exec(['redis-cli', '-s', socket, 'ping'])).stdout.trim() === 'PONG';
}
async function redisPid(ns: Netns, socket: string): Promise<number> {
  const info = (await ns.exec(['redis-cli', '-s', socket, 'info', 'server'])).stdout;
  return Number(/^process_id:(\d+)/m.exec(info)?.[1]);
}
async function rspamdPing(ns: Netns): Promise<boolean> {
  return (await ns.exec(['curl', '-s', '--max-time', '5', 'http://127.0.0.1:11333/ping'])).stdout.trim() === 'pong';
}
/** The first line a server sends on connect (TCP inside the namespace). */
async function tcpGreeting(ns: Netns, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'127.0.0.1');let b='';s.on('data',d=>{b+=d;if(b.includes('\\n')){process.stdout.write(b.split('\\n')[0]);s.destroy()}});s.on('error',e=>{console.error(e.message);process.exit(1)});setTimeout(()=>process.exit(2),10000).unref()`;
  return (await ns.exec([process.execPath, '-e', script])).stdout.trim();
}
/** The first line on a unix socket (a path: no namespace needed). */
function socketGreeting(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let b = '';
    s.setTimeout(10_000, () => s.destroy(new Error(`no greeting on ${socketPath}`)));
    s.on('data', (d) => {
      b += d.toString();
      if (b.includes('\n')) {
        s.destroy();
        resolve(b.split('\n')[0]!.trim());
      }
    });
    s.on('error', reject);
  });
}

/** Directories the packages make (PLISTs, rc_pre) and that setup leaves, with their owners. */
async function prepareRoot(root: string, platform: Platform): Promise<void> {
  await fs.chmod(root, 0o755); // daemons that drop root must reach the files under it
  const dirs: [string, string, number][] = [
    [platform.paths.redisDir, '_redis', 0o700], // ports: databases/redis/bsd/pkg/PLIST: @mode 0700 @owner _redis ${DBDIR}/
    [`${root}/var/rspamd`, '_rspamd', 0o755],
    [`${root}/var/log/rspamd`, '_rspamd', 0o755],
    [`${root}/var/dovecot`, 'root', 0o755],
    [`${root}/var/spool/smtpd`, 'root', 0o711],
    [`${root}/var/run`, 'root', 0o755],
    [`${root}/var/run/dovecot`, 'root', 0o755], // a mount point only: /run/dovecot of the Debian build
  ];
  for (const [dir, owner, mode] of dirs) {
    await fs.mkdir(dir, { recursive: true });
    const { uid, gid } = await ids(owner);
    await fs.chown(dir, uid, gid);
    await fs.chmod(dir, mode);
  }
  // The learn services' socket directory, as the dovecot step makes it for Dovecot 2.3 (its group
  // is the learn group, which Dovecot's own group stands in for: see forDebianDovecot).
  const pipe = pipeSocketDir({ platform, facts: OPENBSD_FACTS });
  if (pipe) {
    await fs.mkdir(pipe.path, { recursive: true });
    await fs.chown(pipe.path, 0, Number((await run('getent', ['group', 'dovecot'])).stdout.split(':')[2]));
    await fs.chmod(pipe.path, pipe.mode);
  }
  // The DKIM key is readable by the _rspamd group (the dkim step sets it so).
  await fs.chown(dkimPaths({ answers: OPENBSD_ANSWERS, platform }).key, 0, (await ids('_rspamd')).gid);
}

describe.skipIf(skip)('rc.subr contract for the openbsd profile (a stand-in for rc.subr, Debian builds of the daemons)', () => {
  let root: string;
  let platform: Platform;
  const ns = new Netns();

  beforeAll(async () => {
    root = await tempDir('mail-wizard-rcsubr-');
    platform = platformUnder(openbsd, root);
    await writeOpenbsdTree(platform);
    await prepareRoot(root, platform);
    await ns.create();
  }, 60_000);
  afterAll(async () => {
    await ns?.destroy();
    if (root) await fs.rm(root, { recursive: true, force: true });
  }, 90_000);

  const answersFor: Record<Exclude<Daemon, 'httpd'>, () => Promise<string | false>> = {
    redis: async () => (await redisPing(ns, platform.paths.redisSocket)) && 'PONG',
    rspamd: async () => (await rspamdPing(ns)) && 'pong',
    dovecot: async () => {
      const line = await socketGreeting(platform.paths.lmtpSocket);
      return /^220 .*Dovecot.* ready/.test(line) && line;
    },
    smtpd: async () => {
      const line = await tcpGreeting(ns, 25);
      return /^220 /.test(line) && line;
    },
  };

  /**
   * Debian's rspamd is built with hyperscan: its first start compiles the URL matcher for every
   * TLD (20-30 s on a busy machine) before it forks, and caches it in its DBDIR. OpenBSD's
   * flavor-less rspamd (what `pkg_add rspamd--` installs; hyperscan is a FLAVOR of ports:
   * mail/rspamd) has no such compile. So the cache is filled first, untimed, by one start and stop.
   */
  it('rspamd (Debian build): a first start and stop fills its hyperscan cache (not the contract)', async () => {
    const warm = await rcStart(RC_SCRIPTS.rspamd, root, ns, 5 * 60_000);
    expect(await warm.outcome, warm.stderr()).toMatchObject({ result: 'ok' });
    await until(answersFor.rspamd, ANSWER_DEADLINE_MS, 'rspamd answering');
    const pidFile = `${root}/var/run/rspamd/rspamd.pid`;
    const pid = Number((await fs.readFile(pidFile, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    // Main process and workers gone (nothing else runs in the namespace yet): port 11333 is free.
    await until(async () => (await ns.pids()).length === 0, 60_000, `rspamd ${pid} and its workers gone`);
    console.info(`rspamd: cold start returned in ${(await warm.outcome).ms} ms`);
  }, 6 * 60_000);

  // In the services step's order: Redis before rspamd, Dovecot before smtpd.
  for (const daemon of ['redis', 'rspamd', 'dovecot', 'smtpd'] as const) {
    it(`${daemon}: its start returns within daemon_timeout, and it keeps running and answering`, async () => {
      const script = RC_SCRIPTS[daemon];
      const start = await rcStart(script, root, ns);
      const outcome = await start.outcome;
      expect(outcome, `${script.source}\nstderr: ${start.stderr()}`).toMatchObject({ result: 'ok', code: 0 });
      const answer = await until(answersFor[daemon], ANSWER_DEADLINE_MS, `${daemon} answering`);
      expect(answer).toBeTruthy();
      console.info(`${daemon}: start returned in ${outcome.ms} ms; answers ${answer}`);
      // Still there after its start command is gone: the daemon detached from it.
      expect(start.exited).toBe(true);
    }, DAEMON_TIMEOUT_MS + ANSWER_DEADLINE_MS + 10_000);
  }

  it('the answering Redis is not its start command: it forked, as rc.subr needs', async () => {
    const pid = await redisPid(ns, platform.paths.redisSocket);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    const pidFile = (await fs.readFile(platform.paths.redisPidFile, 'utf8')).trim();
    expect(Number(pidFile)).toBe(pid);
  });
});

describe.skipIf(skip)('rc.subr contract: the old `daemonize no` redis.conf breaks it (stand-in for rc.subr)', () => {
  let root: string;
  let platform: Platform;
  const ns = new Netns();

  beforeAll(async () => {
    root = await tempDir('mail-wizard-rcsubr-old-');
    // The profile as it was: Redis in the foreground, as if rc_bg were set (it is not).
    platform = { ...platformUnder(openbsd, root), redisDaemonize: false };
    await put(platform.paths.redisConf, forDebianRedis(renderRedisConf({ platform })));
    await fs.chmod(root, 0o755);
    await fs.mkdir(platform.paths.redisDir, { recursive: true });
    const { uid, gid } = await ids('_redis');
    await fs.chown(platform.paths.redisDir, uid, gid);
    await ns.create();
  }, 60_000);
  afterAll(async () => {
    await ns?.destroy();
    if (root) await fs.rm(root, { recursive: true, force: true });
  }, 90_000);

  it('redis serves from inside its start command, so its start times out', async () => {
    expect(await fs.readFile(platform.paths.redisConf, 'utf8')).toMatch(/^daemonize no$/m);
    const start = await rcStart(RC_SCRIPTS.redis, root, ns);
    await until(async () => redisPing(ns, platform.paths.redisSocket), DAEMON_TIMEOUT_MS, 'redis answering').catch((err) => {
      throw new Error(`${String(err)}\nstart: ${start.exited ? 'exited' : 'running'}; stderr: ${start.stderr()}`);
    });
    // Up and serving, and the process serving is the start command itself: it can return only
    // when Redis exits, so the start cannot return before daemon_timeout.
    expect(await redisPid(ns, platform.paths.redisSocket)).toBe(start.pid);
    expect(start.exited).toBe(false);
    // rc.subr's verdict at daemon_timeout: "(timeout)", so `rcctl start redis` fails, at boot too.
    expect(await start.outcome).toMatchObject({ result: 'timeout' });
  }, DAEMON_TIMEOUT_MS + 30_000);
});
