/**
 * From mailauth's results to what the admin reads: the line a receiver would add
 * (`spf=pass dkim=pass dmarc=pass`) for each address the server sends from, and, for each part that
 * does not pass, what failed, why, and what to do. Pure: no I/O, so every case is a unit test.
 */
import type { Finding, FindingStatus } from '../engine/types.js';

/** The parts of mailauth's `authenticate()` result that the verdict reads. */
export interface AuthOutcome {
  spf: false | { domain: string; status: { result: string; comment?: string | false }; rr?: string; info?: string };
  dkim: {
    headerFrom?: string[];
    results: Array<{ signingDomain?: string; selector?: string; status: { result: string; comment?: string | false }; info?: string }>;
  };
  dmarc:
    | false
    | {
        status: { result: string; comment?: string | false; header?: { from?: string } };
        domain?: string;
        policy?: string;
        alignment?: { spf?: { result?: string | false }; dkim?: { result?: string | false } };
        error?: string;
      };
}

/** One address the server may send from, and what a receiver concluded for a message from it. */
export interface Evaluation {
  ip: string;
  outcome: AuthOutcome;
}

export interface VerdictFacts {
  /** The mail domain (answers.domain): the one rspamd signs for. */
  domain: string;
  hostname: string;
  /** The envelope sender (MAIL FROM). */
  envelope: string;
  /** The From header's address. */
  from: string;
}

/** The three results of one evaluation, as Authentication-Results names them. */
export interface ReceiverLine {
  ip: string;
  spf: string;
  dkim: string;
  dmarc: string;
}

