/**
 * One TCP connection to a mail port, made from this process: the greeting, the EHLO reply,
 * STARTTLS (SMTP or IMAP) or TLS at once, and what the TLS handshake showed (protocol, the chain
 * the server sent, whether it verifies). The Host's `connect` for hosts whose network is this
 * machine's (local, rooted); it never throws, the result says what happened.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { ConnectRequest, ConnectResult, HttpSeen, TlsSeen } from '../host/host.js';

/** Lines from a socket, read as they arrive; `until` resolves with the lines up to the one that matches. */
class LineReader {
  private buffer = '';
  private lines: string[] = [];
  private waiter: { match: (l: string) => boolean; resolve: (lines: string[]) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;
  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString('latin1');
    const parts = this.buffer.split(/\r?\n/);
    this.buffer = parts.pop() ?? '';
    this.lines.push(...parts);
    this.check();
  };
  private readonly onEnd = () => this.fail(new Error(`the server closed the connection${this.lines.length ? `; last said: ${this.lines[this.lines.length - 1]}` : ''}`));
  // A reset in the middle of a conversation fails the line awaited (and never goes unhandled).
  private readonly onError = (err: Error) => this.fail(err);

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
    socket.on('error', this.onError);
  }

  fail(err: Error): void {
    this.failed ??= err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
  }

  until(match: (l: string) => boolean): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.waiter = { match, resolve, reject };
      this.check();
    });
  }

  private check(): void {
    const w = this.waiter;
    if (!w) return;
    const i = this.lines.findIndex(w.match);
    if (i >= 0) {
      this.waiter = null;
      w.resolve(this.lines.splice(0, i + 1));
    } else if (this.failed) {
      this.waiter = null;
      w.reject(this.failed);
    }
  }
}

const SMTP_LAST = (l: string) => /^\d{3}(?: |$)/.test(l);

