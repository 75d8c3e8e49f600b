/**
 * SPF (RFC 7208): a strict parser that names what is wrong, a worst-case count of the terms that
 * cost DNS lookups (following include/redirect), and an evaluator (check_host) for our own
 * addresses. DNS access is a parameter, so the same code runs against any server or a table.
 */
import net from 'node:net';
import { expandIPv6 } from './expected.js';
import { hasLiteralQuotes, withoutQuotes, type Problem } from './problems.js';

export type Qualifier = '+' | '-' | '~' | '?';

export interface SpfMechanism {
  kind: 'mechanism';
  qualifier: Qualifier;
  /** all, include, a, mx, ptr, ip4, ip6, exists (lower case). */
  name: string;
  /** The domain-spec or network after ':' (when any). */
  value?: string;
  cidr4?: number;
  cidr6?: number;
  raw: string;
}

export interface SpfModifier {
  kind: 'modifier';
  name: string;
  value: string;
  raw: string;
}

export type SpfTerm = SpfMechanism | SpfModifier;

export interface SpfRecord {
  terms: SpfTerm[];
  problems: Problem[];
  /** Terms in this record that cost a DNS lookup (include, a, mx, ptr, exists, redirect). */
  lookupTerms: number;
  redirect?: string;
  /** The qualifier of `all`, when the record has one. */
  all?: Qualifier;
  /** Uses macros (%{...}): can be parsed, not evaluated without a message. */
  usesMacros: boolean;
}

export const SPF_MAX_LOOKUPS = 10;
export const SPF_MAX_VOID_LOOKUPS = 2;

const LOOKUP_TERMS = new Set(['include', 'a', 'mx', 'ptr', 'exists']);
const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);

/** RFC 7208 §4.5: the record is exactly "v=spf1" or starts with "v=spf1 " (case-insensitive). */
export function isSpfRecord(value: string): boolean {
  return /^v=spf1( |$)/i.test(value);
}

/** A TXT value that was meant as SPF (quotes or stray blanks included): worth checking. */
export function looksLikeSpf(value: string): boolean {
  return /^v=spf1\b/i.test(withoutQuotes(value));
}

const MACRO = /%\{[slodiphcrtv][0-9]*r?[.\-+,/_=]*\}|%%|%_|%-/gi; // only with replace(): /g keeps state in test()

