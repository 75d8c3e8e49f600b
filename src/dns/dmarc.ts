/**
 * DMARC records per RFC 9989 (it obsoletes RFC 7489): v=DMARC1 first, p/sp/np policies, t (test
 * mode), psd, adkim/aspf, rua/ruf, fo. pct, rf and ri were removed: a record that still has them
 * works, but they mean nothing now, so they are warned about and never generated.
 */
import { hasLiteralQuotes, parseTagList, withoutQuotes, type Problem } from './problems.js';

export type Policy = 'none' | 'quarantine' | 'reject';

export interface DmarcRecord {
  /** The record is a DMARC record at all (first tag v=DMARC1). */
  valid: boolean;
  tags: Map<string, string>;
  /** p= as published, when it is one of the three policies. */
  policy?: Policy;
  /** What receivers apply: an invalid or missing p= counts as none (RFC 9989), t=y tones it down. */
  effectivePolicy: Policy;
  testing: boolean;
  rua: string[];
  ruf: string[];
  problems: Problem[];
}

const POLICIES: readonly string[] = ['none', 'quarantine', 'reject'];
const REMOVED: Record<string, string> = {
  pct: 'pct= was removed by RFC 9989 (use t=y for a trial); receivers now ignore it',
  rf: 'rf= was removed by RFC 9989; receivers now ignore it',
  ri: 'ri= was removed by RFC 9989; receivers now ignore it',
};
const KNOWN = new Set(['v', 'p', 'sp', 'np', 'psd', 't', 'adkim', 'aspf', 'rua', 'ruf', 'fo', 'pct', 'rf', 'ri']);

/** A TXT value that was meant as DMARC (case or quotes wrong included). */
export function looksLikeDmarc(value: string): boolean {
  const v = withoutQuotes(value);
  return /^v\s*=\s*dmarc/i.test(v) || /(^|;)\s*v\s*=\s*DMARC1\s*(;|$)/i.test(v);
}

/** Receivers' selection rule: the first tag is v=DMARC1, exactly (RFC 9989 ABNF: %x44.4D.41.52.43.31). */
export function isDmarcRecord(value: string): boolean {
  return /^[vV][ \t]*=[ \t]*DMARC1[ \t]*(;|$)/.test(value);
}

function parseUris(value: string, tag: string, problems: Problem[]): string[] {
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const uri = raw.trim();
    if (uri === '') continue;
    // a size limit suffix (!10m) is still allowed
    const m = /^mailto:([^@\s!]+@[^@\s!]+?)(!\d+[kmgt]?)?$/i.exec(uri);
    if (!m) {
      problems.push({ severity: 'warn', message: `${tag}=: "${uri}" is not a mailto: address; reports will not arrive`, code: 'uri' });
      continue;
    }
    out.push(m[1] ?? '');
  }
  return out;
}

export function parseDmarc(value: string): DmarcRecord {
  const problems: Problem[] = [];
  const fail = (message: string, code: string): void => void problems.push({ severity: 'fail', message, code });
  const warn = (message: string, code: string): void => void problems.push({ severity: 'warn', message, code });
  const rec: DmarcRecord = { valid: false, tags: new Map(), effectivePolicy: 'none', testing: false, rua: [], ruf: [], problems };

  if (hasLiteralQuotes(value)) {
    fail('the value contains literal quote characters ("): receivers do not see a DMARC record', 'quotes');
    return rec;
  }
  if (!isDmarcRecord(value)) {
    fail(`it does not start with "v=DMARC1" (it starts with "${value.slice(0, 12)}"); receivers ignore it`, 'version');
    return rec;
  }
  rec.valid = true;
  const { tags, bad } = parseTagList(value);
  for (const b of bad) warn(`"${b}" is not a tag=value pair and is ignored`, 'syntax');
  for (const [name, v] of tags) {
    const key = name.toLowerCase();
    if (rec.tags.has(key)) warn(`the tag ${key}= appears twice`, 'syntax');
    else rec.tags.set(key, v);
  }
  const p = rec.tags.get('p');
  if (p === undefined) {
    warn('there is no p= tag: receivers treat the record as p=none, which protects nothing', 'policy');
  } else if (!POLICIES.includes(p.toLowerCase())) {
    fail(`p=${p} is not a policy (none, quarantine or reject): receivers treat the record as p=none, which protects nothing`, 'policy');
  } else {
    rec.policy = p.toLowerCase() as Policy;
    rec.effectivePolicy = rec.policy;
  }
  for (const tag of ['sp', 'np']) {
    const val = rec.tags.get(tag);
    if (val !== undefined && !POLICIES.includes(val.toLowerCase())) {
      warn(`${tag}=${val} is not a policy (none, quarantine or reject) and is ignored`, 'policy');
    }
  }
  const t = rec.tags.get('t');
  if (t !== undefined) {
    if (t.toLowerCase() === 'y') {
      rec.testing = true;
      if (rec.policy && rec.policy !== 'none') {
        warn(`t=y: test mode, so p=${rec.policy} is applied one step weaker; remove t=y when you trust the setup`, 'testing');
      }
    } else if (t.toLowerCase() !== 'n') warn(`t=${t} must be y or n`, 'syntax');
  }
  const psd = rec.tags.get('psd');
  if (psd !== undefined) {
    if (!['y', 'n', 'u'].includes(psd.toLowerCase())) warn(`psd=${psd} must be y, n or u`, 'syntax');
    else if (psd.toLowerCase() === 'y') warn('psd=y declares a public suffix domain (a TLD operator); a mail domain should not have it', 'psd');
  }
  for (const tag of ['adkim', 'aspf']) {
    const val = rec.tags.get(tag);
    if (val !== undefined && !['r', 's'].includes(val.toLowerCase())) warn(`${tag}=${val} must be r or s`, 'syntax');
  }
  const fo = rec.tags.get('fo');
  if (fo !== undefined && !fo.split(':').every((f) => ['0', '1', 'd', 's'].includes(f.trim().toLowerCase()))) {
    warn(`fo=${fo} must be 0, 1, d or s (separated by :)`, 'syntax');
  }
  const rua = rec.tags.get('rua');
  if (rua !== undefined) rec.rua = parseUris(rua, 'rua', problems);
  const ruf = rec.tags.get('ruf');
  if (ruf !== undefined) rec.ruf = parseUris(ruf, 'ruf', problems);
  for (const [tag, why] of Object.entries(REMOVED)) {
    if (rec.tags.has(tag)) warn(why, 'removed');
  }
  for (const tag of rec.tags.keys()) {
    if (!KNOWN.has(tag)) warn(`${tag}= is not a DMARC tag and is ignored`, 'unknown');
  }
  return rec;
}

/** Domains of rua/ruf addresses that differ from `domain` (and its subdomains): they must authorize. */
export function externalReportDomains(rec: DmarcRecord, domain: string): string[] {
  const d = domain.toLowerCase();
  const out = new Set<string>();
  for (const addr of [...rec.rua, ...rec.ruf]) {
    const at = addr.lastIndexOf('@');
    const rd = addr.slice(at + 1).toLowerCase().replace(/\.$/, '');
    if (rd !== d && !rd.endsWith(`.${d}`) && !d.endsWith(`.${rd}`)) out.add(rd);
  }
  return [...out];
}