function toPem(raw: Buffer): string {
  const b64 = raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

function chainOf(secure: TLSSocket): string[] {
  const out: string[] = [];
  let cert: DetailedPeerCertificate | undefined = secure.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(toPem(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

function handshake(plain: Socket, servername: string | undefined): Promise<{ secure: TLSSocket; tls: TlsSeen }> {
  return new Promise((resolve, reject) => {
    // Old protocols (and OpenSSL's security level 0, without which it refuses them) are allowed
    // here so that a server offering only those is named as such, not just "handshake failed".
    // Nothing secret is sent over this connection.
    const secure = tlsConnect({ socket: plain, ...(servername ? { servername } : {}), rejectUnauthorized: false, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    secure.once('error', (err) => reject(new Error(`TLS handshake: ${err.message}`)));
    secure.once('secureConnect', () => {
      const tls: TlsSeen = { protocol: secure.getProtocol() ?? 'unknown', authorized: secure.authorized, chain: chainOf(secure) };
      if (!secure.authorized && secure.authorizationError) tls.authorizationError = String(secure.authorizationError);
      resolve({ secure, tls });
    });
  });
}

async function converse(req: ConnectRequest, socket: Socket, result: ConnectResult): Promise<Socket> {
  let current: Socket = socket;
  let reader = new LineReader(current);
  const greet = async () => {
    if (req.protocol === 'smtp') {
      const lines = await reader.until(SMTP_LAST);
      result.greeting = lines[0]?.trim() ?? '';
      if (!result.greeting.startsWith('220')) throw new Error(`unexpected greeting: ${lines.join(' / ')}`);
    } else if (req.protocol === 'imap') {
      const lines = await reader.until((l) => l.startsWith('* '));
      result.greeting = lines[lines.length - 1]?.trim() ?? '';
      if (!/^\* (OK|PREAUTH)/i.test(result.greeting)) throw new Error(`unexpected greeting: ${result.greeting}`);
    }
  };
  const ehlo = async () => {
    current.write(`EHLO ${req.ehlo ?? 'mail-wizard.invalid'}\r\n`);
    const lines = await reader.until(SMTP_LAST);
    if (!lines[lines.length - 1]?.startsWith('250')) throw new Error(`EHLO refused: ${lines.join(' / ')}`);
    return lines;
  };
  const secureIt = async () => {
    reader.detach();
    const { secure, tls } = await handshake(current, req.servername);
    result.tls = tls;
    current = secure;
    reader = new LineReader(secure);
  };

  if (req.protocol === 'http') {
    if (req.tls === 'implicit') await secureIt();
    reader.detach();
    result.http = await httpGet(current, req.servername ?? req.host, req.path ?? '/');
    return current;
  }
  if (req.tls === 'implicit') {
    await secureIt();
    await greet();
    if (req.ehlo && req.protocol === 'smtp') result.ehlo = await ehlo();
    return current;
  }
  await greet();
  if (req.protocol === 'smtp' && (req.ehlo || req.tls === 'starttls')) {
    const lines = await ehlo();
    result.ehlo = lines;
    if (req.tls === 'starttls') {
      if (!lines.some((l) => /^250[- ]STARTTLS\b/i.test(l))) throw new Error('the server does not offer STARTTLS');
      current.write('STARTTLS\r\n');
      const reply = await reader.until(SMTP_LAST);
      if (!reply[reply.length - 1]?.startsWith('220')) throw new Error(`STARTTLS refused: ${reply.join(' / ')}`);
      await secureIt();
    }
  } else if (req.protocol === 'imap' && req.tls === 'starttls') {
    current.write('a1 STARTTLS\r\n');
    const reply = await reader.until((l) => l.startsWith('a1 '));
    if (!/^a1 OK/i.test(reply[reply.length - 1] ?? '')) throw new Error(`STARTTLS refused: ${reply.join(' / ')}`);
    await secureIt();
  }
  return current;
}

const HTTP_MAX = 64 * 1024;

/** One HTTP/1.1 GET with `Connection: close`: the response read to the end (Content-Length or chunked). */
function httpGet(socket: Socket, host: string, path: string): Promise<HttpSeen> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (c: Buffer) => {
      if (size < HTTP_MAX + 16 * 1024) chunks.push(c);
      size += c.length;
    });
    socket.once('error', reject);
    socket.once('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error('no complete HTTP response'));
      const head = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
      if (!status) return reject(new Error(`not an HTTP response: ${head[0] ?? ''}`));
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = raw.subarray(split + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
          const eol = body.indexOf('\r\n', at);
          const len = eol < 0 ? NaN : Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
          if (!Number.isFinite(len) || len === 0) break;
          parts.push(body.subarray(eol + 2, eol + 2 + len));
          at = eol + 2 + len + 2;
        }
        body = Buffer.concat(parts);
      }
      resolve({ status: Number(status[1]), headers, body: body.subarray(0, HTTP_MAX).toString('utf8') });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: mail-wizard\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  });
}

export function connectProbe(req: ConnectRequest): Promise<ConnectResult> {
  const started = performance.now();
  const where = `${req.host.includes(':') ? `[${req.host}]` : req.host}:${req.port}`;
  return new Promise((resolve) => {
    const result: ConnectResult = { connected: false, ok: false, elapsedMs: 0 };
    const socket = connect({ host: req.host, port: req.port });
    let last: Socket = socket;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      result.elapsedMs = Math.round(performance.now() - started);
      if (error) result.error = error;
      else result.ok = true;
      // QUIT politely where we can: a daemon logs a reset as an error.
      if (!error && req.protocol === 'smtp') last.end('QUIT\r\n');
      else if (!error && req.protocol === 'imap') last.end('a9 LOGOUT\r\n');
      else last.end();
      setTimeout(() => last.destroy(), 1000).unref();
      socket.on('error', () => undefined);
      resolve(result);
    };
    const seconds = Math.max(1, Math.round(req.timeoutMs / 1000));
    const timeoutText = () =>
      result.connected ? `${where} accepted the connection but did not ${result.greeting ? 'finish' : 'greet'} within ${seconds} s` : `no connection to ${where} within ${seconds} s`;
    const timer = setTimeout(() => finish(timeoutText()), req.timeoutMs);
    const onAbort = () => finish(`${timeoutText().replace(/within \d+ s/, '')}before the time budget ran out`.replace(/ +/g, ' '));
    if (req.signal?.aborted) return finish('the time budget ran out before the connection');
    req.signal?.addEventListener('abort', onAbort);
    socket.once('error', (err) => finish(`${where}: ${err.message}`));
    socket.once('connect', () => {
      result.connected = true;
      converse(req, socket, result).then(
        (s) => {
          last = s;
          s.on('error', () => undefined);
          finish();
        },
        (err: Error) => finish(`${where}: ${err.message}`),
      );
    });
  });
}
