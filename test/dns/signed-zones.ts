/**
 * DNSSEC-signed test zones made with the real tools (ldnsutils): ldns-keygen for a KSK and a ZSK,
 * ldns-signzone to sign, ldns-key2ds for the DS the parent publishes. No vitest import here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const TOOLS = ['ldns-keygen', 'ldns-signzone', 'ldns-key2ds'];

/** The ldnsutils tool missing from PATH, if any. */
export function missingLdnsTool(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':');
  return TOOLS.find((t) => !dirs.some((d) => existsSync(path.join(d, t))));
}

export interface ZoneKeys {
  zone: string;
  /** Base names (K<zone>.+013+<tag>) in dir. */
  ksk: string;
  zsk: string;
  dir: string;
}

export function makeZoneKeys(dir: string, zone: string): ZoneKeys {
  const gen = (extra: string[]) => execFileSync('ldns-keygen', ['-a', 'ECDSAP256SHA256', ...extra, zone], { cwd: dir, encoding: 'utf8' }).trim();
  return { zone, ksk: gen(['-k']), zsk: gen([]), dir };
}

/** The DS of the zone's KSK as ldns-key2ds writes it (SHA-256): a zone line. */
export function dsOf(keys: ZoneKeys): string {
  return execFileSync('ldns-key2ds', ['-n', '-2', `${keys.ksk}.key`], { cwd: keys.dir, encoding: 'utf8' }).trim();
}

/** A DS zone line's data: key tag, algorithm, digest type, digest (lower case). */
export function dsData(line: string): string {
  const t = line.trim().split(/\s+/);
  const at = t.indexOf('DS');
  return `${t[at + 1]} ${t[at + 2]} ${t[at + 3]} ${t.slice(at + 4).join('').toLowerCase()}`;
}

/** The key's DNSKEY line (from its .key file). */
export function dnskeyOf(keys: ZoneKeys, which: 'ksk' | 'zsk'): string {
  return readFileSync(path.join(keys.dir, `${keys[which]}.key`), 'utf8').trim();
}

export interface SignOptions {
  /** YYYYMMDD or seconds since the epoch (ldns-signzone's -i / -e). */
  inception?: string;
  expiration?: string;
}

/** Signs zone text (with $ORIGIN and $TTL) and returns the signed zone's text. */
export function signZone(keys: ZoneKeys, text: string, opts: SignOptions = {}): string {
  const file = path.join(keys.dir, `${keys.zone}.unsigned`);
  writeFileSync(file, text);
  const args = ['-o', keys.zone, '-f', `${file}.signed`];
  if (opts.inception) args.push('-i', opts.inception);
  if (opts.expiration) args.push('-e', opts.expiration);
  execFileSync('ldns-signzone', [...args, file, keys.ksk, keys.zsk], { cwd: keys.dir, encoding: 'utf8' });
  return readFileSync(`${file}.signed`, 'utf8');
}
