/**
 * A DNS client on dns-packet that asks one server one question and never throws on what the
 * network sends back. UDP with EDNS0 first; TCP when the reply is truncated. Each reply must carry
 * one of our query IDs and echo our question (RFC 5452), else it is ignored, so a stray or spoofed
 * packet cannot stand in for the answer. Bytes that are not a DNS message become an error result.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { normalizeName, sameName, type DnsRecord, type RecordOf, type RecordType } from './records.js';

export interface DnsServer {
  /** An IP address literal (names are resolved before a server is made). */
  host: string;
  port: number;
  /** The NS name this address belongs to, when known: shown to people. */
  name?: string;
}

export interface QueryOptions {
  /** Per attempt, in ms (default 2000). */
  timeoutMs?: number;
  /** Further attempts after a timeout (default 2). */
  retries?: number;
  /** RD bit: false for authoritative servers (default), true for the system's resolver. */
  recursionDesired?: boolean;
  /** Send an OPT record (default true); dropped by itself when a server answers FORMERR/NOTIMP. */
  edns?: boolean;
  /** Ask over TCP from the start. */
  tcp?: boolean;
  /** DO bit (RFC 3225): the server adds RRSIGs to a signed zone's answers. Needs EDNS. */
  dnssecOk?: boolean;
  /** Ends the query early; the result is then a timeout. */
  signal?: AbortSignal;
}

export type Transport = 'udp' | 'tcp';

interface ResultBase {
  server: DnsServer;
  /** The question, normalized. */
  name: string;
  type: RecordType;
  elapsedMs: number;
  transport: Transport;
}

/** What a server said about a name that it answered for. */
interface Response {
  /** Answer section (CNAMEs included), OPT stripped. */
  records: DnsRecord[];
  authority: DnsRecord[];
  /** AA bit: the server is authoritative for the name. */
  authoritative: boolean;
}

export type ResultBody =
  | ({ kind: 'answer' } & Response)
  /** The name exists but has no record of that type (NOERROR, empty answer). */
  | ({ kind: 'nodata' } & Response)
  /** The name does not exist at all. */
  | ({ kind: 'nxdomain' } & Response)
  | { kind: 'servfail' }
  | { kind: 'refused' }
  | { kind: 'timeout'; attempts: number; ignored: number }
  | { kind: 'error'; message: string };

export type QueryResult = ResultBase & ResultBody;

export type ResultKind = QueryResult['kind'];

const EDNS_PAYLOAD = 1232; // DNS flag day 2020: fits every path MTU without fragments
const MAX_NAME = 253;

export function serverLabel(s: DnsServer): string {
  const addr = net.isIPv6(s.host) ? `[${s.host}]` : s.host;
  const hostPort = s.port === 53 ? s.host : `${addr}:${s.port}`;
  return s.name ? `${s.name} (${hostPort})` : hostPort;
}

/** Records of one type in the answer (any owner: a CNAME chain ends in the wanted type). */
export function recordsOf<T extends DnsRecord['type']>(result: QueryResult, type: T): RecordOf<T>[] {
  if (result.kind !== 'answer' && result.kind !== 'nodata' && result.kind !== 'nxdomain') return [];
  return result.records.filter((r): r is RecordOf<T> => r.type === type);
}

/** The SOA a negative answer carries: its TTL and MINIMUM bound how long caches keep "no such record". */
export function negativeTtl(result: QueryResult): number | undefined {
  if (result.kind !== 'nodata' && result.kind !== 'nxdomain') return undefined;
  const soa = result.authority.find((r) => r.type === 'SOA');
  return soa && soa.type === 'SOA' ? Math.min(soa.ttl, soa.minimum) : undefined;
}

/** One short phrase for a result: "NXDOMAIN", "no TXT record (name exists)", "timeout". */
export function describeResult(result: QueryResult): string {
  switch (result.kind) {
    case 'answer':
      return `${result.records.length} record(s)`;
    case 'nodata':
      return `no ${result.type} record (the name exists)`;
    case 'nxdomain':
      return 'NXDOMAIN (the name does not exist)';
    case 'servfail':
      return 'SERVFAIL (the server failed to answer)';
    case 'refused':
      return 'REFUSED (the server does not serve this name)';
    case 'timeout':
      return `no reply after ${result.attempts} attempt(s)${result.ignored ? ` (${result.ignored} non-matching packet(s) ignored)` : ''}`;
    case 'error':
      return `error: ${result.message}`;
  }
}

export function validQueryName(name: string): string | null {
  const n = normalizeName(name);
  if (n.length > MAX_NAME) return 'name longer than 253 characters';
  if (n === '') return null;
  const labels = n.split('.');
  if (labels.some((l) => l.length === 0)) return 'name has an empty label';
  if (labels.some((l) => Buffer.byteLength(l) > 63)) return 'name has a label longer than 63 bytes';
  return null;
}

