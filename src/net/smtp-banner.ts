/**
 * Reads the greeting of an SMTP server: proves something listens and speaks SMTP. Says whether the
 * connection was accepted, because "accepted but silent" and "refused" have different causes:
 * smtpd greets only after its reverse lookup of the client, so a box whose resolver does not answer
 * greets late (after the resolver's time-outs), while a stopped smtpd refuses at once.
 */
import { connect } from 'node:net';

export type BannerResult =
  | { ok: true; banner: string; elapsedMs: number }
  | { ok: false; error: string; elapsedMs: number; /** The TCP connection was accepted (something listens). */ connected: boolean };

export function smtpBanner(host: string, port: number, timeoutMs = 5000): Promise<BannerResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let data = '';
    let connected = false;
    let settled = false;
    const done = (result: { ok: true; banner: string } | { ok: false; error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result.ok ? { ...result, elapsedMs: elapsed() } : { ...result, elapsedMs: elapsed(), connected });
    };
    const timer = setTimeout(
      () => done({ ok: false, error: connected ? `${host}:${port} accepted the connection but sent no greeting within ${Math.round(timeoutMs / 1000)} s` : `no connection to ${host}:${port} within ${Math.round(timeoutMs / 1000)} s` }),
      timeoutMs,
    );
    socket.on('connect', () => {
      connected = true;
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const line = data.split('\r\n')[0] ?? '';
      if (data.includes('\n')) {
        done(line.startsWith('220') ? { ok: true, banner: line.trim() } : { ok: false, error: `unexpected greeting: ${line.trim()}` });
      }
    });
    socket.on('error', (err) => done({ ok: false, error: `${host}:${port}: ${err.message}` }));
    socket.on('end', () => done({ ok: false, error: `${host}:${port} closed the connection without a greeting` }));
  });
}