export interface VerdictResult extends Finding {
  id: 'verdict';
  /** Each address's results (for --json readers). */
  lines: ReceiverLine[];
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** dkim=: pass when one signature passes, else the first signature's result ("none" when unsigned). */
export function dkimResult(outcome: AuthOutcome): string {
  const results = outcome.dkim.results;
  if (results.some((r) => r.status.result === 'pass')) return 'pass';
  return results[0]?.status.result ?? 'none';
}

export function receiverLine(e: Evaluation): ReceiverLine {
  return {
    ip: e.ip,
    spf: e.outcome.spf ? e.outcome.spf.status.result : 'none',
    dkim: dkimResult(e.outcome),
    dmarc: e.outcome.dmarc ? e.outcome.dmarc.status.result : 'none',
  };
}

export const formatLine = (l: ReceiverLine): string => `spf=${l.spf} dkim=${l.dkim} dmarc=${l.dmarc}`;

interface Part {
  part: 'SPF' | 'DKIM' | 'DMARC';
  why: string;
  fix: string;
  /** Only a DNS answer that did not come (temperror): the verdict could not be made. */
  temporary: boolean;
}

const comment = (c: string | false | undefined): string => (c ? `: ${c}` : '');

function spfPart(e: Evaluation, facts: VerdictFacts): Part | null {
  const spf = e.outcome.spf;
  const envDomain = domainOf(facts.envelope);
  const ipTerm = e.ip.includes(':') ? `ip6:${e.ip}` : `ip4:${e.ip}`;
  const publish = `publish at ${envDomain} the SPF record \`mail-wizard records\` prints (its mx term authorizes ${facts.hostname}), or add ${ipTerm} to the one there`;
  if (!spf) return { part: 'SPF', why: 'not evaluated', fix: publish, temporary: false };
  const result = spf.status.result;
  const record = spf.rr ? ` (the record: "${spf.rr}")` : '';
  switch (result) {
    case 'pass':
      return null;
    case 'none':
      return { part: 'SPF', why: `${envDomain} publishes no SPF record, so nothing authorizes ${e.ip}`, fix: publish, temporary: false };
    case 'temperror':
      return { part: 'SPF', why: `the SPF record of ${envDomain} could not be read${comment(spf.status.comment)}`, fix: `run \`mail-wizard check dns\`: the authoritative servers of ${envDomain} must answer`, temporary: true };
    case 'permerror':
      return { part: 'SPF', why: `the SPF record of ${envDomain} is broken${comment(spf.status.comment)}${record}`, fix: `${publish}; \`mail-wizard check dns\` names the mistake`, temporary: false };
    default:
      // fail, softfail, neutral: the record exists and does not authorize this address
      return { part: 'SPF', why: `spf=${result}: the SPF record of ${envDomain} does not authorize ${e.ip}${record}`, fix: publish, temporary: false };
  }
}

function dkimPart(e: Evaluation, facts: VerdictFacts): Part | null {
  const results = e.outcome.dkim.results;
  if (results.some((r) => r.status.result === 'pass')) return null;
  const fromDomain = domainOf(facts.from);
  const signed = results.filter((r) => r.signingDomain);
  if (signed.length === 0) {
    if (fromDomain !== facts.domain) {
      return {
        part: 'DKIM',
        why: `the message carries no DKIM signature: rspamd signs only mail whose From is @${facts.domain}, and this From is @${fromDomain}`,
        fix: `send as an address @${facts.domain}`,
        temporary: false,
      };
    }
    return {
      part: 'DKIM',
      why: 'the message carries no DKIM signature: rspamd did not sign it',
      fix: 'run `mail-wizard repair` (the rspamd and dkim steps: dkim_signing.conf and the key rspamd reads), then look at the rspamd log',
      temporary: false,
    };
  }
  const why = signed
    .map((r) => {
      const at = `${r.selector ?? '?'}._domainkey.${r.signingDomain}`;
      const c = r.status.comment || '';
      if (c === 'no key') return `no key is published at ${at}`;
      if (c === 'bad signature') return `the signature d=${r.signingDomain} s=${r.selector} does not verify with the key published at ${at}: that key is not the one rspamd signs with`;
      if (r.status.result === 'policy') return `the key published at ${at} is too short: receivers refuse RSA keys under 1024 bits (RFC 8301)`;
      if (/body hash/.test(c)) return `the signature d=${r.signingDomain} s=${r.selector} does not match the body: something changed the message after rspamd signed it`;
      return `dkim=${r.status.result} for d=${r.signingDomain} s=${r.selector}${comment(c)}`;
    })
    .join('; ');
  const temporary = signed.every((r) => r.status.result === 'temperror');
  const first = signed[0]!;
  return {
    part: 'DKIM',
    why,
    fix: temporary
      ? `run \`mail-wizard check dns\`: the authoritative servers of ${first.signingDomain} must answer`
      : `publish at ${first.selector}._domainkey.${first.signingDomain} the DKIM record \`mail-wizard records\` prints (the public half of the key rspamd signs with); \`mail-wizard check dns\` compares them`,
    temporary,
  };
}

function dmarcPart(e: Evaluation, facts: VerdictFacts, spf: Part | null): Part | null {
  const dmarc = e.outcome.dmarc;
  const fromDomain = domainOf(facts.from);
  if (dmarc && dmarc.status.result === 'pass') return null;
  const envDomain = domainOf(facts.envelope);
  const signers = e.outcome.dkim.results.filter((r) => r.status.result === 'pass' && r.signingDomain).map((r) => r.signingDomain!);
  const identities = `SPF ${spf ? 'did not pass' : 'passed'} for ${envDomain}; DKIM ${signers.length > 0 ? `passed for ${signers.join(', ')}` : 'passed for no domain'}`;
  const sendAsOurs = `send as an address @${facts.domain}: this server is authorized (SPF) and signs (DKIM) for ${facts.domain} only`;
  if (!dmarc || dmarc.status.result === 'none') {
    const fix = fromDomain === facts.domain ? `publish at _dmarc.${fromDomain} the DMARC record \`mail-wizard records\` prints` : sendAsOurs;
    return { part: 'DMARC', why: `${fromDomain} (the From domain) publishes no DMARC record at _dmarc.${fromDomain}, so receivers apply no policy and trust nothing (${identities})`, fix, temporary: false };
  }
  const result = dmarc.status.result;
  if (result === 'temperror') {
    return { part: 'DMARC', why: `the DMARC record of ${fromDomain} could not be read${dmarc.error ? `: ${dmarc.error}` : ''}`, fix: `run \`mail-wizard check dns\``, temporary: true };
  }
  const policy = dmarc.policy ? ` (its policy p=${dmarc.policy} says what receivers do with it)` : '';
  // mailauth found no passing identity aligned with the From (relaxed or strict, as the record
  // says): when one did pass, it passed for a domain that does not align
  if (spf === null || signers.length > 0) {
    return { part: 'DMARC', why: `dmarc=${result}: the From domain ${fromDomain} does not align with a domain that passed (${identities})${policy}`, fix: sendAsOurs, temporary: false };
  }
  return { part: 'DMARC', why: `dmarc=${result}: neither SPF nor DKIM passed aligned with the From domain ${fromDomain} (${identities})${policy}`, fix: 'fix SPF or DKIM as said above: DMARC passes when one of them passes for the From domain', temporary: false };
}

function partsOf(e: Evaluation, facts: VerdictFacts): Part[] {
  const spf = spfPart(e, facts);
  const dkim = dkimPart(e, facts);
  const dmarc = dmarcPart(e, facts, spf);
  return [spf, dkim, dmarc].filter((p): p is Part => p !== null);
}

/** Groups addresses that got the same line: "spf=pass dkim=pass dmarc=pass (from 198.51.100.25, 2001:db8::25)". */
function groupedLines(lines: ReceiverLine[]): string {
  const groups = new Map<string, string[]>();
  for (const l of lines) {
    const key = formatLine(l);
    groups.set(key, [...(groups.get(key) ?? []), l.ip]);
  }
  return [...groups.entries()].map(([line, ips]) => `${line} (from ${ips.join(', ')})`).join('; ');
}

/** The verdict as one finding: status, the receiver's line(s), each failing part and why. */
export function verdictFinding(evaluations: readonly Evaluation[], facts: VerdictFacts, extraEvidence: readonly string[] = []): VerdictResult {
  const lines = evaluations.map(receiverLine);
  const perIp = evaluations.map((e) => ({ ip: e.ip, parts: partsOf(e, facts) }));
  const failing = perIp.flatMap((p) => p.parts);
  const status: FindingStatus = failing.length === 0 ? 'pass' : failing.every((p) => p.temporary) ? 'warn' : 'fail';
  const who = `MAIL FROM ${facts.envelope}, From ${facts.from}, HELO ${facts.hostname}`;
  const failed = [...new Set(failing.filter((p) => !p.temporary).map((p) => p.part))];
  // a part that failed from one address and was only undecided from another counts as failed
  const undecided = [...new Set(failing.filter((p) => p.temporary).map((p) => p.part))].filter((p) => !failed.includes(p));
  const tail = [...(failed.length > 0 ? [`failing: ${failed.join(', ')}`] : []), ...(undecided.length > 0 ? [`not decided: ${undecided.join(', ')}`] : [])];
  const summary = `a receiver would add: ${groupedLines(lines)}${tail.map((t) => `; ${t}`).join('')}`;
  const evidence: string[] = [`the message: ${who}`];
  // The same reason at several addresses is said once, naming them.
  const reasons = new Map<string, string[]>();
  for (const p of perIp) for (const part of p.parts) reasons.set(`${part.part}: ${part.why}`, [...(reasons.get(`${part.part}: ${part.why}`) ?? []), p.ip]);
  for (const [reason, ips] of reasons) evidence.push(evaluations.length > 1 ? `${reason} (from ${ips.join(', ')})` : reason);
  evidence.push(...extraEvidence);
  const fixes = [...new Set(failing.map((p) => `${p.part}: ${p.fix}`))];
  const result: VerdictResult = { id: 'verdict', check: 'verdict', status, summary, evidence: evidence.join('\n'), lines };
  if (fixes.length > 0) result.fix = fixes.join('\n');
  return result;
}

/** A verdict that could not be made at all (the message was not sent, or did not come back). */
export function verdictProblem(status: FindingStatus, summary: string, evidence: string | undefined, fix: string): VerdictResult {
  const r: VerdictResult = { id: 'verdict', check: 'verdict', status, summary, fix, lines: [] };
  if (evidence !== undefined) r.evidence = evidence;
  return r;
}
