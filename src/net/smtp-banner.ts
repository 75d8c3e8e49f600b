/** Reads the greeting of an SMTP server: proves something listens and speaks SMTP. */
import { connect } from 'node:net';

export type BannerResult = { ok: true; banner: string } | { ok: false; error: string };

export function smtpBanner(host: string, port: number, timeoutMs = 5000): Promise<BannerResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let data = '';
    const done = (result: BannerResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: `no greeting from ${host}:${port} within ${timeoutMs} ms` }), timeoutMs);
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
