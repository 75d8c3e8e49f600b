/**
 * One HTTPS GET of https://NAME/PATH from one address, as a sending server fetches an MTA-STS
 * policy (RFC 8461 §3.3) and a mail client its autoconfig file: SNI = NAME, the certificate checked
 * against node's trust store (which also takes NODE_EXTRA_CA_CERTS) and against NAME, redirects
 * refused (senders must not follow them), the body capped, the time bounded. Never throws: every
 * outcome is a result that says exactly what failed.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

/** RFC 8461 §3.3 lets senders cap the policy's size; 64 KiB is far above any real policy or autoconfig file. */
export const MAX_BODY = 64 * 1024;

export interface FetchTarget {
  /** The host name: SNI, the Host header, the name the certificate must carry. */
  name: string;
  path: string;
  /** The address to connect to (resolved through the domain's authoritative servers). */
  address: string;
  /** Default 443 (tests use a high port). */
  port?: number;
  /** Gives up after this long (ms). */
  timeoutMs: number;
  /** Ends the fetch early (the doctor's budget); the result is then a time-out. */
  signal?: AbortSignal;
  maxBytes?: number;
  /** Extra trusted CA certificates (PEM), on top of node's store (tests in-process). */
  extraCa?: string;
}

export type FetchStage = 'connect' | 'tls' | 'response' | 'body';

export type FetchResult =
  | { kind: 'ok'; status: 200; contentType: string; body: string; certNames: string[]; validTo: string }
  | { kind: 'refused'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'tls'; message: string }
  | { kind: 'untrusted'; code: string; issuer: string }
  | { kind: 'expired'; validTo: string }
  | { kind: 'not-yet-valid'; validFrom: string }
  | { kind: 'wrong-name'; certNames: string[] }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'status'; status: number }
  | { kind: 'too-large'; bytes: number; declared: boolean; limit: number }
  | { kind: 'timeout'; stage: FetchStage; ms: number }
  | { kind: 'error'; message: string };

/** The certificate's DNS names (subjectAltName), or its CN when it has none. */
function namesOf(cert: tls.PeerCertificate | undefined): string[] {
  if (!cert || Object.keys(cert).length === 0) return [];
  const san = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  if (san.length > 0) return san;
  const cn = cert.subject?.CN;
  return cn ? [Array.isArray(cn) ? cn.join(',') : cn] : [];
}

function issuerOf(cert: tls.PeerCertificate | undefined): string {
  const i = cert?.issuer;
  if (!i) return 'unknown issuer';
  const pick = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);
  return [pick(i.CN), pick(i.O)].filter(Boolean).join(', ') || 'unknown issuer';
}

/** What the handshake's verdict means for us; null when the certificate is good for `name`. */
function certVerdict(socket: tls.TLSSocket, name: string): FetchResult | null {
  const cert = socket.getPeerCertificate();
  const err = socket.authorizationError as unknown as string | Error | null;
  const code = err === null || err === undefined ? undefined : typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? err.message);
  if (code === 'CERT_HAS_EXPIRED') return { kind: 'expired', validTo: cert.valid_to };
  if (code === 'CERT_NOT_YET_VALID') return { kind: 'not-yet-valid', validFrom: cert.valid_from };
  // UNABLE_TO_VERIFY_LEAF_SIGNATURE, DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN, ...
  if (code !== undefined && code !== 'ERR_TLS_CERT_ALTNAME_INVALID') return { kind: 'untrusted', code, issuer: issuerOf(cert) };
  // node checks the name only when the chain verified; ask it again ourselves either way
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || tls.checkServerIdentity(name, cert) !== undefined) return { kind: 'wrong-name', certNames: namesOf(cert) };
  return null;
}

function closedWhen(stage: FetchStage): string {
  const when = { connect: 'at once', tls: 'during the TLS handshake', response: 'before an HTTP response', body: 'before the end of the body' };
  return `closed the connection ${when[stage]}`;
}

function socketError(err: NodeJS.ErrnoException, stage: FetchStage, where: string): FetchResult {
  if (err.code === 'ECONNREFUSED') return { kind: 'refused', message: `connection refused at ${where} (nothing listens on the HTTPS port)` };
  if (err.code === 'ENETUNREACH' || err.code === 'EHOSTUNREACH' || err.code === 'EADDRNOTAVAIL') return { kind: 'unreachable', message: `${where} cannot be reached (${err.code})` };
  if (err.code === 'ECONNRESET' && stage !== 'connect') return { kind: stage === 'tls' ? 'tls' : 'error', message: `${where} ${closedWhen(stage)}` };
  if (stage === 'tls' || /SSL|TLS|alert/i.test(err.message)) {
    // OpenSSL's own words ("wrong version number"), not its multi-line error stack
    const reason = (err as NodeJS.ErrnoException & { reason?: string }).reason ?? err.message.split('\n')[0]!;
    return { kind: 'tls', message: `TLS handshake with ${where} failed: ${reason}${/wrong version number/.test(reason) ? ' (plain HTTP on the HTTPS port?)' : ''}` };
  }
  return { kind: 'error', message: `${where}: ${err.message}` };
}