/** Asks `server` for `name`/`type`. Resolves with a result for every outcome; never rejects. */
export async function query(
  server: DnsServer,
  name: string,
  type: RecordType,
  opts: QueryOptions = {},
): Promise<QueryResult> {
  const started = performance.now();
  const qname = normalizeName(name);
  const base = (transport: Transport): ResultBase => ({
    server,
    name: qname,
    type,
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
    transport,
  });
  try {
    const bad = validQueryName(qname);
    if (bad) return { ...base('udp'), kind: 'error', message: bad };
    if (!net.isIP(server.host)) return { ...base('udp'), kind: 'error', message: `${server.host} is not an IP address` };
    if (!Number.isInteger(server.port) || server.port < 1 || server.port > 65535) {
      return { ...base('udp'), kind: 'error', message: `port ${server.port} is out of range` };
    }
    const q: Question = {
      server,
      name: qname,
      type,
      timeoutMs: opts.timeoutMs ?? 2000,
      attempts: 1 + Math.max(0, opts.retries ?? 2),
      rd: opts.recursionDesired ?? false,
      dnssecOk: opts.dnssecOk ?? false,
      signal: opts.signal,
    };
    let edns = opts.edns ?? true;
    if (!opts.tcp) {
      let outcome = await exchangeUdp(q, edns);
      if (outcome.kind === 'reply' && edns && oldServerRejectsEdns(outcome.packet)) {
        edns = false;
        outcome = await exchangeUdp(q, edns);
      }
      if (outcome.kind === 'timeout' || outcome.kind === 'error') return { ...base('udp'), ...outcome };
      if (outcome.kind === 'reply' && !outcome.packet.flag_tc) return { ...base('udp'), ...classify(outcome.packet) };
      // truncated: the whole answer only fits over TCP
    }
    const outcome = await exchangeTcp(q, edns);
    if (outcome.kind === 'reply') return { ...base('tcp'), ...classify(outcome.packet) };
    if (outcome.kind === 'truncated') return { ...base('tcp'), kind: 'error', message: 'the reply over TCP is marked truncated' };
    return { ...base('tcp'), ...outcome };
  } catch (err) {
    // Last line of defence: a bug in decoding must not take the process down.
    return { ...base('udp'), kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

interface Question {
  server: DnsServer;
  name: string;
  type: RecordType;
  timeoutMs: number;
  attempts: number;
  rd: boolean;
  dnssecOk: boolean;
  signal: AbortSignal | undefined;
}

type Outcome =
  | { kind: 'reply'; packet: DecodedPacket }
  /** TC set but the body does not decode: only the header is trustworthy, so ask over TCP. */
  | { kind: 'truncated' }
  | { kind: 'timeout'; attempts: number; ignored: number }
  | { kind: 'error'; message: string };

function rcodeOf(p: DecodedPacket): string {
  return (p as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
}

function oldServerRejectsEdns(p: DecodedPacket): boolean {
  const rc = rcodeOf(p);
  return rc === 'FORMERR' || rc === 'NOTIMP';
}

function encodeQuery(q: Question, id: number, edns: boolean): Buffer {
  const packet: Packet = {
    type: 'query',
    id,
    flags: q.rd ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type: q.type, name: q.name, class: 'IN' }],
    additionals: edns
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: EDNS_PAYLOAD,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: q.dnssecOk ? dnsPacket.DNSSEC_OK : 0,
            flag_do: q.dnssecOk,
            options: [],
          },
        ]
      : [],
  };
  return dnsPacket.encode(packet);
}

type Match =
  | { kind: 'ok'; packet: DecodedPacket }
  | { kind: 'truncated' }
  | { kind: 'ignored' }
  | { kind: 'garbage'; message: string; ourId: boolean };

/** Decides whether `buf` is the reply to our question (RFC 5452 §9: ID and question must match). */
function matchReply(buf: Buffer, ids: ReadonlySet<number>, q: Question): Match {
  const ourId = buf.length >= 2 && ids.has(buf.readUInt16BE(0));
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(buf);
  } catch (err) {
    // QR and TC set with our ID: a server cut the reply short without caring for the record boundaries.
    if (ourId && buf.length >= 12 && (buf[2]! & 0x82) === 0x82) return { kind: 'truncated' };
    return { kind: 'garbage', message: err instanceof Error ? err.message : String(err), ourId };
  }
  if (!ourId || !packet.flag_qr) return { kind: 'ignored' };
  if ((packet as DecodedPacket & { opcode?: string }).opcode !== 'QUERY') return { kind: 'ignored' };
  const questions = packet.questions ?? [];
  const rc = rcodeOf(packet);
  // Some servers drop the question from error replies; those carry no data we could be fooled by.
  if (questions.length === 0 && rc !== 'NOERROR' && rc !== 'NXDOMAIN') return { kind: 'ok', packet };
  const qq = questions[0];
  if (questions.length !== 1 || !qq) return { kind: 'ignored' };
  if (!sameName(qq.name, q.name) || qq.type !== q.type || (qq.class ?? 'IN') !== 'IN') return { kind: 'ignored' };
  return { kind: 'ok', packet };
}

