/**
 * localhost resolves to a public address (the story: a wildcard record plus a search domain made
 * "localhost" mean localhost.<domain>, and Redis and Rspamd tried to bind the public address and
 * did not start). Probed the way daemons resolve: getent through the host's own resolver order, then
 * explained with the project's local-resolution check (src/dns/local-resolution.ts).
 */
import net from 'node:net';
import type { Context } from '../engine/types.js';
import { checkLocalResolution, localhostSearchNames } from '../dns/local-resolution.js';
import { RESOLV_CONF } from './probes.js';
import { checkIs, type Cause, type CauseEntry } from './types.js';

const BIND_TROUBLE = /localhost|cannot assign requested address|EADDRNOTAVAIL|can't bind|cannot bind|could not bind|bind failed|not running|does not answer/i;

function loopback(ip: string): boolean {
  return (net.isIPv4(ip) && ip.startsWith('127.')) || ip === '::1';
}

/** Addresses `name` resolves to on the host, as its daemons would see them (getent). */
async function resolveOnHost(ctx: Context, name: string): Promise<string[]> {
  // glibc's `getent ahosts` uses getaddrinfo (what daemons call); OpenBSD's getent(1) knows `hosts`.
  const db = ctx.platform.name === 'openbsd' ? 'hosts' : 'ahosts';
  const r = await ctx.host.run(['getent', db, name], { timeoutMs: 15_000, readOnly: true });
  if (r.exitCode !== 0) return [];
  return [...new Set(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((a) => net.isIP(a) !== 0))];
}

export async function localhostOutward(ctx: Context): Promise<Cause | null> {
  const addresses = await resolveOnHost(ctx, 'localhost');
  const outward = addresses.filter((a) => !loopback(a));
  if (outward.length === 0) return null;
  const hostsPath = ctx.platform.paths.hosts;
  const resolvConf = (await ctx.host.readFile(RESOLV_CONF)) ?? '';
  const nsswitch = ctx.platform.name === 'openbsd' ? undefined : ((await ctx.host.readFile('/etc/nsswitch.conf')) ?? undefined);
  const answers = new Map<string, string[]>();
  for (const n of localhostSearchNames(resolvConf)) answers.set(n, await resolveOnHost(ctx, n));
  const input = { hosts: (await ctx.host.readFile(hostsPath)) ?? '', resolvConf, hostsPath, ...(nsswitch !== undefined ? { nsswitch } : {}) };
  const explained = checkLocalResolution(input, answers).find((f) => f.status !== 'pass');
  return {
    id: 'localhost-outward',
    cause: `"localhost" resolves to ${outward.join(', ')}, not to 127.0.0.1/::1: a daemon told to use localhost binds or connects to a public address and fails${explained ? ` (${explained.summary})` : ''}.`,
    fix: explained?.fix ?? `${hostsPath} should map localhost to loopback only ("127.0.0.1 localhost", "::1 localhost"), looked up before DNS; delete the wildcard or localhost record in DNS.`,
  };
}

export const localhostResolvesOutward: CauseEntry = {
  id: 'localhost-outward',
  matches: (f, text) => BIND_TROUBLE.test(text) && (checkIs(f, 'services', 'redis', 'rspamd', 'hosts', 'mail-test') || /localhost/i.test(text)),
  probe: (ctx) => localhostOutward(ctx),
};
