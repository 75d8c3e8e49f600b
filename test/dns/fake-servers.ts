/**
 * Small misbehaving DNS servers on loopback for the fault tests: they answer with real packets
 * (dns-packet) or with deliberate garbage. Never a mock of the client: the client talks to them
 * over real sockets.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';

export interface FakeServer {
  host: string;
  port: number;
  /** Queries received over UDP and TCP. */
  received: { udp: number; tcp: number };
  close(): Promise<void>;
}

export type UdpHandler = (query: Buffer, send: (b: Buffer) => void) => void;
export type TcpHandler = (query: Buffer, socket: net.Socket) => void;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** A reply to `query` (same ID and question unless overridden). */
export function reply(
  query: Buffer,
  opts: { rcode?: number; tc?: boolean; answers?: Answer[]; id?: number; qname?: string; qr?: boolean } = {},
): Buffer {
  const q = dnsPacket.decode(query) as DecodedPacket;
  const questions = (q.questions ?? []).map((x) => (opts.qname ? { ...x, name: opts.qname } : x));
  const flags = (opts.tc ? dnsPacket.TRUNCATED_RESPONSE : 0) | dnsPacket.AUTHORITATIVE_ANSWER | (opts.rcode ?? 0);
  const buf = dnsPacket.encode({ type: 'response', id: opts.id ?? q.id ?? 0, flags, questions, answers: opts.answers ?? [] });
  if (opts.qr === false) buf[2] = buf[2]! & 0x7f;
  return buf;
}

export function hasOpt(query: Buffer): boolean {
  return (dnsPacket.decode(query).additionals ?? []).some((a) => a.type === 'OPT');
}

export function questionOf(query: Buffer): { name: string; type: string } {
  const q = dnsPacket.decode(query).questions?.[0];
  return { name: q?.name ?? '', type: q?.type ?? '' };
}

function frame(b: Buffer): Buffer {
  const out = Buffer.alloc(b.length + 2);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

/** A UDP server (and optionally a TCP one on the same port) on 127.0.0.1 or ::1. */
export async function fakeServer(udp: UdpHandler, tcp?: TcpHandler, host = '127.0.0.1'): Promise<FakeServer> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const received = { udp: 0, tcp: 0 };
    const port = await new Promise<number>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, host, () => resolve(sock.address().port));
    });
    sock.on('message', (msg, rinfo) => {
      received.udp++;
      udp(msg, (b) => sock.send(b, rinfo.port, rinfo.address));
    });
    let server: net.Server | undefined;
    if (tcp) {
      server = net.createServer((s) => {
        let buf = Buffer.alloc(0);
        s.on('error', () => undefined);
        s.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            const len = buf.readUInt16BE(0);
            received.tcp++;
            tcp(buf.subarray(2, 2 + len), s);
            buf = buf.subarray(2 + len);
          }
        });
      });
      const ok = await new Promise<boolean>((resolve) => {
        server!.once('error', () => resolve(false));
        server!.listen(port, host, () => resolve(true));
      });
      if (!ok) {
        sock.close();
        continue;
      }
    }
    return {
      host,
      port,
      received,
      close: async () => {
        sock.close();
        if (server) await new Promise<void>((r) => server!.close(() => r()));
      },
    };
  }
  throw new Error('could not bind a fake server');
}

export function sendFramed(s: net.Socket, b: Buffer): void {
  s.write(frame(b));
}
