/**
 * The RCPT question `user remove` and `alias remove` ask smtpd, against a real TCP server on
 * loopback that answers as smtpd does: multi-line EHLO replies, replies split across packets, a
 * refusal before RCPT. The stack suite asks the real smtpd.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { smtpRcpt } from '../../src/people/smtp-rcpt.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that sends `greeting`, then for each command line the next reply (written in two pieces). */
async function serve(greeting: string, replies: string[], seen: string[] = []): Promise<number> {
  server = createServer((socket: Socket) => {
    socket.write(greeting);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        seen.push(line);
        const reply = replies.shift();
        if (reply === undefined) return void socket.end();
        socket.write(reply.slice(0, 3));
        setImmediate(() => socket.write(reply.slice(3)));
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as { port: number }).port;
}

describe('smtpRcpt', () => {
  it('returns the RCPT reply after a multi-line EHLO, and sends nothing more than the questions', async () => {
    const seen: string[] = [];
    const port = await serve('220 mail.example.org ESMTP OpenSMTPD\r\n', ['250-mail.example.org Hello\r\n250-8BITMIME\r\n250 HELP\r\n', '250 2.0.0 Ok\r\n', '550 Invalid recipient: <bob@example.org>\r\n', '221 Bye\r\n'], seen);
    const r = await smtpRcpt('bob@example.org', { port, helo: 'mail.example.org', timeoutMs: 10_000 });
    expect(r).toEqual({ ok: true, code: 550, reply: '550 Invalid recipient: <bob@example.org>' });
    expect(seen.slice(0, 3)).toEqual(['EHLO mail.example.org', 'MAIL FROM:<>', 'RCPT TO:<bob@example.org>']);
    expect(seen).not.toContain('DATA');
  });

  it('an accepted recipient is a 250', async () => {
    const port = await serve('220 hi\r\n', ['250 hello\r\n', '250 ok\r\n', '250 2.1.5 Destination address valid\r\n']);
    expect(await smtpRcpt('alice@example.org', { port, helo: 'h', timeoutMs: 10_000 })).toMatchObject({ ok: true, code: 250 });
  });

  it('a refusal before RCPT, or nobody listening, is an error that says so', async () => {
    const port = await serve('554 go away\r\n', []);
    expect(await smtpRcpt('bob@example.org', { port, helo: 'h', timeoutMs: 10_000 })).toEqual({ ok: false, error: 'the server answered "554 go away" before RCPT' });
    const closed = await serve('220 hi\r\n', []);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const r = await smtpRcpt('bob@example.org', { port: closed, helo: 'h', timeoutMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/ECONNREFUSED|closed/);
  });
});