/** domain-spec (§7.1 / §12): a macro-string ending in a top label or a macro. */
function domainSpecProblem(spec: string): string | null {
  if (spec === '') return 'is empty';
  if (/%(?![{%_-])/.test(spec)) return 'has a "%" that is not a macro';
  const literal = spec.replace(MACRO, 'x');
  if (/%/.test(literal)) return 'has a malformed macro';
  if (/[^\x21-\x7e]/.test(literal)) return 'has characters that are not allowed';
  if (spec.includes('%')) return null;
  const name = spec.endsWith('.') ? spec.slice(0, -1) : spec;
  const labels = name.split('.');
  if (labels.length < 2) return 'is not a domain name with a dot';
  if (labels.some((l) => l === '' || l.length > 63)) return 'has an empty or overlong label';
  const top = labels[labels.length - 1] ?? '';
  if (!/^[a-z0-9-]*[a-z][a-z0-9-]*$/i.test(top) || top.startsWith('-') || top.endsWith('-')) return `ends in "${top}", which is not a top-level label`;
  return null;
}

function parseCidr(text: string, max: number): number | null {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

/** `/24`, `//64`, `/24//64` after a/mx. */
function parseDualCidr(text: string): { cidr4?: number; cidr6?: number } | null {
  const m = /^(?:\/([0-9]+))?(?:\/\/([0-9]+))?$/.exec(text);
  if (!m) return null;
  const out: { cidr4?: number; cidr6?: number } = {};
  if (m[1] !== undefined) {
    const c = parseCidr(m[1], 32);
    if (c === null) return null;
    out.cidr4 = c;
  }
  if (m[2] !== undefined) {
    const c = parseCidr(m[2], 128);
    if (c === null) return null;
    out.cidr6 = c;
  }
  return out;
}

export function parseSpf(value: string): SpfRecord {
  const problems: Problem[] = [];
  const terms: SpfTerm[] = [];
  // every fail() is a syntax error (permerror at receivers) unless it names another code
  const fail = (message: string, code = 'syntax'): void => void problems.push({ severity: 'fail', message, code });
  const warn = (message: string): void => void problems.push({ severity: 'warn', message });
  const rec: SpfRecord = { terms, problems, lookupTerms: 0, usesMacros: false };

  if (hasLiteralQuotes(value)) {
    fail('the value contains literal quote characters ("): receivers read them as part of the record', 'quotes');
    value = withoutQuotes(value);
  }
  if (!isSpfRecord(value)) {
    fail(`it does not start with "v=spf1 " (it starts with "${value.slice(0, 12)}")`);
    return rec;
  }
  if (/[^\x20-\x7e]/.test(value)) fail('it contains characters other than printable ASCII');
  if (/\t/.test(value)) fail('it contains tabs; terms are separated by spaces');
  const parts = value.slice(6).split(' ').filter((p) => p !== '');
  let seenAll = false;
  let exp: string | undefined;
  for (const raw of parts) {
    if (seenAll) {
      // §5.1: mechanisms after "all" are never evaluated
      const isMod = /^[a-z][a-z0-9_.-]*=/i.test(raw);
      if (!isMod) warn(`"${raw}" comes after "all" and is never looked at`);
    }
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    if (mod) {
      const name = (mod[1] ?? '').toLowerCase();
      const v = mod[2] ?? '';
      terms.push({ kind: 'modifier', name, value: v, raw });
      if (name === 'redirect' || name === 'exp') {
        const p = domainSpecProblem(v);
        if (p) fail(`${name}=${v}: the domain ${p}`);
        if (name === 'redirect') {
          if (rec.redirect !== undefined) fail('there are two redirect= modifiers (RFC 7208 §6)');
          rec.redirect = v;
          rec.lookupTerms++;
        } else {
          if (exp !== undefined) fail('there are two exp= modifiers (RFC 7208 §6)');
          exp = v;
        }
      }
      if (/%\{/.test(v)) rec.usesMacros = true;
      continue;
    }
    const m = /^([+\-~?]?)([a-z0-9]+)(.*)$/i.exec(raw);
    const name = (m?.[2] ?? '').toLowerCase();
    if (!m || !MECHANISMS.has(name)) {
      fail(`"${raw}" is not an SPF mechanism or modifier`);
      continue;
    }
    const qualifier = (m[1] || '+') as Qualifier;
    const rest = m[3] ?? '';
    const mech: SpfMechanism = { kind: 'mechanism', qualifier, name, raw };
    if (/%\{/.test(rest)) rec.usesMacros = true;
    switch (name) {
      case 'all':
        if (rest !== '') fail(`"${raw}": "all" takes no argument`);
        seenAll = true;
        rec.all = qualifier;
        break;
      case 'include':
      case 'exists': {
        if (!rest.startsWith(':')) {
          fail(`"${raw}": ${name} needs ":domain"`);
          break;
        }
        const p = domainSpecProblem(rest.slice(1));
        if (p) fail(`"${raw}": the domain ${p}`);
        mech.value = rest.slice(1);
        break;
      }
      case 'a':
      case 'mx': {
        const mm = /^(?::([^/]*))?((?:\/[^/]*)?(?:\/\/.*)?)$/.exec(rest);
        const cidr = mm ? parseDualCidr(mm[2] ?? '') : null;
        if (!mm || !cidr) {
          fail(`"${raw}" is not valid (${name}[:domain][/prefix4][//prefix6])`);
          break;
        }
        if (mm[1] !== undefined) {
          const p = domainSpecProblem(mm[1]);
          if (p) fail(`"${raw}": the domain ${p}`);
          mech.value = mm[1];
        }
        Object.assign(mech, cidr);
        break;
      }
      case 'ptr':
        if (rest !== '') {
          const p = rest.startsWith(':') ? domainSpecProblem(rest.slice(1)) : 'is missing after "ptr"';
          if (p) fail(`"${raw}": the domain ${p}`);
          else mech.value = rest.slice(1);
        }
        warn('"ptr" is slow and unreliable; RFC 7208 §5.5 says not to use it');
        break;
      case 'ip4': {
        const mm = /^:([^/]+)(?:\/(.*))?$/.exec(rest);
        const cidr = mm?.[2] === undefined ? 32 : parseCidr(mm[2], 32);
        if (!mm || !net.isIPv4(mm[1] ?? '') || cidr === null) {
          fail(`"${raw}" is not a valid IPv4 address or network`);
          break;
        }
        mech.value = mm[1];
        mech.cidr4 = cidr;
        break;
      }
      case 'ip6': {
        const mm = /^:([^/]+)(?:\/(.*))?$/.exec(rest);
        const cidr = mm?.[2] === undefined ? 128 : parseCidr(mm[2], 128);
        if (!mm || !net.isIPv6(mm[1] ?? '') || cidr === null) {
          fail(`"${raw}" is not a valid IPv6 address or network`);
          break;
        }
        mech.value = mm[1];
        mech.cidr6 = cidr;
        break;
      }
    }
    if (LOOKUP_TERMS.has(name)) rec.lookupTerms++;
    terms.push(mech);
  }
  if (rec.all === '+') fail('"+all" (or a bare "all") authorizes every server on the internet to send as this domain', 'plus-all');
  if (rec.all === '?') warn('"?all" says nothing about other senders; use "-all" (or "~all")');
  if (rec.all === undefined && rec.redirect === undefined) warn('there is no "all" at the end: senders not listed get "neutral"; end with "-all"');
  if (rec.all !== undefined && rec.redirect !== undefined) warn('redirect= is ignored because the record has "all"');
  if (rec.lookupTerms > SPF_MAX_LOOKUPS) {
    fail(`it has ${rec.lookupTerms} terms that cost DNS lookups, more than the ${SPF_MAX_LOOKUPS} allowed (RFC 7208 §4.6.4)`, 'lookups');
  }
  if (Buffer.byteLength(value) > 450) warn('it is longer than 450 bytes; long answers may not fit one UDP reply (RFC 7208 §3.4)');
  return rec;
}

// ---------------------------------------------------------------------------------------------
// Lookups that need DNS

/** What the SPF code needs from DNS; 'void' = NXDOMAIN or no record (§4.6.4), 'error' = no answer. */
export interface SpfDns {
  txt(name: string): Promise<string[] | 'void' | 'error'>;
  addresses(name: string, type: 'A' | 'AAAA'): Promise<string[] | 'void' | 'error'>;
  mx(name: string): Promise<string[] | 'void' | 'error'>;
}

function spfOf(values: string[]): { record?: string; count: number } {
  const spfs = values.filter(isSpfRecord);
  return { record: spfs[0], count: spfs.length };
}

export interface LookupCount {
  /** Worst case over every include/redirect, as a receiver would count if it reached them all. */
  lookups: number;
  /** Problems in included records (missing, duplicated, broken, loops). */
  problems: Problem[];
  /** include/redirect chain, for evidence: "include:_spf.example.net (3)". */
  tree: string[];
}

/** A hostile or broken tree of includes must not turn one check into thousands of queries. */
const MAX_RECORDS_FOLLOWED = 50;

/** Counts DNS-querying terms recursively (RFC 7208 §4.6.4), following include and redirect. */
export async function countSpfLookups(record: string, dns: SpfDns, maxDepth = 10): Promise<LookupCount> {
  const out: LookupCount = { lookups: 0, problems: [], tree: [] };
  const seen = new Set<string>();
  const walk = async (value: string, depth: number, indent: string): Promise<void> => {
    const rec = parseSpf(value);
    out.lookups += rec.lookupTerms;
    const targets: string[] = [];
    for (const t of rec.terms) {
      if (t.kind === 'mechanism' && t.name === 'include' && t.value) targets.push(t.value);
    }
    if (rec.redirect && rec.all === undefined) targets.push(rec.redirect);
    for (const target of targets) {
      if (target.includes('%')) continue;
      const key = target.toLowerCase();
      if (seen.has(key)) {
        out.problems.push({ severity: 'fail', message: `${target} is included twice or in a loop` });
        continue;
      }
      seen.add(key);
      if (seen.size > MAX_RECORDS_FOLLOWED) {
        if (seen.size === MAX_RECORDS_FOLLOWED + 1) out.problems.push({ severity: 'fail', message: `more than ${MAX_RECORDS_FOLLOWED} records are included; not followed further` });
        continue;
      }
      if (depth >= maxDepth) {
        out.problems.push({ severity: 'fail', message: `includes nest deeper than ${maxDepth}` });
        continue;
      }
      const txt = await dns.txt(target);
      if (txt === 'error') {
        out.problems.push({ severity: 'warn', message: `could not read the SPF record of ${target}` });
        out.tree.push(`${indent}${target}: no answer`);
        continue;
      }
      const { record: sub, count } = spfOf(txt === 'void' ? [] : txt);
      if (sub === undefined) {
        out.problems.push({ severity: 'fail', message: `${target} has no SPF record: including it is a permerror` });
        out.tree.push(`${indent}${target}: no SPF record`);
        continue;
      }
      if (count > 1) out.problems.push({ severity: 'fail', message: `${target} has ${count} SPF records` });
      const before = out.lookups;
      const treeAt = out.tree.length;
      out.tree.push(`${indent}${target}`);
      await walk(sub, depth + 1, `${indent}  `);
      out.tree[treeAt] = `${indent}${target} (+${out.lookups - before})`;
    }
  };
  await walk(record, 0, '');
  return out;
}

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface SpfEvaluation {
  result: SpfResult;
  /** The term that decided, or why there is no result. */
  reason: string;
  lookups: number;
}

function ipInNetwork(ip: string, network: string, prefix: number): boolean {
  if (net.isIPv4(ip) && net.isIPv4(network)) {
    const toInt = (a: string): number => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    if (prefix === 0) return true;
    const shift = 2 ** (32 - prefix);
    return Math.floor(toInt(ip) / shift) === Math.floor(toInt(network) / shift);
  }
  if (net.isIPv6(ip) && net.isIPv6(network)) {
    const bits = (a: string): string =>
      expandIPv6(a)
        .replace(/:/g, '')
        .split('')
        .map((h) => parseInt(h, 16).toString(2).padStart(4, '0'))
        .join('');
    return bits(ip).slice(0, prefix) === bits(network).slice(0, prefix);
  }
  return false;
}

const RESULT_OF: Record<Qualifier, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

class SpfLimit extends Error {}

/**
 * check_host() (RFC 7208 §4) for `ip` sending as `domain`, without macros (their expansion needs a
 * message; a record with macros gives a neutral result with that reason).
 */
export async function evaluateSpf(ip: string, domain: string, dns: SpfDns): Promise<SpfEvaluation> {
  const state = { lookups: 0, voids: 0 };
  const v6 = net.isIPv6(ip);
  const count = (): void => {
    if (++state.lookups > SPF_MAX_LOOKUPS) throw new SpfLimit(`more than ${SPF_MAX_LOOKUPS} DNS lookups`);
  };
  const noteVoid = (r: unknown): void => {
    if (r === 'void' && ++state.voids > SPF_MAX_VOID_LOOKUPS) throw new SpfLimit(`more than ${SPF_MAX_VOID_LOOKUPS} lookups found nothing`);
  };
  const matchHost = async (name: string, t: SpfMechanism): Promise<boolean | 'error'> => {
    const addrs = await dns.addresses(name, v6 ? 'AAAA' : 'A');
    if (addrs === 'error') return 'error';
    noteVoid(addrs);
    if (addrs === 'void') return false;
    const prefix = v6 ? (t.cidr6 ?? 128) : (t.cidr4 ?? 32);
    return addrs.some((a) => ipInNetwork(ip, a, prefix));
  };

  const check = async (d: string, depth: number): Promise<{ result: SpfResult; reason: string }> => {
    if (depth > 10) return { result: 'permerror', reason: 'include/redirect nest too deep' };
    const txt = await dns.txt(d);
    if (txt === 'error') return { result: 'temperror', reason: `no answer for the TXT of ${d}` };
    const values = txt === 'void' ? [] : txt;
    const { record, count: n } = spfOf(values);
    if (record === undefined) return { result: 'none', reason: `${d} has no SPF record` };
    if (n > 1) return { result: 'permerror', reason: `${d} has ${n} SPF records` };
    const rec = parseSpf(record);
    const broken = rec.problems.find((p) => p.code === 'syntax');
    if (broken) return { result: 'permerror', reason: `${d}: ${broken.message}` };
    if (rec.usesMacros) return { result: 'neutral', reason: `${d} uses macros, which need a real message to evaluate` };
    for (const t of rec.terms) {
      if (t.kind !== 'mechanism') continue;
      let match: boolean | 'error' = false;
      switch (t.name) {
        case 'all':
          match = true;
          break;
        case 'ip4':
        case 'ip6':
          match = t.value !== undefined && ipInNetwork(ip, t.value, t.name === 'ip4' ? (t.cidr4 ?? 32) : (t.cidr6 ?? 128));
          break;
        case 'a':
          count();
          match = await matchHost(t.value ?? d, t);
          break;
        case 'mx': {
          count();
          const names = await dns.mx(t.value ?? d);
          if (names === 'error') {
            match = 'error';
            break;
          }
          noteVoid(names);
          if (names === 'void') break;
          if (names.length > 10) return { result: 'permerror', reason: `${t.raw}: more than 10 MX names (RFC 7208 §4.6.4)` };
          for (const name of names) {
            const m = await matchHost(name, t);
            if (m === 'error') match = 'error';
            else if (m) {
              match = true;
              break;
            }
          }
          break;
        }
        case 'include': {
          count();
          const sub = await check(t.value ?? '', depth + 1);
          if (sub.result === 'temperror' || sub.result === 'permerror') return sub;
          if (sub.result === 'none') return { result: 'permerror', reason: `include:${t.value}: ${sub.reason}` };
          match = sub.result === 'pass';
          break;
        }
        case 'exists': {
          count();
          const addrs = await dns.addresses(t.value ?? '', 'A');
          if (addrs === 'error') match = 'error';
          else {
            noteVoid(addrs);
            match = addrs !== 'void' && addrs.length > 0;
          }
          break;
        }
        case 'ptr':
          count();
          // validating ptr needs reverse lookups of the sender; treated as no match (it is discouraged anyway)
          break;
      }
      if (match === 'error') return { result: 'temperror', reason: `${t.raw}: a DNS lookup got no answer` };
      if (match) return { result: RESULT_OF[t.qualifier], reason: `${d}: ${t.raw}` };
    }
    if (rec.redirect !== undefined) {
      count();
      const sub = await check(rec.redirect, depth + 1);
      if (sub.result === 'none') return { result: 'permerror', reason: `redirect=${rec.redirect}: ${sub.reason}` };
      return sub;
    }
    return { result: 'neutral', reason: `${d}: nothing matched and there is no "all"` };
  };

  try {
    const r = await check(domain, 0);
    return { ...r, lookups: state.lookups };
  } catch (err) {
    if (err instanceof SpfLimit) return { result: 'permerror', reason: err.message, lookups: state.lookups };
    throw err;
  }
}
