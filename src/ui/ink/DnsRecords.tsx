/**
 * The records to publish, as zone lines a person can copy (no indent, never cut: long TXT
 * records wrap), and, when the DNS checks feed it, a table per record per authoritative server.
 */
import type { PlannedAction } from '../../engine/events.js';
import type { Line } from './lines.js';
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
