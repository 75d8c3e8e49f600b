/**
 * The DNS step's live table: while the step shows its failure menu (or runs), the App calls
 * `watchDns` one call at a time, redraws the latest snapshot per record per server, and stops
 * when the step is left or the UI ends. A check that throws is one line.
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { PublishedSnapshot, PublishedState } from '../../src/dns/doctor.js';
import type { ExpectedRecord } from '../../src/dns/expected.js';
import type { Finding } from '../../src/engine/types.js';
import { App } from '../../src/ui/ink/App.js';
import { clockTime, dnsWatchLines, recordLabels } from '../../src/ui/ink/DnsRecords.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { daemon, dns, frameOf, frameWhen, hosts, noColor, publish, recordingControls, start, storeFrom, T0, tick, until, type Timed } from './helpers.js';

const mx: ExpectedRecord = { check: 'mx', name: 'example.org', type: 'MX', value: '10 mail.example.org.', ttl: 3600, where: 'zone', note: 'mail for example.org' };
const spf: ExpectedRecord = { check: 'spf', name: 'example.org', type: 'TXT', value: 'v=spf1 mx -all', ttl: 3600, where: 'zone', note: 'who may send' };
const SERVERS = ['ns1.example.net', 'ns2.example.net'];

function snapshot(state: PublishedState): PublishedSnapshot {
  const ok = state === 'ok';
  const records = [mx, spf].map((expected) => ({
    expected,
    servers: SERVERS.map((server) => ({ server, state, seen: ok ? [expected.value] : [], cacheTtl: ok ? 3600 : 300 })),
    agree: true,
    ok,
  }));
  return {
    zone: 'example.org',
    servers: SERVERS.map((host) => ({ label: host, host, port: 53, usable: true, status: 'SOA serial 1' })),
    records,
    allAgree: true,
    allOk: ok,
    maxCacheTtl: ok ? 0 : 300,
    problems: [],
    at: new Date(T0),
  };
}

const mxMissing: Finding = { status: 'fail', check: 'mx', summary: 'no MX record for example.org', evidence: 'ns1.example.net: NOERROR, no MX', fix: 'publish the MX record' };

const failing: Timed = [
  [0, start('setup', [hosts, daemon, dns])],
  [0, { type: 'step-start', step: hosts }],
  [10, { type: 'step-planned', step: hosts, actions: [] }],
  [20, { type: 'step-verified', step: hosts, findings: [] }],
  [20, { type: 'step-done', step: hosts, status: 'ok' }],
  [20, { type: 'step-start', step: daemon }],
  [30, { type: 'step-planned', step: daemon, actions: [] }],
  [40, { type: 'step-verified', step: daemon, findings: [] }],
  [40, { type: 'step-done', step: daemon, status: 'ok' }],
  [50, { type: 'step-start', step: dns }],
  [60, { type: 'step-planned', step: dns, actions: [publish] }],
  [70, { type: 'action-start', step: dns, index: 0, describe: publish.describe }],
  [70, { type: 'action-done', step: dns, index: 0, ok: true }],
  [900, { type: 'step-verified', step: dns, findings: [mxMissing] }],
  [900, { type: 'ui-prompt', prompt: { kind: 'failure', stepId: 'dns', findings: [mxMissing] } }],
];

/** A watchDns that answers from a list (the last one repeats) and records how calls overlap. */
function fakeWatch(answers: (PublishedSnapshot | Error)[], delayMs = 5) {
  const log = { calls: 0, running: 0, maxRunning: 0 };
  const watch = async (): Promise<PublishedSnapshot> => {
    const answer = answers[Math.min(log.calls, answers.length - 1)]!;
    log.calls++;
    log.running++;
    log.maxRunning = Math.max(log.maxRunning, log.running);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    log.running--;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { watch, log };
}

function expectFits(frame: string) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(23);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
}

const CLOCK = T0 + 2000;
const renderWatching = (store: ReturnType<typeof storeFrom>, watch: () => Promise<PublishedSnapshot>, intervalMs = 30) =>
  render(
    <App
      store={store}
      controls={recordingControls()}
      clock={() => CLOCK}
      size={{ columns: 80, rows: 24 }}
      palette={noColor}
      animate={false}
      next={DEMO_ANSWERS}
      watchDns={watch}
      dnsIntervalMs={intervalMs}
    />,
  );

