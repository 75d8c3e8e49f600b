/**
 * Validation of the answers, field by field. Each check returns the problem in words (or null), and
 * validateAnswers() turns them into one line per problem naming the field and the value, the form
 * the CLI prints and the interview shows while typing.
 */
import { isIPv6 } from 'node:net';
import { TLSRPT_ALIAS } from '../published/tls-rpt.js';
import { FIELDS, FILE_ONLY_FIELDS, LETSENCRYPT_STAGING_DIRECTORY, type Answers, type DmarcPolicy, type MtaStsMode, type TlsChoice, MTA_STS_MODES } from './schema.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SELECTOR_LABEL = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Strict dotted quad: four decimal octets 0-255, no leading zeros. */
export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return (
    parts.length === 4 &&
    parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)
  );
}

export function checkIPv4(value: string): string | null {
  if (!isIPv4(value)) return 'is not an IPv4 address';
  const [a] = value.split('.').map(Number) as [number];
  if (value === '0.0.0.0' || a === 127) return 'is a loopback or unspecified address; give the public address';
  if (a >= 224) return 'is a multicast or reserved address; give the public address';
  return null;
}

export function checkIPv6(value: string): string | null {
  if (!isIPv6(value) || value.includes('%')) return 'is not an IPv6 address';
  const v = value.toLowerCase();
  if (v === '::' || v === '::1') return 'is a loopback or unspecified address; give the public address';
  if (v.startsWith('fe80:')) return 'is a link-local address; give the public address';
  if (v.startsWith('ff')) return 'is a multicast address; give the public address';
  return null;
}

/** A DNS name usable as a mail domain or host name: two or more LDH labels, not an IP address. */
export function checkDomainName(value: string): string | null {
  if (value === '') return 'is empty';
  if (isIPv4(value) || /^[0-9.]+$/.test(value)) return 'is an IP address, not a name (for example mail.example.org)';
  if (isIPv6(value)) return 'is an IP address, not a name (for example mail.example.org)';
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length > 253) return 'is longer than 253 characters';
  if (/[A-Z]/.test(name)) return 'must be lower case';
  const labels = name.split('.');
  if (labels.length < 2) return 'is not a fully qualified name (it needs a dot, like example.org)';
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return bad === ''
      ? 'has an empty label (two dots in a row?)'
      : `has an invalid label "${bad}" (letters, digits and inner hyphens only, at most 63)`;
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return 'ends in a numeric label; top-level domains are never numeric';
  return null;
}

export function checkEmail(value: string): string | null {
  const at = value.lastIndexOf('@');
  if (at <= 0) return 'is not an email address (user@domain)';
  if (!LOCAL_PART.test(value.slice(0, at))) return 'is not an email address (invalid part before @)';
  const domainProblem = checkDomainName(value.slice(at + 1));
  return domainProblem ? `is not an email address (the domain ${domainProblem})` : null;
}

/**
 * Addresses that are written into config files (the aliases table, smtpd's senders table, DNS TXT
 * values) must stay data in every one of those grammars: RFC 5322 allows `|`, `/`, quotes and
 * more in a local part, and an alias value starting with `|`, `/` or `:include:` runs a program,
 * writes a file or reads a list (aliases(5)). Only the plain characters mail addresses use in
 * practice get through, and never a leading `-` (an option to the program that reads it).
 */
const CONFIG_LOCAL_PART = /^[A-Za-z0-9_+=](?:[A-Za-z0-9._+=-]*[A-Za-z0-9_+=-])?$/;

export function checkConfigEmail(value: string): string | null {
  const problem = checkEmail(value);
  if (problem) return problem;
  const local = value.slice(0, value.lastIndexOf('@'));
  if (!CONFIG_LOCAL_PART.test(local) || local.includes('..')) {
    return 'cannot go into the aliases and smtpd tables: use letters, digits and . _ + = - before the @ (no quotes, pipes, slashes, a leading -)';
  }
  return null;
}

/**
 * A file path written into smtpd.conf ("…"), dovecot.conf (ssl_cert = <…) and acme-client.conf:
 * absolute, and made only of characters that no one of those grammars reads as syntax (no quotes,
 * whitespace or newlines, no `<` `%` `$` `{` `#` `;` `\\`).
 */
const CONFIG_PATH = /^\/[A-Za-z0-9._+@,=\/-]*$/;

export function checkConfigPath(value: string): string | null {
  if (!value.startsWith('/')) return 'must be an absolute path';
  if (!CONFIG_PATH.test(value)) {
    return 'cannot go into smtpd.conf and dovecot.conf: use letters, digits and / . _ - + @ , = only (no quotes, spaces, newlines or other syntax)';
  }
  if (value.split('/').some((part) => part.startsWith('-'))) return 'has a part starting with "-"';
  return null;
}

