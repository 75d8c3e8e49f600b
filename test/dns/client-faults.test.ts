/**
 * The client against servers that misbehave: silence, REFUSED, SERVFAIL, FORMERR on EDNS,
 * truncation (TCP must take over), replies that do not match, and garbage bytes. Every outcome is
 * a result; nothing throws.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { describeResult, query, recordsOf, type QueryResult } from '../../src/dns/client.js';
import { runDnsChecks } from '../../src/dns/doctor.js';
import { fakeServer, hasOpt, questionOf, reply, RCODE, sendFramed, type FakeServer } from './fake-servers.js';
import { answersFor } from './zones.js';

const servers: FakeServer[] = [];
async function serve(...args: Parameters<typeof fakeServer>): Promise<FakeServer> {
  const s = await fakeServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const A = (name: string, address: string) => ({ type: 'A' as const, name, ttl: 60, data: address });
const fast = { timeoutMs: 150, retries: 1 };

describe('client faults', () => {
  it('a server that never answers: timeout after every attempt', async () => {
    const s = await serve(() => undefined);
    const t = performance.now();
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('timeout');
    expect(r.kind === 'timeout' && r.attempts).toBe(2);
    expect(s.received.udp).toBe(2);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
  });

  it('nothing listening: an error at once, not a timeout', async () => {
    const s = await serve(() => undefined);
    await s.close();
    servers.pop();
    const r = await query(s, 'example.org', 'A', { timeoutMs: 2000, retries: 2 });
    expect(r.kind).toBe('error');
    expect(r.elapsedMs).toBeLessThan(1000);
    expect(describeResult(r)).toContain('UDP port unreachable');
  });

  it.each([
    ['REFUSED', RCODE.REFUSED, 'refused'],
    ['SERVFAIL', RCODE.SERVFAIL, 'servfail'],
    ['NXDOMAIN', RCODE.NXDOMAIN, 'nxdomain'],
    ['NOTIMP', RCODE.NOTIMP, 'error'],
  ] as const)('rcode %s is reported as %s', async (_name, rcode, kind) => {
    // NOTIMP also makes the client retry without EDNS: it must still end with one result
    const s = await serve((q, send) => send(reply(q, { rcode })));
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe(kind);
  });

  it('NOERROR without records is NODATA', async () => {
    const s = await serve((q, send) => send(reply(q)));
    expect((await query(s, 'example.org', 'MX', fast)).kind).toBe('nodata');
  });

  it('FORMERR on an EDNS query: asked again without EDNS', async () => {
    const s = await serve((q, send) => send(hasOpt(q) ? reply(q, { rcode: RCODE.FORMERR }) : reply(q, { answers: [A('example.org', '192.0.2.1')] })));
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('answer');
    expect(recordsOf(r, 'A').map((x) => x.address)).toEqual(['192.0.2.1']);
  });

  it('TC set over UDP: the question is asked again over TCP', async () => {
    const s = await serve(
      (q, send) => send(reply(q, { tc: true })),
      (q, sock) => sendFramed(sock, reply(q, { answers: [A('example.org', '192.0.2.7')] })),
    );
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('answer');
    expect(r.transport).toBe('tcp');
    expect(recordsOf(r, 'A')[0]?.address).toBe('192.0.2.7');
    expect(s.received).toEqual({ udp: 1, tcp: 1 });
  });

  it('TC with a body cut mid-record: the header is enough to go to TCP', async () => {
    const s = await serve(
      (q, send) => {
        const full = reply(q, { tc: true, answers: [A('example.org', '192.0.2.8')] });
        send(full.subarray(0, full.length - 3));
      },
      (q, sock) => sendFramed(sock, reply(q, { answers: [A('example.org', '192.0.2.8')] })),
    );
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('answer');
    expect(r.transport).toBe('tcp');
  });

  it('TC but no TCP listener: an error, not a crash', async () => {
    const s = await serve((q, send) => send(reply(q, { tc: true })));
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('error');
    expect(r.transport).toBe('tcp');
  });

  it('TCP that sends garbage, or closes early: an error', async () => {
    const g = await serve(
      (q, send) => send(reply(q, { tc: true })),
      (_q, sock) => sendFramed(sock, randomBytes(40)),
    );
    expect((await query(g, 'example.org', 'A', fast)).kind).toBe('error');
    const c = await serve(
      (q, send) => send(reply(q, { tc: true })),
      (_q, sock) => sock.end(Buffer.from([0, 50, 1, 2])),
    );
    const r = await query(c, 'example.org', 'A', fast);
    expect(r.kind).toBe('error');
    expect(describeResult(r)).toContain('closed the connection');
  });

  it('replies with another ID, another question or no QR bit are ignored; the matching one counts', async () => {
    const s = await serve((q, send) => {
      const { name } = questionOf(q);
      const id = q.readUInt16BE(0);
      send(reply(q, { id: (id + 1) & 0xffff, answers: [A(name, '192.0.2.66')] }));
      send(reply(q, { qname: `evil.${name}`, answers: [A(`evil.${name}`, '192.0.2.66')] }));
      send(reply(q, { qr: false, answers: [A(name, '192.0.2.66')] }));
      setTimeout(() => send(reply(q, { answers: [A(name, '192.0.2.9')] })), 20);
    });
    const r = await query(s, 'Example.ORG', 'A', fast);
    expect(r.kind).toBe('answer');
    expect(recordsOf(r, 'A').map((x) => x.address)).toEqual(['192.0.2.9']);
  });

  it('only non-matching replies: a timeout that says how many were ignored', async () => {
    const s = await serve((q, send) => send(reply(q, { id: (q.readUInt16BE(0) + 7) & 0xffff })));
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('timeout');
    expect(describeResult(r)).toContain('non-matching packet(s) ignored');
  });

  it('random bytes: an error result once the attempts are over', async () => {
    const s = await serve((_q, send) => send(Buffer.concat([Buffer.from([0xde, 0xad]), randomBytes(30)])));
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('error');
    expect(describeResult(r)).toContain('not a DNS reply');
  });

  it('random bytes behind our ID: an error at once', async () => {
    const s = await serve((q, send) => send(Buffer.concat([q.subarray(0, 2), Buffer.from([0x81, 0x80]), randomBytes(5)])));
    const r = await query(s, 'example.org', 'A', { timeoutMs: 2000, retries: 2 });
    expect(r.kind).toBe('error');
    expect(r.elapsedMs).toBeLessThan(1000);
    expect(describeResult(r)).toContain('malformed reply');
  });

  it('fuzz: mangled replies never throw (UDP and TCP)', async () => {
    const mangle = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      const flips = 1 + Math.floor(Math.random() * 6);
      for (let i = 0; i < flips; i++) out[2 + Math.floor(Math.random() * (out.length - 2))] = Math.floor(Math.random() * 256);
      return Math.random() < 0.3 ? out.subarray(0, Math.floor(Math.random() * out.length)) : out;
    };
    const good = (q: Buffer): Buffer =>
      reply(q, {
        answers: [
          A('example.org', '192.0.2.1'),
          { type: 'MX', name: 'example.org', ttl: 60, data: { preference: 10, exchange: 'mail.example.org' } },
          { type: 'TXT', name: 'example.org', ttl: 60, data: ['v=spf1 mx -all'] },
        ],
      });
    const s = await serve(
      (q, send) => send(mangle(good(q))),
      (q, sock) => sendFramed(sock, mangle(good(q))),
    );
    const kinds = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const r: QueryResult = await query(s, 'example.org', 'A', { timeoutMs: 40, retries: 0, tcp: i % 3 === 0 });
      kinds.add(r.kind);
    }
    expect([...kinds].every((k) => ['answer', 'nodata', 'nxdomain', 'servfail', 'refused', 'timeout', 'error'].includes(k))).toBe(true);
  });

  it('IPv6 loopback works', async () => {
    const s = await serve((q, send) => send(reply(q, { answers: [A('example.org', '192.0.2.3')] })), undefined, '::1');
    const r = await query(s, 'example.org', 'A', fast);
    expect(r.kind).toBe('answer');
  });

  it('an abort ends a query early as a timeout', async () => {
    const s = await serve(() => undefined);
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 50);
    const r = await query(s, 'example.org', 'A', { timeoutMs: 5000, retries: 2, signal: ctrl.signal });
    expect(r.kind).toBe('timeout');
    expect(r.elapsedMs).toBeLessThan(1000);
  });

  it('names that cannot be encoded are an error result', async () => {
    const s = await serve(() => undefined);
    expect((await query(s, `${'a'.repeat(64)}.example.org`, 'A', fast)).kind).toBe('error');
    expect((await query(s, 'a..example.org', 'A', fast)).kind).toBe('error');
    expect((await query({ host: 'not-an-ip', port: 53 }, 'example.org', 'A', fast)).kind).toBe('error');
  });
});

describe('the doctor with broken servers: findings, never a crash', () => {
  const answers = answersFor('example.org', 10);

  it.each([
    ['REFUSED', (q: Buffer, send: (b: Buffer) => void) => send(reply(q, { rcode: RCODE.REFUSED })), 'REFUSED'],
    ['SERVFAIL', (q: Buffer, send: (b: Buffer) => void) => send(reply(q, { rcode: RCODE.SERVFAIL })), 'SERVFAIL'],
    ['silence', () => undefined, 'no reply'],
    ['random bytes', (_q: Buffer, send: (b: Buffer) => void) => send(randomBytes(64)), 'not a DNS reply'],
    ['no authority (lame)', (q: Buffer, send: (b: Buffer) => void) => send(Buffer.from(reply(q)).fill(0, 2, 3).fill(0x80, 2, 3)), 'without authority'],
  ])('%s: the ns check fails and names the server', async (_name, handler, words) => {
    const s = await serve(handler);
    const r = await runDnsChecks({ answers, nameservers: [`127.0.0.1:${s.port}`], local: false, timeoutMs: 3000, queryTimeoutMs: 100, retries: 1 });
    const ns = r.checks.filter((c) => c.id === 'ns');
    expect(ns.some((c) => c.status === 'fail' && c.summary.includes(`127.0.0.1:${s.port}`) && c.summary.includes(words))).toBe(true);
    expect(r.checks.filter((c) => c.id === 'mx').map((c) => c.status)).toEqual(['warn']);
  });

  it('the time budget holds even when a server swallows every query', async () => {
    const s = await serve(() => undefined);
    const t = performance.now();
    const r = await runDnsChecks({ answers, nameservers: [`127.0.0.1:${s.port}`], local: false, timeoutMs: 400, queryTimeoutMs: 1000, retries: 5 });
    expect(performance.now() - t).toBeLessThan(1500);
    expect(r.checks.some((c) => c.id === 'ns' && c.summary.includes('time budget'))).toBe(true);
  });
});