describe('DNS watch', () => {
  it('failure menu: records to publish, then the live table, re-checked until all servers agree', async () => {
    const { watch, log } = fakeWatch([snapshot('missing'), snapshot('missing'), snapshot('ok')]);
    const app = renderWatching(storeFrom('setup', failing), watch);

    const first = await frameWhen(app, (f) => f.includes('0 of 2 records'));
    expect(first).toContain(`… 0 of 2 records published at every server · checked ${clockTime(CLOCK)}`);
    expect(first).toContain('Published now, per authoritative server (checked every 30 ms)');
    // The copyable zone lines come first, unindented.
    expect(first).toMatch(/\n│?example\.org\. 3600 IN MX 10 mail\.example\.org\./);
    expectFits(first);

    const agreed = await frameWhen(app, (f) => f.includes('all servers agree'));
    expect(agreed).toContain('✔ all servers agree: every record is published');
    expect(agreed).not.toContain('0 of 2 records');
    expectFits(agreed);
    expect(log.calls).toBeGreaterThanOrEqual(3);

    // Scroll down to the table itself: per record, per server, the state.
    for (let i = 0; i < 8; i++) app.stdin.write('\u001B[B');
    const table = await frameWhen(app, (f) => /example\.org MX +ns1\.example\.net +✔ ok/.test(f));
    expect(table).toMatch(/example\.org MX +ns1\.example\.net +✔ ok/);
    expect(table).toMatch(/\n│? +ns2\.example\.net +✔ ok/);
    expectFits(table);

    expect(log.maxRunning).toBe(1);
    app.unmount();
    const calls = log.calls;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(log.calls).toBeLessThanOrEqual(calls + 1);
    expect(log.running).toBe(0);
    const settled = log.calls;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(log.calls).toBe(settled);
  });

  it('never calls twice at once, even when a check takes longer than the interval', async () => {
    const { watch, log } = fakeWatch([snapshot('missing')], 60);
    const app = renderWatching(storeFrom('setup', failing), watch, 1);
    await until(() => log.calls >= 4);
    expect(log.maxRunning).toBe(1);
    app.unmount();
  });

  it('a check that throws is one line; the next good answer replaces it', async () => {
    const { watch } = fakeWatch([new Error('connect ECONNREFUSED\n  at somewhere'), snapshot('ok')]);
    const app = renderWatching(storeFrom('setup', failing), watch, 40);
    const failed = await frameWhen(app, (f) => f.includes('DNS check failed'));
    expect(failed).toContain('DNS check failed: connect ECONNREFUSED at somewhere');
    expect(failed).not.toContain('\n  at somewhere');
    expectFits(failed);
    const agreed = await frameWhen(app, (f) => f.includes('all servers agree'));
    expect(agreed).not.toContain('DNS check failed');
    app.unmount();
  });

  it('stops once the step is left (skip), and only watches the dns step', async () => {
    const { watch, log } = fakeWatch([snapshot('missing')]);
    const store = storeFrom('setup', failing);
    const app = renderWatching(store, watch);
    await frameWhen(app, (f) => f.includes('0 of 2 records'));
    store.dispatch({ type: 'ui-answered' });
    store.dispatch({ type: 'step-done', step: dns, status: 'skipped', note: 'skipped' });
    store.dispatch({ type: 'run-done', summary: { ok: 2, changed: 0, failed: 0, skipped: 1, planned: 0, stopped: false, ms: 1000 } as never });
    await tick();
    const calls = log.calls;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(log.calls).toBeLessThanOrEqual(calls + 1);
    const settled = log.calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(log.calls).toBe(settled);
    expect(frameOf(app)).not.toContain('Published now');
    app.unmount();

    // A failure menu of another step does not call it.
    const other = fakeWatch([snapshot('missing')]);
    const daemonFailing: Timed = [
      [0, start('setup', [hosts, daemon, dns])],
      [0, { type: 'step-start', step: daemon }],
      [10, { type: 'step-planned', step: daemon, actions: [] }],
      [20, { type: 'step-verified', step: daemon, findings: [mxMissing] }],
      [20, { type: 'ui-prompt', prompt: { kind: 'failure', stepId: 'daemon', findings: [mxMissing] } }],
    ];
    const app2 = renderWatching(storeFrom('setup', daemonFailing), other.watch);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.log.calls).toBe(0);
    app2.unmount();
  });

  it('while the step runs: the table under the live lines, within the frame', async () => {
    const { watch } = fakeWatch([snapshot('missing')]);
    const app = renderWatching(storeFrom('setup', failing.slice(0, -2)), watch);
    const frame = await frameWhen(app, (f) => f.includes('0 of 2 records'));
    expect(frame).toContain('Published now, per authoritative server (checked every 30 ms)');
    expectFits(frame);
    app.unmount();
  });
});

describe('dnsWatchLines', () => {
  it('per record, per server: state and how long caches may keep the old answer', () => {
    const lines = dnsWatchLines({ snapshot: snapshot('missing'), checkedAt: CLOCK, intervalMs: 5000 }).map((l) => `${l.label ?? ''}${l.text}`);
    expect(lines[0]).toBe('Published now, per authoritative server (checked every 5 s)');
    expect(lines[1]).toBe(`… 0 of 2 records published at every server · checked ${clockTime(CLOCK)}`);
    expect(lines[3]).toMatch(/^example\.org MX +ns1\.example\.net +✖ missing +up to 300 s$/);
    expect(lines[4]).toMatch(/^ +ns2\.example\.net +✖ missing +up to 300 s$/);
    expect(lines.at(-1)).toBe('Resolvers that asked before the fix may keep old answers for up to 300 s.');
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
  });
});

describe('record labels of the watch table', () => {
  const rec = (name: string, type: string) => ({ name, type });
  it('names that fit stay whole', () => {
    expect(recordLabels([rec('example.org', 'MX'), rec('mail.example.org', 'A')], 'example.org')).toEqual(['example.org MX', 'mail.example.org A']);
  });

  it('when one does not fit (the RFC 6186 SRV names), every name is shown relative to the zone, so the rows still differ', () => {
    const names = ['_submissions', '_submission', '_imaps', '_imap', '_pop3s', '_pop3'].map((s) => rec(`${s}._tcp.example.org`, 'SRV'));
    const labels = recordLabels([rec('example.org', 'MX'), ...names, rec('2.0.192.in-addr.arpa', 'PTR')], 'example.org');
    expect(labels).toEqual(['@ MX', '_submissions._tcp SRV', '_submission._tcp SRV', '_imaps._tcp SRV', '_imap._tcp SRV', '_pop3s._tcp SRV', '_pop3._tcp SRV', '2.0.192.in-addr.arpa. PTR']);
  });
});
