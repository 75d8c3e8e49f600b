/**
 * The records to publish, as zone lines a person can copy (no indent, never cut: long TXT
 * records wrap), and, when the DNS checks feed it, a table per record per authoritative server.
 * The live table (dnsWatchLines) draws the snapshots `watchDns` returns (see use-dns-watch.ts).
 */
import type { PublishedSnapshot, PublishedState } from '../../dns/doctor.js';
import type { PlannedAction } from '../../engine/events.js';
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { clip, padEnd } from './text.js';

export interface DnsCheckRow {
  record: string;
  server: string;
  state: 'agree' | 'differs' | 'missing' | 'pending';
  seen?: string;
}

export interface DnsRecordsData {
  groups: { title: string; lines: string[] }[];
  /** Live per-server results; absent until the DNS checks report. */
  checks?: DnsCheckRow[];
}

/** The manual actions of a step ("publish these records", "ask for a PTR") as record groups. */
export function manualGroups(actions: readonly PlannedAction[]): DnsRecordsData['groups'] {
  return actions.flatMap((p) => (p.action.type === 'manual' ? [{ title: p.action.title, lines: p.action.lines }] : []));
}

const CHECK_MARK: Record<DnsCheckRow['state'], Line> = {
  agree: { text: '✔ agrees', tone: 'ok' },
  differs: { text: '✖ differs', tone: 'fail' },
  missing: { text: '✖ missing', tone: 'fail' },
  pending: { text: '… asking', tone: 'muted' },
};

export function dnsRecordLines(data: DnsRecordsData): Line[] {
  const out: Line[] = [];
  for (const group of data.groups) {
    out.push({ label: 'you: ', labelTone: 'warn', text: group.title, bold: true });
    for (const line of group.lines) out.push({ text: line, copy: true });
  }
  if (data.checks?.length) {
    out.push({ text: '' }, { text: `${padEnd('record', 28)} ${padEnd('server', 20)} state`, bold: true });
    for (const row of data.checks) {
      const mark = CHECK_MARK[row.state];
      out.push({ text: `${padEnd(clip(row.record, 28), 28)} ${padEnd(clip(row.server, 20), 20)} ${mark.text}${row.seen ? ` (${row.seen})` : ''}`, tone: mark.tone, wrap: true });
    }
  }
  return out;
}

export function DnsRecords({ data, width, height, offset }: { data: DnsRecordsData; width: number; height?: number; offset?: number }) {
  return <Lines lines={dnsRecordLines(data)} width={width} height={height} offset={offset} />;
}

/** What the DNS watch (index.tsx `watchDns`) knows: the latest snapshot, or why the last check failed. */
export interface DnsWatch {
  snapshot?: PublishedSnapshot;
  /** One line: the last check threw (the previous snapshot, if any, stays shown). */
  error?: string;
  /** Clock time the last check ended. */
  checkedAt?: number;
  intervalMs: number;
}

const PUBLISHED_MARK: Record<PublishedState, Line> = {
  ok: { text: '✔ ok', tone: 'ok' },
  different: { text: '✖ different', tone: 'fail' },
  missing: { text: '✖ missing', tone: 'fail' },
  'no-answer': { text: '… no answer', tone: 'warn' },
};

/** HH:MM:SS, local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

const every = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** One line that changes with every check: how many records every server publishes, and when. */
export function dnsWatchSummary(watch: DnsWatch): Line {
  const when = watch.checkedAt === undefined ? '' : ` · checked ${clockTime(watch.checkedAt)}`;
  const snap = watch.snapshot;
  if (!snap) return { text: watch.error ? `DNS check failed${when}` : 'Asking the authoritative servers…', tone: watch.error ? 'warn' : 'muted' };
  if (snap.allAgree && snap.allOk) return { label: '✔ ', labelTone: 'ok', text: `all servers agree: every record is published${when}`, tone: 'ok' };
  const ok = snap.records.filter((r) => r.ok).length;
  return { label: '… ', labelTone: 'warn', text: `${ok} of ${snap.records.length} records published at every server${when}`, tone: 'warn' };
}

const REC = 26;
const SRV = 20;
const STATE_W = 12;

/**
 * "name TYPE" in the watch table. When some name is too long for the column (the DKIM and RFC 6186
 * SRV names are), every name in the zone is shown relative to it ("@" for the zone itself), so the
 * rows still tell apart and read alike.
 */
export function recordLabels(records: ReadonlyArray<{ name: string; type: string }>, zone: string | undefined, width = REC): string[] {
  const full = records.map((r) => `${r.name} ${r.type}`);
  if (!zone || full.every((l) => l.length <= width)) return full.map((l) => clip(l, width));
  return records.map((r) => {
    const name = r.name === zone ? '@' : r.name.endsWith(`.${zone}`) ? r.name.slice(0, -zone.length - 1) : `${r.name}.`;
    return clip(`${name} ${r.type}`, width);
  });
}

/** The latest snapshot as a table: per record, per authoritative server, its state and how long caches may keep an old answer. */
export function dnsWatchLines(watch: DnsWatch, summary = true): Line[] {
  const out: Line[] = [{ text: `Published now, per authoritative server (checked every ${every(watch.intervalMs)})`, bold: true }];
  if (summary || !watch.snapshot) out.push(dnsWatchSummary(watch));
  if (watch.error) out.push({ label: '! ', labelTone: 'warn', text: `DNS check failed: ${watch.error}`, tone: 'warn' });
  const snap = watch.snapshot;
  if (!snap) return out;
  const labels = recordLabels(snap.records.map((r) => r.expected), snap.zone);
  const relative = snap.zone !== undefined && labels.some((l) => l.startsWith('@ '));
  if (relative) out.push({ text: `(names in ${snap.zone}: @ is ${snap.zone} itself)`, tone: 'muted' });
  out.push({ text: `${padEnd('record', REC)}  ${padEnd('server', SRV)}  ${padEnd('state', STATE_W)}  old answer kept`, bold: true });
  for (const [k, r] of snap.records.entries()) {
    const record = labels[k] ?? '';
    if (r.servers.length === 0) out.push({ text: `${padEnd(clip(record, REC), REC)}  ${padEnd('(no server answered)', SRV)}`, tone: 'warn' });
    r.servers.forEach((s, i) => {
      const mark = PUBLISHED_MARK[s.state] ?? { text: s.state };
      const ttl = s.state !== 'ok' && s.cacheTtl !== undefined ? `up to ${s.cacheTtl} s` : '';
      const name = i === 0 ? clip(record, REC) : '';
      out.push({ text: `${padEnd(name, REC)}  ${padEnd(clip(s.server, SRV), SRV)}  ${padEnd(mark.text, STATE_W)}  ${ttl}`.trimEnd(), tone: mark.tone });
    });
    if (!r.agree) out.push({ indent: REC + 2, text: '(servers disagree)', tone: 'warn' });
  }
  for (const p of snap.problems) out.push({ label: '! ', labelTone: 'warn', text: p, wrap: true });
  if (!(snap.allAgree && snap.allOk) && snap.maxCacheTtl > 0) {
    out.push({ text: `Resolvers that asked before the fix may keep old answers for up to ${snap.maxCacheTtl} s.`, tone: 'muted', wrap: true });
  }
  return out;
}