/** GET https://NAME/PATH at one address. Resolves with a result for every outcome; never rejects. */
export function fetchHttps(t: FetchTarget): Promise<FetchResult> {
  const port = t.port ?? 443;
  const max = t.maxBytes ?? MAX_BODY;
  const where = net.isIPv6(t.address) ? `[${t.address}]:${port}` : `${t.address}:${port}`;
  const started = performance.now();
  return new Promise((resolve) => {
    let stage: FetchStage = 'connect';
    let done = false;
    let socket: tls.TLSSocket | undefined;
    let req: http.ClientRequest | undefined;
    const finish = (r: FetchResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      t.signal?.removeEventListener('abort', onTimeout);
      req?.destroy();
      socket?.destroy();
      resolve(r);
    };
    const onTimeout = (): void => finish({ kind: 'timeout', stage, ms: Math.round(performance.now() - started) });
    const timer = setTimeout(onTimeout, t.timeoutMs);
    if (t.signal?.aborted) return onTimeout();
    t.signal?.addEventListener('abort', onTimeout, { once: true });
    try {
      const ca = t.extraCa ? [...tls.rootCertificates, t.extraCa] : undefined;
      socket = tls.connect({ host: t.address, port, servername: t.name, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(ca ? { ca } : {}) });
    } catch (err) {
      return finish({ kind: 'error', message: (err as Error).message });
    }
    const s = socket;
    s.once('connect', () => {
      stage = 'tls';
    });
    s.on('error', (err) => finish(socketError(err as NodeJS.ErrnoException, stage, where)));
    // after the response's own end, which comes first when the body was complete
    s.once('close', () =>
      setImmediate(() => finish({ kind: stage === 'tls' ? 'tls' : 'error', message: `${where} ${closedWhen(stage)}` })),
    );
    s.once('secureConnect', () => {
      const bad = certVerdict(s, t.name);
      if (bad) return finish(bad);
      const cert = s.getPeerCertificate();
      stage = 'response';
      req = http.request({
        createConnection: () => s,
        host: t.name,
        port,
        method: 'GET',
        path: t.path,
        headers: { host: t.name, 'user-agent': 'mail-wizard', accept: '*/*', connection: 'close' },
      });
      req.on('error', (err) => finish(socketError(err as NodeJS.ErrnoException, stage, where)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) return finish({ kind: 'redirect', status, location: String(res.headers.location ?? '(no Location header)') });
        if (status !== 200) return finish({ kind: 'status', status });
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > max) return finish({ kind: 'too-large', bytes: declared, declared: true, limit: max });
        stage = 'body';
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > max) return finish({ kind: 'too-large', bytes, declared: false, limit: max });
          chunks.push(c);
        });
        res.on('error', (err) => finish(socketError(err as NodeJS.ErrnoException, stage, where)));
        res.on('end', () =>
          finish({ kind: 'ok', status: 200, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), certNames: namesOf(cert), validTo: cert.valid_to }),
        );
      });
      req.end();
    });
  });
}

/** One line for people: what the fetch got, or exactly what failed. */
export function describeFetch(r: FetchResult, url: string): string {
  switch (r.kind) {
    case 'ok':
      return `${url}: 200, ${r.contentType || 'no Content-Type'}, ${Buffer.byteLength(r.body)} bytes`;
    case 'refused':
    case 'unreachable':
    case 'tls':
    case 'error':
      return `${url}: ${r.message}`;
    case 'untrusted':
      return `${url}: the certificate is not trusted (${r.code}; issued by ${r.issuer})`;
    case 'expired':
      return `${url}: the certificate expired (${r.validTo})`;
    case 'not-yet-valid':
      return `${url}: the certificate is not valid yet (from ${r.validFrom})`;
    case 'wrong-name':
      return `${url}: the certificate does not name ${new URL(url).hostname}; it names ${r.certNames.join(', ') || 'nothing'}`;
    case 'redirect':
      return `${url}: a redirect (${r.status} to ${r.location}); senders must not follow redirects (RFC 8461 §3.3)`;
    case 'status':
      return `${url}: HTTP ${r.status}, not 200`;
    case 'too-large':
      return `${url}: the body is larger than ${r.limit / 1024} KiB (${r.declared ? `Content-Length ${r.bytes}` : `more than ${r.bytes} bytes read`})`;
    case 'timeout':
      return `${url}: no ${r.stage === 'connect' ? 'connection' : r.stage === 'tls' ? 'TLS handshake' : r.stage === 'response' ? 'HTTP response' : 'end of the body'} within ${r.ms} ms`;
  }
}
