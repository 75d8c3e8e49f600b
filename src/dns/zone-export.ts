/**
 * The records to publish, in the forms a person uses: zone-file lines to paste (long TXT values
 * split into 255-byte strings), an aligned table, and JSON.
 */
import { splitTxtValue } from '../dkim/record.js';
import type { ExpectedRecord } from './expected.js';
import { quoteTxtString } from './records.js';

/** The data part of a zone line: TXT values quoted and split, others as they are. */
export function zoneData(r: Pick<ExpectedRecord, 'type' | 'value'>): string {
  if (r.type !== 'TXT') return r.value;
  const strings = splitTxtValue(r.value);
  if (strings.length === 1) return quoteTxtString(strings[0] ?? '');
  // parentheses let one record span lines in a zone file (RFC 1035 §5.1)
  return `( ${strings.map(quoteTxtString).join('\n      ')} )`;
}

/** One record as a zone-file line (absolute owner name, so it pastes into any zone). */
export function zoneLine(r: Pick<ExpectedRecord, 'name' | 'type' | 'value' | 'ttl'>): string {
  return `${r.name}.\t${r.ttl}\tIN\t${r.type}\t${zoneData(r)}`;
}

/** The same with single spaces: for messages, where tabs would be odd. */
export function recordLine(r: Pick<ExpectedRecord, 'name' | 'type' | 'value' | 'ttl'>): string {
  return `${r.name}. ${r.ttl} IN ${r.type} ${zoneData(r)}`;
}

/** A one-line form for messages: TXT as one quoted string even when long. */
export function recordOneLine(r: Pick<ExpectedRecord, 'name' | 'type' | 'value'>): string {
  return `${r.name}. ${r.type} ${r.type === 'TXT' ? quoteTxtString(r.value) : r.value}`;
}

/**
 * What `records --format zone` prints: the lines of the mail domain's zone, loadable as printed
 * (absolute names, so they paste into the zone of the domain or of a parent). The PTR requests
 * follow as comments: they live in the reverse zone of whoever owns the addresses, and a PTR line
 * in the domain's zone makes a server refuse the whole zone ("out of zone data").
 */
export function zoneLines(records: readonly ExpectedRecord[]): string[] {
  const zone = records.filter((r) => r.where === 'zone');
  const provider = records.filter((r) => r.where === 'provider');
  const out: string[] = ['; Publish these in the DNS zone of the mail domain (your DNS provider\'s panel or zone file).'];
  for (const r of zone) {
    out.push(`; ${r.note}`);
    if (r.placeholder) out.push('; (placeholder: the key does not exist yet; setup creates it, then run `mail-wizard records` again)');
    out.push(zoneLine(r));
  }
  if (provider.length > 0) {
    out.push('');
    out.push('; Reverse DNS (PTR): not part of your zone. Ask whoever owns the IP addresses to set these,');
    out.push('; usually in the hosting provider\'s panel ("reverse DNS", "rDNS") or by a support ticket.');
    out.push('; They are comments here so that this output loads into your zone as it is.');
    for (const r of provider) out.push(`; ${r.note}`, `; ${zoneLine(r)}`);
  }
  return out;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - s.length));
}

/** Greedy word wrap; a word longer than the width (a base64 key) is cut. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line !== '') out.push(line);
    line = word;
    while (line.length > width) {
      out.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  out.push(line);
  return out;
}

/** Names longer than this (an IPv6 PTR name has 72 characters) wrap, so values keep room. */
const NAME_MAX = 34;

/** An aligned table; names and values that do not fit are wrapped onto continuation lines. */
export function recordsTable(records: readonly ExpectedRecord[], width = 100): string[] {
  const rows = records.map((r) => ({
    type: r.type,
    name: r.name,
    value: r.value,
    where: r.where === 'zone' ? 'your DNS zone' : 'hosting provider (rDNS)',
  }));
  const wType = Math.max(4, ...rows.map((r) => r.type.length));
  const wName = Math.min(NAME_MAX, Math.max(4, ...rows.map((r) => r.name.length)));
  const wWhere = Math.max(5, ...rows.map((r) => r.where.length));
  const wValue = Math.max(20, width - wType - wName - wWhere - 6);
  const out = [`${pad('TYPE', wType)}  ${pad('NAME', wName)}  ${pad('WHERE', wWhere)}  VALUE`];
  out.push(`${'-'.repeat(wType)}  ${'-'.repeat(wName)}  ${'-'.repeat(wWhere)}  ${'-'.repeat(Math.min(wValue, 40))}`);
  for (const r of rows) {
    const values = wrap(r.value, wValue);
    const names = wrap(r.name, wName);
    for (let i = 0; i < Math.max(values.length, names.length); i++) {
      const head = i === 0 ? `${pad(r.type, wType)}  ${pad(names[0] ?? '', wName)}  ${pad(r.where, wWhere)}  ` : `${' '.repeat(wType + 2)}${pad(names[i] ?? '', wName)}${' '.repeat(wWhere + 4)}`;
      out.push(`${head}${values[i] ?? ''}`.trimEnd());
    }
  }
  return out;
}

export interface RecordJson {
  check: string;
  name: string;
  type: string;
  ttl: number;
  value: string;
  /** TXT only: the character-strings (≤255 bytes each) that make up the value. */
  strings?: string[];
  where: 'zone' | 'provider';
  note: string;
  placeholder?: boolean;
  zoneLine: string;
}

export function recordsJson(records: readonly ExpectedRecord[]): RecordJson[] {
  return records.map((r) => ({
    check: r.check,
    name: r.name,
    type: r.type,
    ttl: r.ttl,
    value: r.value,
    ...(r.type === 'TXT' ? { strings: splitTxtValue(r.value) } : {}),
    where: r.where,
    note: r.note,
    ...(r.placeholder ? { placeholder: true } : {}),
    zoneLine: zoneLine(r),
  }));
}