function newId(ids: Set<number>): number {
  let id = randomInt(0, 65536);
  while (ids.has(id)) id = randomInt(0, 65536);
  ids.add(id);
  return id;
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  // '::ffff:127.0.0.1' vs '127.0.0.1' on dual-stack sockets
  return a.replace(/^::ffff:/i, '') === b.replace(/^::ffff:/i, '');
}

/** UDP: one socket for all attempts, so a late reply to an earlier attempt still counts. */
function exchangeUdp(q: Question, edns: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const ids = new Set<number>();
    let attempt = 0;
    let ignored = 0;
    let garbage: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const socket = dgram.createSocket(net.isIPv6(q.server.host) ? 'udp6' : 'udp4');

    const finish = (o: Outcome): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      q.signal?.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        /* already closed */
      }
      resolve(o);
    };
    const giveUp = (): void => {
      if (garbage !== undefined) finish({ kind: 'error', message: `the server sent bytes that are not a DNS reply (${garbage})` });
      else finish({ kind: 'timeout', attempts: attempt, ignored });
    };
    const onAbort = (): void => giveUp();
    const send = (): void => {
      if (done) return;
      if (attempt >= q.attempts) return giveUp();
      attempt++;
      const msg = encodeQuery(q, newId(ids), edns);
      try {
        socket.send(msg, (err) => {
          if (err) finish({ kind: 'error', message: `cannot send to ${serverLabel(q.server)}: ${err.message}` });
        });
      } catch (err) {
        // Not connected (no route to the server): send() throws instead of calling back.
        return finish({ kind: 'error', message: `cannot send to ${serverLabel(q.server)}: ${(err as Error).message}` });
      }
      timer = setTimeout(send, q.timeoutMs);
    };

    // connected: the kernel drops datagrams from other sources, and an ICMP "port unreachable"
    // surfaces as ECONNREFUSED at once instead of a timeout
    socket.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      finish({ kind: 'error', message: code === 'ECONNREFUSED' ? `nothing answers on ${serverLabel(q.server)} (UDP port unreachable)` : `UDP: ${err.message}` });
    });
    socket.on('message', (buf, rinfo) => {
      if (!sameAddress(rinfo.address, q.server.host) || rinfo.port !== q.server.port) {
        ignored++;
        return;
      }
      const m = matchReply(buf, ids, q);
      if (m.kind === 'ok') finish({ kind: 'reply', packet: m.packet });
      else if (m.kind === 'truncated') finish({ kind: 'truncated' });
      else if (m.kind === 'garbage') {
        // With our ID it is our broken reply; without, keep listening for the real one.
        if (m.ourId) finish({ kind: 'error', message: `the server sent a malformed reply (${m.message})` });
        else garbage ??= m.message;
      } else ignored++;
    });
    if (q.signal?.aborted) return giveUp();
    q.signal?.addEventListener('abort', onAbort);
    // The callback also runs when connecting fails (no route): then 'error' has said why.
    socket.connect(q.server.port, q.server.host, (err?: Error) => {
      if (err) finish({ kind: 'error', message: `cannot reach ${serverLabel(q.server)}: ${err.message}` });
      else send();
    });
  });
}

const MAX_TCP_BUFFER = 2 + 65535;

/** TCP (RFC 7766): two-byte length prefix; replies that do not match are skipped. */
async function exchangeTcp(q: Question, edns: boolean): Promise<Outcome> {
  let last: Outcome = { kind: 'timeout', attempts: 0, ignored: 0 };
  for (let attempt = 1; attempt <= q.attempts; attempt++) {
    if (q.signal?.aborted) break;
    last = await tcpAttempt(q, edns, attempt);
    if (last.kind !== 'timeout') return last;
  }
  return last;
}

