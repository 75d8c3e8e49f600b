/**
 * A TLS handshake with a mail port, implicit (465, 993) or after STARTTLS (587 SMTP, 143 IMAP):
 * returns the certificate the server shows, so a check can see whether it names the host.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';

export type StartTls = 'smtp' | 'imap' | null;

export type TlsProbeResult =
  | { ok: true; protocol: string; subject: string; altNames: string; namesHost: boolean }
  | { ok: false; error: string };

/** Reads lines until one matches `done`; resolves with everything read. */
function readUntil(socket: Socket, done: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const lines = buffer.split('\r\n');
      if (lines.slice(0, -1).some(done)) {
        socket.off('data', onData);
        resolve(buffer);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`connection closed; last said: ${buffer.trim().split('\r\n').pop() ?? ''}`)));
  });
}

async function startTls(socket: Socket, kind: 'smtp' | 'imap'): Promise<void> {
  if (kind === 'smtp') {
    await readUntil(socket, (l) => /^\d{3} /.test(l));
    socket.write('EHLO mail-wizard.invalid\r\n');
    const ehlo = await readUntil(socket, (l) => /^\d{3} /.test(l));
    if (!/STARTTLS/i.test(ehlo)) throw new Error('the server does not offer STARTTLS');
    socket.write('STARTTLS\r\n');
    const reply = await readUntil(socket, (l) => /^\d{3} /.test(l));
    if (!reply.startsWith('220')) throw new Error(`STARTTLS refused: ${reply.trim()}`);
  } else {
    await readUntil(socket, (l) => l.startsWith('* '));
    socket.write('a1 STARTTLS\r\n');
    const reply = await readUntil(socket, (l) => l.startsWith('a1 '));
    if (!/^a1 OK/m.test(reply)) throw new Error(`STARTTLS refused: ${reply.trim()}`);
  }
}

export function tlsProbe(host: string, port: number, starttls: StartTls, servername: string, timeoutMs = 8000): Promise<TlsProbeResult> {
  return new Promise((resolve) => {
    const plain = connect({ host, port });
    let settled = false;
    const finish = (result: TlsProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      plain.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no TLS handshake with ${host}:${port} within ${timeoutMs} ms` }), timeoutMs);
    plain.once('error', (err) => finish({ ok: false, error: `${host}:${port}: ${err.message}` }));
    plain.once('connect', async () => {
      try {
        if (starttls) await startTls(plain, starttls);
        plain.removeAllListeners('data');
        // Self-signed certificates are allowed here: the check is about the name, not the CA.
        const secure = tlsConnect({ socket: plain, servername, rejectUnauthorized: false });
        secure.once('error', (err) => finish({ ok: false, error: `TLS with ${host}:${port}: ${err.message}` }));
        secure.once('secureConnect', () => {
          const peer: PeerCertificate = secure.getPeerCertificate();
          const protocol = secure.getProtocol() ?? 'unknown';
          secure.end(); // a clean close_notify, not a reset the daemon logs as an error
          if (!peer.raw) return finish({ ok: false, error: `${host}:${port} showed no certificate` });
          const x509 = new X509Certificate(peer.raw);
          // subject is undefined when empty: certificates from ACME CAs may name the host in the SAN only (pebble does).
          finish({ ok: true, protocol, subject: (x509.subject ?? '').replace(/\n/g, ', '), altNames: x509.subjectAltName ?? '', namesHost: x509.checkHost(servername) !== undefined });
        });
      } catch (err) {
        finish({ ok: false, error: `${host}:${port}: ${(err as Error).message}` });
      }
    });
  });
}
