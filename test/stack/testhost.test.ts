/**
 * Proof that the test host works: the cached trixie root boots, has what the stack tests need,
 * and its two machines reach each other over the veth pair and nothing else.
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRoot, ok, startTestHost, testHostProblem, type TestHost } from './testhost.js';
import { waitFor } from './world.js';

const problem = await testHostProblem();
// On a developer machine a missing capability skips loudly; in CI it is a failure.
const ci = Boolean(process.env.CI);
if (problem && !ci) console.warn(`SKIPPED test/stack: ${problem} (stack tests need root and network namespaces)`);

it.runIf(problem !== null && ci)('can create test hosts (CI must)', () => {
  throw new Error(`stack tests cannot run: ${problem}`);
});

/** A one-shot TCP server: prints what the client sent, answers, exits. */
const listen = (address: string, port: number) =>
  `const s = require('net').createServer((c) => c.on('data', (d) => { process.stdout.write(String(d)); c.end('hello from ' + require('os').hostname()); s.close(); }));
   s.listen(${port}, '${address}', () => console.error('listening'));
   setTimeout(() => process.exit(3), 15000).unref();`;

/** Connects (retrying while the server starts), sends a line, prints the answer. */
const connect = (address: string, port: number) =>
  `const net = require('net'); const until = Date.now() + 10000;
   (function attempt() {
     const c = net.connect(${port}, '${address}', () => c.write('ping from ' + require('os').hostname()));
     c.on('data', (d) => process.stdout.write(String(d)));
     c.on('error', (e) => { if (e.code === 'ECONNREFUSED' && Date.now() < until) setTimeout(attempt, 50); else { console.error(e.code); process.exit(2); } });
   })();`;

describe.skipIf(problem !== null)('test host', () => {
  let host: TestHost;

  beforeAll(async () => {
    const root = await ensureRoot();
    console.info(`root ${root.dir}: ${root.built ? 'built' : 'cached'} in ${root.seconds.toFixed(1)} s`);
    const started = performance.now();
    host = await startTestHost({ root: root.dir });
    console.info(`test host ${host.id} started in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  }, 900_000);

  afterAll(async () => {
    await host?.stop();
  }, 60_000);

  it('runs node 20 or later inside the root', async () => {
    const r = ok(await host.exec(['node', '--version']));
    expect(Number(/^v(\d+)\./.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(20);
  });

  it('has the init scripts of the four daemons', async () => {
    for (const name of ['opensmtpd', 'dovecot', 'redis-server', 'rspamd']) {
      ok(await host.exec(['test', '-x', `/etc/init.d/${name}`]));
    }
  });

  it('has the clients the stack tests use', async () => {
    for (const tool of ['swaks', 'dkimverify', 'python3', 'nc', 'openssl', 'nft']) {
      ok(await host.execOutside(['sh', '-c', `command -v ${tool}`]));
    }
  });

  it('writes and reads files inside the server only', async () => {
    await host.writeFile('/root/probe/file.txt', 'hello\n', { mode: 0o600 });
    expect(await host.readFile('/root/probe/file.txt')).toBe('hello\n');
    expect(ok(await host.exec(['stat', '-c', '%a %U', '/root/probe/file.txt'])).stdout.trim()).toBe('600 root');
    expect(await host.outside.readFile('/root/probe/file.txt')).toBeNull();
  });

  it('gives each machine its own hostname, processes and network', async () => {
    expect(ok(await host.exec(['hostname'])).stdout.trim()).toBe('debian');
    expect(ok(await host.execOutside(['hostname'])).stdout.trim()).toBe('outside');
    // pid 1 is the machine's init, not this machine's.
    expect(ok(await host.exec(['cat', '/proc/1/cmdline'])).stdout).toContain('python3');
    expect(ok(await host.exec(['ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout).toContain(`${host.serverAddress}/24`);
  });

  it('returns from init scripts whose daemon keeps stderr, and keeps their syslog', async () => {
    // dovecot's master keeps the caller's stderr open: a piped exec would wait for ever.
    ok(await host.exec(['/etc/init.d/dovecot', 'start'], { timeoutMs: 30_000 }));
    ok(await host.exec(['logger', '-t', 'mwtest', 'hello']));
    // Both lines reach the log when syslog gets to them (later on a busy machine): wait for that.
    const seen = (text: string) => /dovecot: master: Dovecot v2\.4/.test(text) && /mwtest: hello/.test(text);
    const syslog = await waitFor('dovecot\'s and logger\'s lines in /var/log/syslog', async () => {
      const text = (await host.readFile('/var/log/syslog')) ?? '';
      return seen(text) ? text : null;
    }).catch(async () => (await host.readFile('/var/log/syslog')) ?? '');
    expect(syslog).toMatch(/dovecot: master: Dovecot v2\.4/);
    expect(syslog).toMatch(/mwtest: hello/);
  });

  it('reaches the server from outside and outside from the server over the veth', async () => {
    for (const [from, to, address] of [
      [host.outside, host.server, host.serverAddress],
      [host.server, host.outside, host.outsideAddress],
      [host.outside, host.server, host.server.address6],
    ] as const) {
      const server = to.exec(['node', '-e', listen(address, 2525)], { timeoutMs: 20_000 });
      const client = ok(await from.exec(['node', '-e', connect(address, 2525)], { timeoutMs: 20_000 }));
      const served = ok(await server);
      expect(client.stdout).toBe(`hello from ${ok(await to.exec(['hostname'])).stdout.trim()}`);
      // The server sees the client's own address: "outside" is not 127.0.0.1.
      expect(served.stdout).toMatch(/^ping from /);
    }
  }, 60_000);

  it('cannot reach anything beyond the two namespaces', async () => {
    for (const m of [host.server, host.outside]) {
      expect(ok(await m.exec(['ip', 'route', 'show', 'default'])).stdout.trim()).toBe('');
      const r = await m.exec(['ip', 'route', 'get', '203.0.113.1']);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/unreachable/i);
    }
  });

  it('stop() kills every process and removes namespaces and files', async () => {
    const other = await startTestHost();
    // A daemon-like process that outlives the command that started it (and a unique marker).
    const marker = String(100_000 + Math.floor(Math.random() * 800_000));
    ok(await other.exec(['sh', '-c', `sleep ${marker} >/dev/null 2>&1 &`]));
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain(other.id);
    expect((await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false })).exitCode).toBe(1);
    expect(existsSync(other.dir)).toBe(false);
    await other.stop(); // idempotent
  }, 60_000);
});