/**
 * An ACME directory URL, written into acme-client.conf (api url "…") and given to certbot as
 * --server: https (RFC 8555 section 6.1 requires it), no credentials or fragment, and only
 * characters that neither grammar reads as syntax (no quotes, spaces, backslashes).
 */
const URL_CHARS = /^[A-Za-z0-9._~:/?&=%+,;@[\]-]+$/;

export function checkAcmeDirectory(value: string): string | null {
  const example = `(for example ${LETSENCRYPT_STAGING_DIRECTORY})`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL: give the CA's ACME directory URL ${example}`;
  }
  if (url.protocol !== 'https:') return `must be an https URL: ACME directories are served over TLS ${example}`;
  if (url.username || url.password) return 'must not hold a user name or password';
  if (url.hash) return 'must not have a #fragment';
  if (!URL_CHARS.test(value)) return 'has characters that cannot go into acme-client.conf (quotes, spaces, backslashes)';
  return null;
}

export function checkUnixUser(value: string): string | null {
  if (!UNIX_USER.test(value)) return 'is not a valid user name (lower case letters, digits, _ and -, at most 32)';
  if (value === 'root') return 'should not read mail; root mail goes to the postmaster through the aliases';
  return null;
}

export function checkSelector(value: string): string | null {
  if (value === '') return 'is empty';
  if (value.split('.').some((l) => !SELECTOR_LABEL.test(l))) {
    return 'is not a valid DKIM selector (DNS labels: letters, digits, - and _)';
  }
  return null;
}

/** The wizard's own aliases (templates/aliases.ts): never a name `alias add` may take. */
export const WIZARD_ALIASES: readonly string[] = ['postmaster', 'abuse', 'hostmaster', 'root', TLSRPT_ALIAS];

const ALIAS_NAME = /^[a-z0-9_+=](?:[a-z0-9._+=-]{0,62}[a-z0-9_+=-])?$/;

/** An alias name: a lower-case local part that goes into the aliases table as data. */
export function checkAliasName(value: string): string | null {
  if (!ALIAS_NAME.test(value) || value.includes('..')) {
    return 'is not a valid alias name (lower case letters, digits and . _ + = -, at most 64, not starting with - or .)';
  }
  if (WIZARD_ALIASES.includes(value)) return `is one of mail-wizard's own aliases (${WIZARD_ALIASES.join(', ')}); set postmaster in the answers instead`;
  return null;
}

/**
 * One target of an alias: a user, another alias (or one of the wizard's), or an address elsewhere.
 * A bare name, or an address at our own domain, that is none of them is an error: it is how an
 * alias to a removed user shows up.
 */
export function checkAliasTarget(target: string, name: string, users: readonly string[], aliases: Record<string, string[]>, domain?: string): string | null {
  const at = target.lastIndexOf('@');
  if (at >= 0) {
    const problem = checkConfigEmail(target);
    if (problem) return problem;
    if (domain === undefined || target.slice(at + 1).toLowerCase() !== domain) return null;
  }
  const local = (at >= 0 ? target.slice(0, at) : target).toLowerCase();
  if (local === name) return 'is the alias itself';
  if (users.includes(local) || WIZARD_ALIASES.includes(local) || local in aliases) return null;
  return `is neither one of the users (${users.join(', ')}) nor an alias: a removed user? Remove or change the alias first`;
}

/** The first alias that reaches itself through other aliases (a loop smtpd cannot expand), or null. */
export function aliasLoop(aliases: Record<string, string[]>): string | null {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string): boolean => {
    if (done.has(name)) return false;
    if (visiting.has(name)) return true;
    visiting.add(name);
    const looped = (aliases[name] ?? []).some((t) => !t.includes('@') && t in aliases && visit(t));
    visiting.delete(name);
    done.add(name);
    return looped;
  };
  return Object.keys(aliases).find((n) => visit(n)) ?? null;
}

