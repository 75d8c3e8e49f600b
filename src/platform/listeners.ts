/**
 * TCP services that listen on a public address right now: the firewall keeps them reachable, as
 * they were before the wizard came (a website on a lived-in box must not go dark because mail
 * arrived). Loopback listeners (Redis, rspamd's workers) are no one else's business.
 *   Debian: `ss -Hltnp` (iproute2): "LISTEN 0 511 0.0.0.0:443 0.0.0.0:* users:(("nginx",pid=7,fd=6))".
 *   OpenBSD: `netstat -an -p tcp`: "tcp 0 0 *.443 *.* LISTEN" (src: usr.bin/netstat/inet.c,
 *   inetprint() prints an endpoint as ADDRESS.PORT, `*` for any address).
 */

export interface Listener {
  port: number;
  /** The process, when the tool names it. */
  program?: string;
}

function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

function add(found: Map<number, Listener>, port: number, program?: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return;
  const known = found.get(port);
  if (!known) found.set(port, program ? { port, program } : { port });
  else if (!known.program && program) known.program = program;
}

/** Listeners from `ss -Hltn[p]` output, loopback ones left out. */
export function listenersFromSs(output: string): Listener[] {
  const found = new Map<number, Listener>();
  for (const line of output.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'LISTEN' || !f[3]) continue;
    const m = /^(.*):(\d+)$/.exec(f[3]);
    if (!m || isLoopback(m[1]!)) continue;
    add(found, Number(m[2]), /users:\(\("([^"]+)"/.exec(line)?.[1]);
  }
  return [...found.values()].sort((a, b) => a.port - b.port);
}

/** Listeners from OpenBSD's `netstat -an -p tcp` output, loopback ones left out. */
export function listenersFromNetstat(output: string): Listener[] {
  const found = new Map<number, Listener>();
  for (const line of output.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!/^tcp6?$/.test(f[0] ?? '') || f[5] !== 'LISTEN' || !f[3]) continue;
    const m = /^(.*)\.(\d+)$/.exec(f[3]);
    if (!m || isLoopback(m[1]!)) continue;
    add(found, Number(m[2]));
  }
  return [...found.values()].sort((a, b) => a.port - b.port);
}
