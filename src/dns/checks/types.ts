/**
 * What every DNS check takes and gives: its id, one server's view of DNS (Lookup), the input.
 */
import type { Answers } from '../../answers/schema.js';
import type { Finding } from '../../engine/types.js';
import type { QueryResult } from '../client.js';
import type { RecordType } from '../records.js';

export const CHECK_IDS = [
  'ns',
  'consistency',
  'dnssec',
  'a',
  'aaaa',
  'mx',
  'ptr',
  'spf',
  'dkim',
  'dmarc',
  'wildcard',
  'localhost',
  'caa',
  'tlsa',
  'mta-sts',
  'tls-rpt',
  'srv',
  'autoconfig',
  'local-localhost',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** One view of DNS: every question goes to one authoritative server (or, for other zones, theirs). */
export interface Lookup {
  ask(name: string, type: RecordType): Promise<QueryResult>;
}

export interface CheckInput {
  answers: Answers;
  lookup: Lookup;
  dkimPublicKeyPem?: string;
  /** A label that surely does not exist, the same for every server: `<label>.<domain>`. */
  probeLabel: string;
}

export type CheckFn = (input: CheckInput) => Promise<Finding[]>;