function parseAliases(raw: unknown, users: readonly string[], domain: string | undefined, errors: string[]): Record<string, string[]> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.push(`aliases: ${show(raw)} must be an object of alias name → list of targets, e.g. {"sales": ["alice"]}`);
    return undefined;
  }
  const out: Record<string, string[]> = {};
  let ok = true;
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [name, targets] of entries) {
    const nameProblem = checkAliasName(name);
    if (nameProblem) {
      errors.push(`aliases: ${show(name)} ${nameProblem}`);
      ok = false;
    } else if (users.includes(name)) {
      errors.push(`aliases: ${show(name)} is also a user: a name is either a user or an alias`);
      ok = false;
    }
    if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => typeof t !== 'string' || t.trim() === '')) {
      errors.push(`aliases.${name}: ${show(targets)} must be a non-empty list of users or addresses`);
      ok = false;
      continue;
    }
    out[name] = (targets as string[]).map((t) => t.trim());
  }
  if (!ok) return undefined;
  for (const [name, targets] of Object.entries(out)) {
    for (const t of targets) {
      const problem = checkAliasTarget(t, name, users, out, domain);
      if (problem) {
        errors.push(`aliases.${name}: ${show(t)} ${problem}`);
        ok = false;
      }
    }
  }
  const loop = ok ? aliasLoop(out) : null;
  if (loop) {
    errors.push(`aliases.${loop}: reaches itself through other aliases (a loop)`);
    ok = false;
  }
  return ok ? out : undefined;
}

/** HOST or HOST:PORT of a relay: a name or an IPv4 address, a port 1-65535 (smtpd.conf's relay-url). */
export function checkRelayHost(value: string): string | null {
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return 'is not HOST or HOST:PORT (for example smtp.provider.example:587)';
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return `has the port ${m[2]}, out of range (1-65535)`;
  const host = m[1]!;
  if (isIPv4(host)) return null;
  return checkDomainName(host);
}

/** An MTA-STS mode; enforce only with a certificate senders trust (with self-signed they would refuse all mail). */
export function checkMtaSts(v: string, tlsMode: string): string | null {
  if (!(MTA_STS_MODES as readonly string[]).includes(v)) return 'is not an MTA-STS mode (off, testing or enforce)';
  if (v === 'enforce' && tlsMode === 'self-signed') return 'needs a certificate that senders trust (tls acme or existing): with self-signed, enforcing senders would refuse all mail';
  return null;
}

export type ValidationResult = { ok: true; answers: Answers } | { ok: false; errors: string[] };

// aliases is a field of the file, kept by `mail-wizard alias`; the interview does not ask for it,
// nor for the file-only fields (relayHost), nor for dkimPublished (written by `dkim rotate`).
const KNOWN_KEYS = new Set<string>([...FIELDS.map((f) => f.key), 'aliases', ...FILE_ONLY_FIELDS, 'dkimPublished']);
const DMARC_POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

/** JSON.stringify for messages: shows strings quoted and anything else as it is. */
export function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function normalizeName(value: string): string {
  return value.trim().replace(/\.$/, '');
}

/** Validates raw (parsed JSON or interview) data; returns normalized answers or one line per problem. */
export function validateAnswers(raw: unknown): ValidationResult {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: ['answers: must be a JSON object with the fields domain, hostname, ipv4, ...'] };
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) errors.push(`${key}: unknown field (known: ${[...KNOWN_KEYS].join(', ')})`);
  }

  const str = (key: string, optional = false): string | undefined => {
    const v = input[key];
    if (v === undefined || v === null || v === '') {
      if (!optional) errors.push(`${key}: missing`);
      return undefined;
    }
    if (typeof v !== 'string') {
      errors.push(`${key}: ${show(v)} must be a string`);
      return undefined;
    }
    return v.trim();
  };
  const check = (key: string, value: string | undefined, fn: (v: string) => string | null): string | undefined => {
    if (value === undefined) return undefined;
    const problem = fn(value);
    if (problem) {
      errors.push(`${key}: ${show(value)} ${problem}`);
      return undefined;
    }
    return value;
  };

  const domain = check('domain', mapDefined(str('domain'), normalizeName), checkDomainName);
  const hostname = check('hostname', mapDefined(str('hostname'), normalizeName), checkDomainName);
  const ipv4 = check('ipv4', str('ipv4'), checkIPv4);
  const ipv6 = check('ipv6', str('ipv6', true), checkIPv6);

  let users: string[] | undefined;
  const rawUsers = input.users;
  if (rawUsers === undefined) errors.push('users: missing (a list of local accounts, e.g. ["alice"])');
  else if (!Array.isArray(rawUsers) || rawUsers.length === 0) {
    errors.push(`users: ${show(rawUsers)} must be a non-empty list of user names`);
  } else {
    const good: string[] = [];
    for (const u of rawUsers) {
      if (typeof u !== 'string') errors.push(`users: ${show(u)} must be a string`);
      else if (good.includes(u)) errors.push(`users: ${show(u)} is listed twice`);
      else {
        const problem = checkUnixUser(u);
        if (problem) errors.push(`users: ${show(u)} ${problem}`);
        else good.push(u);
      }
    }
    if (good.length === rawUsers.length) users = good;
  }

  const postmaster = check('postmaster', str('postmaster'), (v) => {
    if (v.includes('@')) return checkConfigEmail(v);
    if (!Array.isArray(rawUsers) || !rawUsers.includes(v)) {
      return 'is neither one of the users nor an email address';
    }
    return null;
  });
  const dkimSelector = check('dkimSelector', str('dkimSelector'), checkSelector);
  const dmarcPolicy = check('dmarcPolicy', str('dmarcPolicy'), (v) =>
    (DMARC_POLICIES as readonly string[]).includes(v) ? null : 'is not a DMARC policy (none, quarantine or reject)',
  ) as DmarcPolicy | undefined;
  const dmarcReports = check('dmarcReports', str('dmarcReports', true), checkConfigEmail);
  const tls = parseTls(input.tls, errors);
  const aliases = parseAliases(input.aliases, users ?? [], domain, errors);
  const relayHost = check('relayHost', str('relayHost', true), checkRelayHost);
  const mtaSts = check('mtaSts', str('mtaSts', true), (v) => checkMtaSts(v, tls?.mode ?? '')) as MtaStsMode | undefined;
  const dkimPublished = parseSelectors(input.dkimPublished, dkimSelector, errors);

  if (errors.length > 0 || !domain || !hostname || !ipv4 || !users || !postmaster || !dkimSelector || !dmarcPolicy || !tls) {
    return { ok: false, errors };
  }
  const answers: Answers = { domain, hostname, ipv4, users, postmaster, dkimSelector, dmarcPolicy, tls };
  if (ipv6) answers.ipv6 = ipv6;
  if (dmarcReports) answers.dmarcReports = dmarcReports;
  if (aliases && Object.keys(aliases).length > 0) answers.aliases = aliases;
  if (relayHost) answers.relayHost = relayHost;
  if (mtaSts) answers.mtaSts = mtaSts;
  if (dkimPublished) answers.dkimPublished = dkimPublished;
  return { ok: true, answers };
}

