/**
 * Helpers the DNS checks share: findings, what a server answered, where people put records by
 * mistake.
 */
import net from 'node:net';
import type { Finding, FindingStatus } from '../../engine/types.js';
import { describeResult, recordsOf, serverLabel, type QueryResult } from '../client.js';
import { expectedRecords, type ExpectedRecord } from '../expected.js';
import { formatRecord, normalizeName, txtValue, type RecordType } from '../records.js';
import type { SpfDns } from '../spf.js';
import { recordLine } from '../zone-export.js';
import type { CheckId, Lookup, CheckInput } from './types.js';

export function finding(check: CheckId, status: FindingStatus, summary: string, more: { evidence?: string; fix?: string } = {}): Finding {
  const f: Finding = { status, check, summary };
  if (more.evidence !== undefined && more.evidence !== '') f.evidence = more.evidence;
  if (more.fix !== undefined) f.fix = more.fix;
  return f;
}

export function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

/** What a result shows, as evidence lines. */
export function seen(r: QueryResult): string {
  if ((r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain') && r.records.length > 0) {
    return r.records.map(formatRecord).join('\n');
  }
  return `${r.name}. ${r.type}: ${describeResult(r)}`;
}

export function couldNotCheck(check: CheckId, what: string, r: QueryResult): Finding {
  return finding(check, 'warn', `could not check ${what}: ${serverLabel(r.server)} gave ${describeResult(r)}`, {
    evidence: seen(r),
    fix: 'run the check again; if it persists, the server has a problem (see the ns check)',
  });
}

export function absence(r: QueryResult): string {
  return r.kind === 'nxdomain' ? 'the name does not exist (NXDOMAIN)' : `the name exists but has no ${r.type} record`;
}

export function txtValues(r: QueryResult): string[] {
  return recordsOf(r, 'TXT').map(txtValue);
}

export function addresses(r: QueryResult, type: 'A' | 'AAAA'): string[] {
  return recordsOf(r, type).map((x) => x.address);
}

/** The CNAME at `name` itself, when the answer went through one. */
export function cnameAt(r: QueryResult, name: string): string | undefined {
  return recordsOf(r, 'CNAME').find((c) => c.name === normalizeName(name))?.target;
}

export function expectedOf(input: CheckInput, check: ExpectedRecord['check'], name: string): ExpectedRecord | undefined {
  return expectedRecords(input.answers, input.dkimPublicKeyPem).find((e) => e.check === check && e.name === normalizeName(name));
}

export function publish(r: ExpectedRecord | undefined): string {
  return r ? `publish: ${recordLine(r)}` : '';
}

export function looksLikeIp(name: string): boolean {
  // "MX 10 192.0.2.10" in a zone file becomes the name 192.0.2.10.<origin>
  return /^(?:\d{1,3}\.){3}\d{1,3}(?:\.|$)/.test(name) || net.isIPv6(name.split('.')[0] ?? '') || /^[0-9a-f:]+:[0-9a-f:]*$/i.test(name);
}

/**
 * Where people put a record by mistake: under the host name, or with the domain twice (a panel
 * that appends the zone to a name typed in full: mw._domainkey.example.org.example.org).
 */
export function misplacedNames(name: string, domain: string, host: string, atHost: string): string[] {
  const out = [`${name}.${domain}`];
  if (host !== domain) out.unshift(atHost);
  return out;
}

export function doubledHint(found: string, name: string, domain: string): string {
  return found === `${name}.${domain}` ? `. The DNS panel added ${domain} to a name that already had it: type only "${name.slice(0, -domain.length - 1)}" as the name` : '';
}

export async function findElsewhere(input: CheckInput, names: string[], meant: (v: string) => boolean): Promise<{ name: string; result: QueryResult } | undefined> {
  const results = await Promise.all(names.map((n) => input.lookup.ask(n, 'TXT')));
  const i = results.findIndex((r) => txtValues(r).some(meant));
  const hit = results[i];
  return hit ? { name: names[i] ?? '', result: hit } : undefined;
}

export function spfDns(lookup: Lookup): SpfDns {
  const ask = async <T>(name: string, type: RecordType, pick: (r: QueryResult) => T[]): Promise<T[] | 'void' | 'error'> => {
    const r = await lookup.ask(name, type);
    if (!answered(r)) return 'error';
    const v = pick(r);
    return v.length === 0 ? 'void' : v;
  };
  return {
    txt: (name) => ask(name, 'TXT', txtValues),
    addresses: (name, type) => ask(name, type, (r) => addresses(r, type)),
    mx: (name) => ask(name, 'MX', (r) => recordsOf(r, 'MX').map((m) => m.exchange)),
  };
}