function tcpAttempt(q: Question, edns: boolean, attempt: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const ids = new Set<number>();
    const msg = encodeQuery(q, newId(ids), edns);
    const framed = Buffer.alloc(2 + msg.length);
    framed.writeUInt16BE(msg.length, 0);
    msg.copy(framed, 2);
    let buf = Buffer.alloc(0);
    let ignored = 0;
    let done = false;
    const socket = net.connect({ host: q.server.host, port: q.server.port });
    const finish = (o: Outcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      q.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(o);
    };
    const onAbort = (): void => finish({ kind: 'timeout', attempts: attempt, ignored });
    const timer = setTimeout(onAbort, q.timeoutMs);
    if (q.signal?.aborted) return onAbort();
    q.signal?.addEventListener('abort', onAbort);
    socket.on('connect', () => socket.write(framed));
    socket.on('error', (err) => finish({ kind: 'error', message: `TCP: ${err.message}` }));
    socket.on('close', () => finish({ kind: 'error', message: 'TCP: the server closed the connection before a full reply' }));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_TCP_BUFFER * 2) return finish({ kind: 'error', message: 'TCP: reply too large' });
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) return;
        const one = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const m = matchReply(one, ids, q);
        if (m.kind === 'ok') return finish({ kind: 'reply', packet: m.packet });
        if (m.kind === 'truncated') return finish({ kind: 'truncated' });
        // On a stream, a broken message makes the framing of the rest untrustworthy.
        if (m.kind === 'garbage') return finish({ kind: 'error', message: `the server sent a malformed reply over TCP (${m.message})` });
        ignored++;
      }
    });
  });
}

function classify(p: DecodedPacket): ResultBody {
  const rc = rcodeOf(p);
  const resp = (): Response => ({
    records: convertAll(p.answers),
    authority: convertAll(p.authorities),
    authoritative: p.flag_aa,
  });
  switch (rc) {
    case 'NOERROR': {
      const r = resp();
      return r.records.length > 0 ? { kind: 'answer', ...r } : { kind: 'nodata', ...r };
    }
    case 'NXDOMAIN':
      return { kind: 'nxdomain', ...resp() };
    case 'SERVFAIL':
      return { kind: 'servfail' };
    case 'REFUSED':
      return { kind: 'refused' };
    default:
      return { kind: 'error', message: `the server answered ${rc}` };
  }
}

function convertAll(list: Answer[] | undefined): DnsRecord[] {
  const out: DnsRecord[] = [];
  for (const a of list ?? []) {
    const r = convert(a);
    if (r) out.push(r);
  }
  return out;
}

function text(b: unknown): string {
  if (Buffer.isBuffer(b)) return b.toString('utf8');
  return typeof b === 'string' ? b : '';
}

/** dns-packet's decoded answer → our record; OPT is dropped. */
export function convert(a: Answer): DnsRecord | null {
  if (a.type === 'OPT') return null;
  const name = normalizeName(a.name);
  const ttl = a.ttl ?? 0;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { type: a.type, name, ttl, address: a.data };
    case 'CNAME':
    case 'PTR':
    case 'NS':
    case 'DNAME':
      return { type: a.type, name, ttl, target: normalizeName(a.data) };
    case 'MX':
      return { type: 'MX', name, ttl, preference: a.data.preference ?? 0, exchange: normalizeName(a.data.exchange) };
    case 'TXT': {
      const d = a.data;
      const strings = Array.isArray(d) ? d.map(text) : [text(d)];
      return { type: 'TXT', name, ttl, strings };
    }
    case 'SOA':
      return {
        type: 'SOA',
        name,
        ttl,
        mname: normalizeName(a.data.mname),
        rname: normalizeName(a.data.rname),
        serial: a.data.serial ?? 0,
        refresh: a.data.refresh ?? 0,
        retry: a.data.retry ?? 0,
        expire: a.data.expire ?? 0,
        minimum: a.data.minimum ?? 0,
      };
    case 'CAA':
      return { type: 'CAA', name, ttl, flags: a.data.flags ?? 0, tag: String(a.data.tag), value: String(a.data.value) };
    case 'SRV':
      return { type: 'SRV', name, ttl, priority: a.data.priority ?? 0, weight: a.data.weight ?? 0, port: a.data.port, target: normalizeName(a.data.target) };
    case 'TLSA':
      return { type: 'TLSA', name, ttl, usage: a.data.usage, selector: a.data.selector, matchingType: a.data.matchingType, data: a.data.certificate.toString('hex') };
    case 'DNSKEY':
      return { type: 'DNSKEY', name, ttl, flags: a.data.flags, algorithm: a.data.algorithm, key: a.data.key.toString('base64') };
    case 'DS':
      return { type: 'DS', name, ttl, keyTag: a.data.keyTag, algorithm: a.data.algorithm, digestType: a.data.digestType, digest: a.data.digest.toString('hex') };
    case 'RRSIG':
      return { type: 'RRSIG', name, ttl, typeCovered: String(a.data.typeCovered), algorithm: a.data.algorithm, keyTag: a.data.keyTag, signersName: normalizeName(a.data.signersName), expiration: a.data.expiration };
    default:
      return { type: 'OTHER', name, ttl, rrtype: String(a.type) };
  }
}