/** dkimPublished: distinct selectors that include the active one (see schema.ts). */
function parseSelectors(raw: unknown, active: string | undefined, errors: string[]): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push(`dkimPublished: ${show(raw)} must be a non-empty list of DKIM selectors`);
    return undefined;
  }
  const good: string[] = [];
  for (const s of raw) {
    const problem = typeof s !== 'string' ? 'must be a string' : good.includes(s) ? 'is listed twice' : checkSelector(s);
    if (problem) errors.push(`dkimPublished: ${show(s)} ${problem}`);
    else good.push(s as string);
  }
  if (good.length !== raw.length) return undefined;
  if (active !== undefined && !good.includes(active)) {
    errors.push(`dkimPublished: ${show(raw)} must include the dkimSelector ${show(active)} (the key rspamd signs with stays published)`);
    return undefined;
  }
  return good;
}

function mapDefined<T, U>(v: T | undefined, fn: (v: T) => U): U | undefined {
  return v === undefined ? undefined : fn(v);
}

function parseTls(raw: unknown, errors: string[]): TlsChoice | undefined {
  const modes = 'acme, {"mode":"acme","directory":URL}, self-signed, or {"mode":"existing","cert":PATH,"key":PATH}';
  if (raw === undefined) {
    errors.push(`tls: missing (${modes})`);
    return undefined;
  }
  const mode = typeof raw === 'string' ? raw : typeof raw === 'object' && raw !== null ? (raw as { mode?: unknown }).mode : undefined;
  if (mode === 'acme' && typeof raw === 'object' && raw !== null && 'directory' in raw) {
    const { directory } = raw as { directory?: unknown };
    const problem = checkAcmeDirectory(String(directory));
    if (problem) {
      errors.push(`tls.directory: ${show(directory)} ${problem}`);
      return undefined;
    }
    return { mode, directory: directory as string };
  }
  if (mode === 'acme' || mode === 'self-signed') return { mode };
  if (mode === 'existing' && typeof raw === 'object' && raw !== null) {
    const { cert, key } = raw as { cert?: unknown; key?: unknown };
    let ok = true;
    for (const [name, value] of [['cert', cert], ['key', key]] as const) {
      const problem = typeof value === 'string' ? checkConfigPath(value) : 'must be an absolute path';
      if (problem) {
        errors.push(`tls.${name}: ${show(value)} ${problem}`);
        ok = false;
      }
    }
    return ok ? { mode: 'existing', cert: cert as string, key: key as string } : undefined;
  }
  if (mode === 'existing') errors.push('tls: "existing" needs the paths: {"mode":"existing","cert":PATH,"key":PATH}');
  else errors.push(`tls: ${show(raw)} is not a TLS choice (${modes})`);
  return undefined;
}
