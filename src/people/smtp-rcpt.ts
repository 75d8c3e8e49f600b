/**
 * Asks the local smtpd whether it takes mail for an address: EHLO, MAIL FROM:<>, RCPT TO, QUIT,
 * and nothing is sent. How `user remove` proves that mail to a removed address is now refused
 * (a local sendmail would take it and bounce it later, which proves nothing at once).
 */
import { connect } from 'node:net';

export type RcptResult = { ok: true; code: number; reply: string } | { ok: false; error: string };

export function smtpRcpt(address: string, opts: { host?: string; port?: number; helo: string; timeoutMs?: number }): Promise<RcptResult> {
  const { host = '127.0.0.1', port = 25, helo, timeoutMs = 30_000 } = opts;
  // One command per reply: the greeting, then EHLO, MAIL and RCPT.
  const commands = [`EHLO ${helo}`, 'MAIL FROM:<>', `RCPT TO:<${address}>`];
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buffer = '';
    let settled = false;
    const done = (result: RcptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!socket.destroyed) socket.end('QUIT\r\n');
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: `no complete SMTP dialogue with ${host}:${port} within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (err) => done({ ok: false, error: `${host}:${port}: ${err.message}` }));
    socket.on('close', () => done({ ok: false, error: `${host}:${port} closed the connection` }));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      // A reply ends with a line "NNN text" (a space after the code, not the "NNN-" of a continuation).
      for (;;) {
        // Only complete lines (ended by CRLF) count: a reply may arrive in pieces.
        const all = buffer.split('\r\n');
        const lines = all.slice(0, -1);
        const last = lines.findIndex((l) => /^\d{3}( |$)/.test(l));
        if (last < 0) return;
        const reply = lines[last]!;
        buffer = all.slice(last + 1).join('\r\n');
        const code = Number(reply.slice(0, 3));
        const next = commands.shift();
        if (next === undefined) return done({ ok: true, code, reply: reply.trim() });
        if (code >= 400) return done({ ok: false, error: `the server answered "${reply.trim()}" before RCPT` });
        socket.write(`${next}\r\n`);
      }
    });
  });
}
