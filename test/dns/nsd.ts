/**
 * A real NSD on 127.0.0.1 and a random high port, with its own config and zone files in a temp
 * directory. Used by the DNS tests and the benchmark (so no vitest import here).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { query } from '../../src/dns/client.js';

export interface Zone {
  name: string;
  /** Zone file text; `$ORIGIN` is added. */
  text: string;
}

export interface Nsd {
  host: '127.0.0.1';
  port: number;
  /** "127.0.0.1:PORT", the --nameserver form. */
  address: string;
  dir: string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nsd', '/usr/local/sbin/nsd', '/usr/bin/nsd'];

export function nsdBinary(): string | undefined {
  // NSD_BINARY names the binary to use, and only that one (set it to a missing path to see the skip)
  const env = process.env.NSD_BINARY;
  if (env) return existsSync(env) ? env : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** A port that is free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const tcpOk = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!tcpOk) continue;
    const udpOk = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpOk) return port;
  }
  throw new Error('no free port found');
}

function conf(dir: string, port: number, zones: readonly Zone[]): string {
  const lines = [
    'server:',
    `  ip-address: 127.0.0.1@${port}`,
    `  port: ${port}`,
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`,
    `  xfrdfile: "${dir}/xfrd.state"`,
    `  zonelistfile: "${dir}/zone.list"`,
    '  database: ""',
    '  verbosity: 0',
    '  server-count: 1',
    '  reuseport: no',
    'remote-control:',
    '  control-enable: no',
  ];
  for (const z of zones) lines.push('zone:', `  name: "${z.name}"`, `  zonefile: "${z.name}.zone"`);
  return `${lines.join('\n')}\n`;
}

async function waitReady(port: number, zones: readonly Zone[], child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nsd exited with ${child.exitCode}: ${log()}`);
    const results = await Promise.all(
      zones.map((z) => query({ host: '127.0.0.1', port }, z.name, 'SOA', { timeoutMs: 200, retries: 0 })),
    );
    if (results.every((r) => r.kind === 'answer')) return;
    if (Date.now() > deadline) {
      const missing = zones.filter((_, i) => results[i]?.kind !== 'answer').map((z) => z.name);
      throw new Error(`nsd did not serve ${missing.join(', ')} in time: ${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Checks each zone with nsd-checkzone first, so a broken test zone fails with NSD's own words. */
function checkZones(dir: string, zones: readonly Zone[]): void {
  const checker = path.join(path.dirname(nsdBinary() ?? '/usr/sbin/nsd'), 'nsd-checkzone');
  if (!existsSync(checker)) return;
  for (const z of zones) {
    const r = spawnSync(checker, [z.name, path.join(dir, `${z.name}.zone`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`zone ${z.name} is broken: ${r.stdout}${r.stderr}`);
  }
}

export async function startNsd(zones: readonly Zone[]): Promise<Nsd> {
  const bin = nsdBinary();
  if (!bin) throw new Error('nsd is not installed (Debian: apt-get install nsd)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mw-nsd-'));
  for (const z of zones) await writeFile(path.join(dir, `${z.name}.zone`), `$ORIGIN ${z.name}.\n${z.text}\n`);
  checkZones(dir, zones);
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(path.join(dir, 'nsd.conf'), conf(dir, port, zones));
    const child = spawn(bin, ['-d', '-c', path.join(dir, 'nsd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitReady(port, zones, child, () => log);
      return {
        host: '127.0.0.1',
        port,
        address: `127.0.0.1:${port}`,
        dir,
        stop: async () => {
          if (child.exitCode === null) {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 3000);
            await exited;
            clearTimeout(t);
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
