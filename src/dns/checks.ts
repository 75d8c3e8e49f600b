/**
 * The DNS checks. Each takes the answers and a Lookup (one authoritative server's view) and returns
 * findings with check = its id: what was seen, and the fix with the names filled in. When a record
 * is missing where it belongs, the check also looks where people put it by mistake (the host name
 * instead of the mail domain) and says "found at X, must be at Y".
 */
import net from 'node:net';
import type { Answers } from '../answers/schema.js';
import type { Finding, FindingStatus } from '../engine/types.js';
import { describeResult, recordsOf, serverLabel, type DnsServer, type QueryResult } from './client.js';
import { compareDkimKey, looksLikeDkim, parseDkimRecord } from './dkim-record.js';
import { externalReportDomains, isDmarcRecord, looksLikeDmarc, parseDmarc } from './dmarc.js';
import { dkimName, dmarcName, dmarcValue, expectedRecords, reverseName, sameIp, SPF_DOMAIN, SPF_HELO, type ExpectedRecord } from './expected.js';
import { hasLiteralQuotes, withoutQuotes, worst, type Problem } from './problems.js';
import { formatRecord, normalizeName, recordKey, txtValue, type RecordType } from './records.js';
import { countSpfLookups, evaluateSpf, isSpfRecord, looksLikeSpf, parseSpf, SPF_MAX_LOOKUPS, type SpfDns } from './spf.js';
import { recordLine, recordOneLine } from './zone-export.js';

export const CHECK_IDS = [
  'ns',
  'consistency',
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
  'mta-sts',
  'tls-rpt',
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

// ---------------------------------------------------------------------------------------------
// helpers

function finding(check: CheckId, status: FindingStatus, summary: string, more: { evidence?: string; fix?: string } = {}): Finding {
  const f: Finding = { status, check, summary };
  if (more.evidence !== undefined && more.evidence !== '') f.evidence = more.evidence;
  if (more.fix !== undefined) f.fix = more.fix;
  return f;
}

function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

/** What a result shows, as evidence lines. */
export function seen(r: QueryResult): string {
  if ((r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain') && r.records.length > 0) {
    return r.records.map(formatRecord).join('\n');
  }
  return `${r.name}. ${r.type}: ${describeResult(r)}`;
}

function couldNotCheck(check: CheckId, what: string, r: QueryResult): Finding {
  return finding(check, 'warn', `could not check ${what}: ${serverLabel(r.server)} gave ${describeResult(r)}`, {
    evidence: seen(r),
    fix: 'run the check again; if it persists, the server has a problem (see the ns check)',
  });
}

function absence(r: QueryResult): string {
  return r.kind === 'nxdomain' ? 'the name does not exist (NXDOMAIN)' : `the name exists but has no ${r.type} record`;
}

function txtValues(r: QueryResult): string[] {
  return recordsOf(r, 'TXT').map(txtValue);
}

function addresses(r: QueryResult, type: 'A' | 'AAAA'): string[] {
  return recordsOf(r, type).map((x) => x.address);
}

/** The CNAME at `name` itself, when the answer went through one. */
function cnameAt(r: QueryResult, name: string): string | undefined {
  return recordsOf(r, 'CNAME').find((c) => c.name === normalizeName(name))?.target;
}

function expectedOf(input: CheckInput, check: ExpectedRecord['check'], name: string): ExpectedRecord | undefined {
  return expectedRecords(input.answers, input.dkimPublicKeyPem).find((e) => e.check === check && e.name === normalizeName(name));
}

function publish(r: ExpectedRecord | undefined): string {
  return r ? `publish: ${recordLine(r)}` : '';
}

function looksLikeIp(name: string): boolean {
  // "MX 10 192.0.2.10" in a zone file becomes the name 192.0.2.10.<origin>
  return /^(?:\d{1,3}\.){3}\d{1,3}(?:\.|$)/.test(name) || net.isIPv6(name.split('.')[0] ?? '') || /^[0-9a-f:]+:[0-9a-f:]*$/i.test(name);
}

/**
 * Where people put a record by mistake: under the host name, or with the domain twice (a panel
 * that appends the zone to a name typed in full: mw._domainkey.example.org.example.org).
 */
function misplacedNames(name: string, domain: string, host: string, atHost: string): string[] {
  const out = [`${name}.${domain}`];
  if (host !== domain) out.unshift(atHost);
  return out;
}

function doubledHint(found: string, name: string, domain: string): string {
  return found === `${name}.${domain}` ? `. The DNS panel added ${domain} to a name that already had it: type only "${name.slice(0, -domain.length - 1)}" as the name` : '';
}

async function findElsewhere(input: CheckInput, names: string[], meant: (v: string) => boolean): Promise<{ name: string; result: QueryResult } | undefined> {
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

// ---------------------------------------------------------------------------------------------
// a, aaaa

async function hostAddress(input: CheckInput, type: 'A' | 'AAAA'): Promise<Finding[]> {
  const id: CheckId = type === 'A' ? 'a' : 'aaaa';
  const host = normalizeName(input.answers.hostname);
  const want = type === 'A' ? input.answers.ipv4 : input.answers.ipv6;
  const r = await input.lookup.ask(host, type);
  if (!answered(r)) return [couldNotCheck(id, `${type} of ${host}`, r)];
  const have = addresses(r, type);
  const via = cnameAt(r, host);
  if (want === undefined) {
    // only reached for AAAA: an address the answers do not know about
    if (have.length === 0) return [];
    return [
      finding(id, 'warn', `${host} has AAAA ${have.join(', ')}, but the answers give no IPv6 address`, {
        evidence: seen(r),
        fix: `set ipv6 in the answers to ${have[0]} if this server has it (then SPF and PTR cover it), or delete the AAAA record of ${host}`,
      }),
    ];
  }
  const exp = expectedOf(input, id, host);
  if (have.length === 0) {
    return [
      finding(id, 'fail', `no ${type} record for ${host}: ${absence(r)}`, {
        evidence: seen(r),
        fix: `${publish(exp)} (the MX, the HELO name and the PTR all point at ${host})`,
      }),
    ];
  }
  if (!have.some((a) => sameIp(a, want))) {
    return [
      finding(id, 'fail', `${host} has ${type} ${have.join(', ')}, not this server's ${want}`, {
        evidence: seen(r),
        fix: `change the ${type} record of ${host} to ${want}: ${recordLine(exp ?? { name: host, type, value: want, ttl: 3600 })}`,
      }),
    ];
  }
  const out: Finding[] = [];
  if (via !== undefined) {
    out.push(
      finding(id, 'warn', `${host} is a CNAME to ${via}; a mail host name should have its own ${type} record`, {
        evidence: seen(r),
        fix: `replace the CNAME at ${host} with: ${recordLine(exp ?? { name: host, type, value: want, ttl: 3600 })}`,
      }),
    );
  }
  const extra = have.filter((a) => !sameIp(a, want));
  if (extra.length > 0) {
    out.push(
      finding(id, 'warn', `${host} has ${type} ${want} and also ${extra.join(', ')}: senders will also try the other address(es)`, {
        evidence: seen(r),
        fix: `delete the ${type} record(s) ${extra.join(', ')} of ${host} unless they are this server too`,
      }),
    );
  }
  if (out.length === 0) out.push(finding(id, 'pass', `${host} ${type} ${want}`, { evidence: seen(r) }));
  return out;
}

export const checkA: CheckFn = (input) => hostAddress(input, 'A');
export const checkAaaa: CheckFn = (input) => hostAddress(input, 'AAAA');

// ---------------------------------------------------------------------------------------------
// mx

export const checkMx: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const exp = expectedOf(input, 'mx', domain);
  const r = await input.lookup.ask(domain, 'MX');
  if (!answered(r)) return [couldNotCheck('mx', `the MX of ${domain}`, r)];
  const mxs = recordsOf(r, 'MX').filter((m) => m.name === domain);
  if (mxs.length === 0) {
    if (host !== domain) {
      const alt = await input.lookup.ask(host, 'MX');
      const altMx = recordsOf(alt, 'MX');
      if (altMx.length > 0) {
        return [
          finding('mx', 'fail', `no MX at ${domain}: found at ${host}, must be at ${domain}`, {
            evidence: `${seen(r)}\n${seen(alt)}`,
            fix: `${publish(exp)}; mail for user@${domain} is routed by the MX of ${domain}, not of ${host} (delete the MX at ${host})`,
          }),
        ];
      }
    }
    return [
      finding('mx', 'fail', `no MX record at ${domain}: ${absence(r)}`, {
        evidence: seen(r),
        fix: `${publish(exp)} (without an MX, senders fall back to the A record of ${domain} itself)`,
      }),
    ];
  }
  if (mxs.some((m) => m.exchange === '')) {
    return [
      finding('mx', 'fail', `${domain} has a null MX ("MX 0 ."), which says it accepts no mail (RFC 7505)`, {
        evidence: seen(r),
        fix: `delete the null MX and ${publish(exp)}`,
      }),
    ];
  }
  const out: Finding[] = [];
  let oursOk = false;
  for (const mx of mxs) {
    const target = mx.exchange;
    if (looksLikeIp(target)) {
      out.push(
        finding('mx', 'fail', `the MX of ${domain} points at an IP address (${target}); an MX must name a host`, {
          evidence: seen(r),
          fix: `replace it with ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })} and give ${host} the A record ${input.answers.ipv4} (a zone file turns "MX 10 ${input.answers.ipv4}" into the name ${input.answers.ipv4}.${domain}.)`,
        }),
      );
      continue;
    }
    const [a, aaaa] = await Promise.all([input.lookup.ask(target, 'A'), input.lookup.ask(target, 'AAAA')]);
    const cname = cnameAt(a, target) ?? cnameAt(aaaa, target);
    if (cname !== undefined) {
      out.push(
        finding('mx', 'fail', `the MX target ${target} is a CNAME (to ${cname}); an MX must name a host with its own address (RFC 2181 §10.3)`, {
          evidence: `${seen(r)}\n${seen(a)}`,
          fix: target === host ? `replace the CNAME at ${host} with an A record: ${input.answers.ipv4}` : `point the MX at ${host}: ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })}`,
        }),
      );
      continue;
    }
    if (!answered(a) && !answered(aaaa)) {
      out.push(couldNotCheck('mx', `the address of the MX target ${target}`, a));
      continue;
    }
    const addrs = [...addresses(a, 'A'), ...addresses(aaaa, 'AAAA')];
    if (addrs.length === 0) {
      out.push(
        finding('mx', 'fail', `the MX target ${target} has no address (A: ${describeResult(a)}; AAAA: ${describeResult(aaaa)})`, {
          evidence: `${seen(r)}\n${seen(a)}\n${seen(aaaa)}`,
          fix: target === host ? `publish: ${host}. A ${input.answers.ipv4}` : `point the MX at ${host}: ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })}`,
        }),
      );
      continue;
    }
    if (target === host) oursOk = true;
    else if (addrs.some((x) => sameIp(x, input.answers.ipv4) || (input.answers.ipv6 !== undefined && sameIp(x, input.answers.ipv6)))) {
      out.push(
        finding('mx', 'warn', `the MX of ${domain} is ${target}, which has this server's address but is not its host name ${host}`, {
          evidence: seen(r),
          fix: `use the host name so that the TLS certificate and HELO name match: ${recordLine(exp ?? { name: domain, type: 'MX', value: `10 ${host}.`, ttl: 3600 })}`,
        }),
      );
      oursOk = true;
    }
  }
  if (!oursOk && !out.some((f) => f.status === 'fail')) {
    out.push(
      finding('mx', 'fail', `the MX of ${domain} points at ${mxs.map((m) => m.exchange).join(', ')}, not at this server ${host}`, {
        evidence: seen(r),
        fix: `${publish(exp)} (keep other MX hosts only if they are backups that forward to ${host})`,
      }),
    );
  }
  if (out.length === 0) {
    out.push(finding('mx', 'pass', `${domain} MX → ${host}, which has an address`, { evidence: seen(r) }));
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// ptr (forward-confirmed)

export const checkPtr: CheckFn = async (input) => {
  const host = normalizeName(input.answers.hostname);
  const ips = [input.answers.ipv4, ...(input.answers.ipv6 ? [input.answers.ipv6] : [])];
  const out: Finding[] = [];
  for (const ip of ips) {
    const rev = reverseName(ip);
    const providerFix = `ask whoever owns ${ip} (your hosting provider's panel, "reverse DNS", or a ticket) to set its PTR to ${host}`;
    const r = await input.lookup.ask(rev, 'PTR');
    if (!answered(r)) {
      out.push(couldNotCheck('ptr', `the PTR of ${ip}`, r));
      continue;
    }
    const names = recordsOf(r, 'PTR').map((p) => p.target);
    if (names.length === 0) {
      out.push(finding('ptr', 'fail', `no PTR for ${ip} (${rev}: ${absence(r)})`, { evidence: seen(r), fix: providerFix }));
      continue;
    }
    if (!names.includes(host)) {
      out.push(
        finding('ptr', 'fail', `the PTR of ${ip} is ${names.join(', ')}, not ${host}`, {
          evidence: seen(r),
          fix: `${providerFix} (large receivers reject mail whose PTR does not match the HELO name)`,
        }),
      );
      continue;
    }
    const type = net.isIPv6(ip) ? 'AAAA' : 'A';
    const fwd = await input.lookup.ask(host, type);
    if (!answered(fwd)) {
      out.push(couldNotCheck('ptr', `that ${host} resolves back to ${ip}`, fwd));
      continue;
    }
    const back = addresses(fwd, type);
    if (!back.some((a) => sameIp(a, ip))) {
      out.push(
        finding('ptr', 'fail', `the PTR of ${ip} names ${host}, but ${host} does not resolve back to ${ip} (${back.length ? `${type} ${back.join(', ')}` : absence(fwd)})`, {
          evidence: `${seen(r)}\n${seen(fwd)}`,
          fix: `publish: ${host}. ${type} ${ip} (forward-confirmed reverse DNS needs both directions)`,
        }),
      );
      continue;
    }
    if (names.length > 1) {
      out.push(
        finding('ptr', 'warn', `${ip} has ${names.length} PTR records; receivers may pick any of them`, {
          evidence: seen(r),
          fix: `${providerFix}, and only that one`,
        }),
      );
      continue;
    }
    out.push(finding('ptr', 'pass', `${ip} → ${host} → ${ip} (forward-confirmed)`, { evidence: `${seen(r)}\n${seen(fwd)}` }));
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// spf

async function spfAt(input: CheckInput, name: string, role: 'domain' | 'helo'): Promise<Finding[]> {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const exp = expectedOf(input, 'spf', name);
  const wanted = role === 'domain' ? SPF_DOMAIN : SPF_HELO;
  const r = await input.lookup.ask(name, 'TXT');
  if (!answered(r)) return [couldNotCheck('spf', `the SPF record of ${name}`, r)];
  const values = txtValues(r);
  const spfs = values.filter(isSpfRecord);
  const quoted = values.filter((v) => !isSpfRecord(v) && hasLiteralQuotes(v) && looksLikeSpf(v));
  const out: Finding[] = [];
  for (const q of quoted) {
    out.push(
      finding('spf', 'fail', `the TXT record at ${name} has literal quote characters inside its value: ${JSON.stringify(q)}; receivers do not see an SPF record`, {
        evidence: seen(r),
        fix: `replace it with ${name}. TXT "${withoutQuotes(q)}" (in a DNS panel, type the value without quotes: the panel adds them)`,
      }),
    );
  }
  if (spfs.length === 0) {
    if (quoted.length > 0) return out;
    if (role === 'domain' && host !== domain) {
      const alt = await input.lookup.ask(host, 'TXT');
      const altSpf = txtValues(alt).filter((v) => looksLikeSpf(v));
      // "v=spf1 a -all" at the host is right for HELO; anything else there was meant for the domain
      if (altSpf.length > 0 && !altSpf.every((v) => withoutQuotes(v).toLowerCase() === SPF_HELO)) {
        return [
          finding('spf', 'fail', `no SPF record at ${domain}: found at ${host}, must be at ${domain}`, {
            evidence: `${seen(r)}\n${seen(alt)}`,
            fix: `${publish(exp)}; receivers check SPF at the domain of the sender address (user@${domain}). At ${host} keep only "${SPF_HELO}" for the HELO name`,
          }),
        ];
      }
    }
    const status = role === 'domain' ? 'fail' : 'warn';
    return [
      finding('spf', status, role === 'domain' ? `no SPF record at ${domain}: ${r.kind === 'answer' ? 'no TXT starting with v=spf1' : absence(r)}` : `no SPF record for the HELO name ${host}`, {
        evidence: seen(r),
        fix: role === 'domain' ? publish(exp) : `${publish(exp)} (RFC 7208 §2.3: receivers may check the HELO name too)`,
      }),
    ];
  }
  if (spfs.length > 1) {
    out.push(
      finding('spf', 'fail', `${name} has ${spfs.length} SPF records; receivers treat that as an error (permerror, RFC 7208 §4.5) and ignore SPF`, {
        evidence: seen(r),
        fix: `merge them into one TXT record and delete the others, e.g. ${name}. TXT "${wanted}"`,
      }),
    );
    return out;
  }
  const value = spfs[0] ?? '';
  const rec = parseSpf(value);
  const problems: Problem[] = [...rec.problems];
  const dns = spfDns(input.lookup);
  const count = await countSpfLookups(value, dns);
  problems.push(...count.problems);
  if (count.lookups > SPF_MAX_LOOKUPS && !problems.some((p) => p.code === 'lookups')) {
    problems.push({
      severity: 'fail',
      code: 'lookups',
      message: `it needs ${count.lookups} DNS lookups (include, a, mx, ptr, exists, redirect, counted through the includes), more than the ${SPF_MAX_LOOKUPS} allowed (RFC 7208 §4.6.4): receivers return permerror`,
    });
  }
  const ips = role === 'domain' || role === 'helo' ? [input.answers.ipv4, ...(input.answers.ipv6 ? [input.answers.ipv6] : [])] : [];
  for (const ip of ips) {
    if (problems.some((p) => p.code === 'syntax' || p.code === 'lookups')) break;
    const ev = await evaluateSpf(ip, name, dns);
    if (ev.result !== 'pass') {
      problems.push({
        severity: ev.result === 'temperror' ? 'warn' : 'fail',
        code: 'not-authorized',
        message: `it does not authorize this server's address ${ip} (result ${ev.result}: ${ev.reason})`,
      });
    }
  }
  const evidence = [seen(r), ...(count.tree.length ? ['includes:', ...count.tree.map((t) => `  ${t}`)] : [])].join('\n');
  const status = worst(problems);
  if (status === 'pass') {
    out.push(finding('spf', 'pass', `${name} SPF "${value}" authorizes ${ips.join(' and ')} (${count.lookups} of ${SPF_MAX_LOOKUPS} lookups)`, { evidence }));
    return out;
  }
  const first = problems.find((p) => p.severity === status) ?? problems[0];
  const fixes: string[] = [];
  if (problems.some((p) => p.code === 'plus-all')) fixes.push('end the record with "-all" instead of "+all" or "all"');
  if (problems.some((p) => p.code === 'lookups')) fixes.push('replace include:/a/mx terms by ip4:/ip6: networks or flatten nested includes to stay within 10 lookups');
  if (problems.some((p) => p.code === 'not-authorized')) fixes.push(`add ${role === 'domain' ? '"mx"' : '"a"'} (or ip4:${input.answers.ipv4}) before the "all" term`);
  if (problems.some((p) => p.code === 'syntax')) fixes.push(`correct the syntax; a record that works for this server: ${name}. TXT "${wanted}"`);
  if (fixes.length === 0) fixes.push(`consider: ${recordOneLine({ name, type: 'TXT', value: wanted })}`);
  out.push(
    finding('spf', status, `SPF at ${name}: ${first?.message ?? 'problems'}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`, {
      evidence: `${evidence}\nproblems:\n${problems.map((p) => `  ${p.severity}: ${p.message}`).join('\n')}`,
      fix: fixes.join('; '),
    }),
  );
  return out;
}

export const checkSpf: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const [d, h] = await Promise.all([spfAt(input, domain, 'domain'), host !== domain ? spfAt(input, host, 'helo') : Promise.resolve([])]);
  return [...d, ...h];
};

// ---------------------------------------------------------------------------------------------
// dkim

export const checkDkim: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const name = dkimName(input.answers);
  const exp = expectedOf(input, 'dkim', name);
  const publishIt = exp && !exp.placeholder ? publish(exp) : `publish the key from \`mail-wizard records\` at ${name}`;
  const r = await input.lookup.ask(name, 'TXT');
  if (!answered(r)) return [couldNotCheck('dkim', `the DKIM key at ${name}`, r)];
  const values = txtValues(r);
  if (values.length === 0) {
    const found = await findElsewhere(input, misplacedNames(name, domain, host, `${input.answers.dkimSelector}._domainkey.${host}`), looksLikeDkim);
    if (found) {
      return [
        finding('dkim', 'fail', `no DKIM key at ${name}: found at ${found.name}, must be at ${name}`, {
          evidence: `${seen(r)}\n${seen(found.result)}`,
          fix: `${publishIt}; verifiers look up <selector>._domainkey.<d=>, and rspamd signs with d=${domain}${doubledHint(found.name, name, domain)}`,
        }),
      ];
    }
    return [finding('dkim', 'fail', `no DKIM key at ${name}: ${absence(r)}`, { evidence: seen(r), fix: publishIt })];
  }
  if (values.length > 1) {
    return [
      finding('dkim', 'fail', `${name} has ${values.length} TXT records; a selector must hold exactly one key`, {
        evidence: seen(r),
        fix: `delete all but one: ${publishIt}`,
      }),
    ];
  }
  const value = values[0] ?? '';
  const rec = parseDkimRecord(value);
  const problems = [...rec.problems];
  let keyNote = '';
  if (input.dkimPublicKeyPem && rec.keyDer) {
    const cmp = compareDkimKey(rec, input.dkimPublicKeyPem);
    if (cmp === 'different') {
      problems.push({ severity: 'fail', code: 'mismatch', message: `the key published at ${name} is not the key this server signs with` });
    } else if (cmp === 'same') keyNote = ', matches the local key';
  } else if (!input.dkimPublicKeyPem) keyNote = ' (not compared: no local key given)';
  const status = worst(problems);
  const bits = rec.keyBits !== undefined ? `${rec.keyBits}-bit ${rec.keyType.toUpperCase()}` : rec.keyType;
  if (status === 'pass') return [finding('dkim', 'pass', `${name}: ${bits} key${keyNote}`, { evidence: seen(r) })];
  const first = problems.find((p) => p.severity === status) ?? problems[0];
  let fix = publishIt;
  if (problems.some((p) => p.code === 'quotes')) fix = `remove the literal quotes inside the value (a DNS panel adds its own); ${publishIt}`;
  else if (problems.some((p) => p.code === 'weak' || p.code === 'short')) fix = `make a 2048-bit key (setup does: delete the old key file and run repair), then ${publishIt}`;
  else if (problems.some((p) => p.code === 'mismatch')) fix = `replace the record with the current key: ${publishIt}`;
  else if (problems.some((p) => p.code === 'malformed')) fix = `paste the whole key again (split into strings of at most 255 characters, without quotes inside): ${publishIt}`;
  return [
    finding('dkim', status, `DKIM at ${name}: ${first?.message ?? 'problems'}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`, {
      evidence: `${seen(r)}\nproblems:\n${problems.map((p) => `  ${p.severity}: ${p.message}`).join('\n')}`,
      fix,
    }),
  ];
};

// ---------------------------------------------------------------------------------------------
// dmarc

export const checkDmarc: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const name = dmarcName(domain);
  const exp = expectedOf(input, 'dmarc', name);
  const r = await input.lookup.ask(name, 'TXT');
  if (!answered(r)) return [couldNotCheck('dmarc', `the DMARC record at ${name}`, r)];
  const values = txtValues(r);
  const dmarcs = values.filter(isDmarcRecord);
  const meant = values.filter((v) => !isDmarcRecord(v) && looksLikeDmarc(v));
  if (dmarcs.length === 0 && meant.length > 0) {
    const v = meant[0] ?? '';
    const parsed = parseDmarc(v);
    return [
      finding('dmarc', 'fail', `the record at ${name} is not read as DMARC: ${parsed.problems[0]?.message ?? 'it does not start with v=DMARC1'}`, {
        evidence: seen(r),
        fix: `replace it with ${recordLine(exp ?? { name, type: 'TXT', value: dmarcValue(input.answers), ttl: 3600 })} ("v=DMARC1" first, exactly so, no quotes inside)`,
      }),
    ];
  }
  if (dmarcs.length === 0) {
    const found = await findElsewhere(input, misplacedNames(name, domain, host, dmarcName(host)), looksLikeDmarc);
    if (found) {
      return [
        finding('dmarc', 'fail', `no DMARC record at ${name}: found at ${found.name}, must be at ${name}`, {
          evidence: `${seen(r)}\n${seen(found.result)}`,
          fix: `${publish(exp)}; receivers look up _dmarc.<the From domain>, and mail comes from @${domain}${doubledHint(found.name, name, domain)}`,
        }),
      ];
    }
    return [finding('dmarc', 'fail', `no DMARC record at ${name}: ${r.kind === 'answer' ? 'no TXT starting with v=DMARC1' : absence(r)}`, { evidence: seen(r), fix: publish(exp) })];
  }
  if (dmarcs.length > 1) {
    return [
      finding('dmarc', 'fail', `${name} has ${dmarcs.length} DMARC records; receivers then apply none of them`, {
        evidence: seen(r),
        fix: `keep one: ${publish(exp)}`,
      }),
    ];
  }
  const value = dmarcs[0] ?? '';
  const rec = parseDmarc(value);
  const problems = [...rec.problems];
  const wanted = input.answers.dmarcPolicy;
  if (rec.policy === undefined && wanted !== 'none') {
    // RFC 9989 reads a record without a valid p= as p=none: not what the answers asked for
    for (const p of problems) if (p.code === 'policy' && !p.message.startsWith('sp') && !p.message.startsWith('np')) p.severity = 'fail';
  } else if (rec.policy !== undefined && rec.policy !== wanted) {
    problems.push({ severity: 'warn', code: 'policy-differs', message: `p=${rec.policy} is published, the answers ask for p=${wanted}` });
  }
  for (const other of externalReportDomains(rec, domain)) {
    const authName = `${domain}._report._dmarc.${other}`;
    const a = await input.lookup.ask(authName, 'TXT');
    if (answered(a) && !txtValues(a).some((v) => /^v=DMARC1/i.test(v))) {
      problems.push({
        severity: 'warn',
        code: 'report-auth',
        message: `reports go to ${other}, which does not publish ${authName} TXT "v=DMARC1" (RFC 9990), so receivers will not send them`,
      });
    }
  }
  const status = worst(problems);
  if (status === 'pass') return [finding('dmarc', 'pass', `${name}: "${value}" (policy ${rec.effectivePolicy}${rec.testing ? ', test mode' : ''})`, { evidence: seen(r) })];
  const first = problems.find((p) => p.severity === status) ?? problems[0];
  return [
    finding('dmarc', status, `DMARC at ${name}: ${first?.message ?? 'problems'}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`, {
      evidence: `${seen(r)}\nproblems:\n${problems.map((p) => `  ${p.severity}: ${p.message}`).join('\n')}`,
      fix: `publish instead: ${recordLine(exp ?? { name, type: 'TXT', value: dmarcValue(input.answers), ttl: 3600 })}`,
    }),
  ];
};

// ---------------------------------------------------------------------------------------------
// wildcard, localhost

export const checkWildcard: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const probe = `${input.probeLabel}.${domain}`;
  const [a, aaaa, txt, mx] = await Promise.all(
    (['A', 'AAAA', 'TXT', 'MX'] as const).map((t) => input.lookup.ask(probe, t)),
  );
  const results = [a, aaaa, txt, mx].filter((x): x is QueryResult => x !== undefined);
  const bad = results.find((x) => !answered(x));
  if (bad) return [couldNotCheck('wildcard', `a random name (${probe})`, bad)];
  const addr = [a, aaaa].filter((x): x is QueryResult => x !== undefined).flatMap((x) => x.kind === 'answer' ? x.records : []);
  if (addr.length > 0) {
    const cname = addr.find((x) => x.type === 'CNAME');
    return [
      finding('wildcard', 'fail', `a wildcard record answers for names that do not exist: ${probe} resolves${cname && cname.type === 'CNAME' ? ` (CNAME to ${cname.target})` : ''} to ${addr.filter((x) => x.type === 'A' || x.type === 'AAAA').map((x) => (x.type === 'A' || x.type === 'AAAA' ? x.address : '')).join(', ') || 'something'}`, {
        evidence: [...new Set(addr.map(formatRecord))].join('\n'),
        fix: `delete the wildcard record (*.${domain}) at your DNS provider (some, like Vultr, create one by default); it also makes localhost.${domain} resolve`,
      }),
    ];
  }
  const other = [txt, mx].filter((x): x is QueryResult => x !== undefined && x.kind === 'answer');
  if (other.length > 0) {
    return [
      finding('wildcard', 'warn', `a wildcard ${other.map((x) => x.type).join('/')} record answers for ${probe}`, {
        evidence: other.map(seen).join('\n'),
        fix: `fine if intended (e.g. "v=spf1 -all" for every subdomain); otherwise delete *.${domain}`,
      }),
    ];
  }
  return [finding('wildcard', 'pass', `no wildcard: ${probe} is ${a?.kind === 'nxdomain' ? 'NXDOMAIN' : 'without records'}`, { evidence: seen(a ?? txt!) })];
};

function isLoopback(ip: string): boolean {
  return (net.isIPv4(ip) && ip.startsWith('127.')) || (net.isIPv6(ip) && sameIp(ip, '::1'));
}

export const checkLocalhost: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const parent = host.includes('.') ? host.slice(host.indexOf('.') + 1) : host;
  const names = [...new Set([`localhost.${domain}`, ...(parent.includes('.') && parent !== domain ? [`localhost.${parent}`] : [])])];
  const out: Finding[] = [];
  for (const name of names) {
    const [a, aaaa] = await Promise.all([input.lookup.ask(name, 'A'), input.lookup.ask(name, 'AAAA')]);
    if (!answered(a)) {
      out.push(couldNotCheck('localhost', name, a));
      continue;
    }
    const addrs = [...addresses(a, 'A'), ...addresses(aaaa, 'AAAA')];
    const cname = cnameAt(a, name);
    const outside = addrs.filter((x) => !isLoopback(x));
    if (outside.length > 0) {
      out.push(
        finding('localhost', 'fail', `${name} resolves to ${outside.join(', ')}${cname ? ` (through a CNAME to ${cname}, probably a wildcard)` : ''}: a program that looks up "localhost" with "search ${domain}" may reach the public address`, {
          evidence: [...new Set(`${seen(a)}\n${seen(aaaa)}`.split('\n'))].join('\n'),
          fix: `delete the wildcard (*.${name.slice('localhost.'.length)}) or the record at ${name}; keep "127.0.0.1 localhost" and "::1 localhost" in /etc/hosts`,
        }),
      );
    } else if (addrs.length > 0) {
      out.push(finding('localhost', 'pass', `${name} resolves to ${addrs.join(', ')} (loopback only: harmless)`, { evidence: seen(a) }));
    } else {
      out.push(finding('localhost', 'pass', `${name} does not resolve (${a.kind === 'nxdomain' ? 'NXDOMAIN' : 'no address'})`, { evidence: seen(a) }));
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// warn-level extras: CAA, MTA-STS, TLS-RPT

export const checkCaa: CheckFn = async (input) => {
  const host = normalizeName(input.answers.hostname);
  const domain = normalizeName(input.answers.domain);
  // RFC 8659 §3: the closest name with a CAA RRset (climbing to the parent) decides
  let name = host;
  for (;;) {
    const r = await input.lookup.ask(name, 'CAA');
    if (!answered(r)) return [couldNotCheck('caa', `CAA at ${name}`, r)];
    const caa = recordsOf(r, 'CAA');
    if (caa.length > 0) {
      const issuers = caa.filter((c) => c.tag.toLowerCase() === 'issue').map((c) => c.value.split(';')[0]?.trim().toLowerCase() ?? '');
      if (input.answers.tls.mode === 'acme' && issuers.length > 0 && !issuers.includes('letsencrypt.org')) {
        return [
          finding('caa', 'warn', `CAA at ${name} allows only ${issuers.join(', ')}; the certificate for ${host} comes from Let's Encrypt (acme)`, {
            evidence: seen(r),
            fix: `add: ${name}. CAA 0 issue "letsencrypt.org"`,
          }),
        ];
      }
      return [finding('caa', 'pass', `CAA at ${name}: ${issuers.join(', ') || 'no issue tag'}`, { evidence: seen(r) })];
    }
    if (name === domain || !name.includes('.') || !name.endsWith(domain)) break;
    name = name.slice(name.indexOf('.') + 1);
  }
  return [finding('caa', 'pass', `no CAA record (optional: it limits which CAs may issue certificates for ${domain})`)];
};

async function policyTxt(input: CheckInput, id: CheckId, name: string, version: RegExp, valid: RegExp, what: string, example: string): Promise<Finding[]> {
  const r = await input.lookup.ask(name, 'TXT');
  if (!answered(r)) return [couldNotCheck(id, name, r)];
  const values = txtValues(r).filter((v) => version.test(withoutQuotes(v)));
  if (values.length === 0) return [finding(id, 'pass', `no ${what} record at ${name} (optional)`)];
  if (values.length > 1) return [finding(id, 'warn', `${name} has ${values.length} ${what} records; receivers ignore them all`, { evidence: seen(r), fix: 'keep one' })];
  const v = values[0] ?? '';
  if (hasLiteralQuotes(v) || !valid.test(v)) {
    return [finding(id, 'warn', `the ${what} record at ${name} is malformed: ${JSON.stringify(v)}`, { evidence: seen(r), fix: `it should look like: ${name}. TXT "${example}"` })];
  }
  return [finding(id, 'pass', `${name}: "${v}"`, { evidence: seen(r) })];
}

export const checkMtaSts: CheckFn = (input) => {
  const domain = normalizeName(input.answers.domain);
  return policyTxt(input, 'mta-sts', `_mta-sts.${domain}`, /^v=STSv1/i, /^v=STSv1;\s*id=[A-Za-z0-9]{1,32};?\s*$/, 'MTA-STS', 'v=STSv1; id=20240101T000000');
};

export const checkTlsRpt: CheckFn = (input) => {
  const domain = normalizeName(input.answers.domain);
  return policyTxt(input, 'tls-rpt', `_smtp._tls.${domain}`, /^v=TLSRPTv1/i, /^v=TLSRPTv1;\s*rua=(mailto:[^,;\s]+|https:[^,;\s]+)(,\s*(mailto:[^,;\s]+|https:[^,;\s]+))*;?\s*$/, 'TLS-RPT', `v=TLSRPTv1; rua=mailto:postmaster@${domain}`);
};

/** The checks that run once per authoritative server, in order. */
export const PER_SERVER_CHECKS: ReadonlyArray<{ id: CheckId; run: CheckFn }> = [
  { id: 'a', run: checkA },
  { id: 'aaaa', run: checkAaaa },
  { id: 'mx', run: checkMx },
  { id: 'ptr', run: checkPtr },
  { id: 'spf', run: checkSpf },
  { id: 'dkim', run: checkDkim },
  { id: 'dmarc', run: checkDmarc },
  { id: 'wildcard', run: checkWildcard },
  { id: 'localhost', run: checkLocalhost },
  { id: 'caa', run: checkCaa },
  { id: 'mta-sts', run: checkMtaSts },
  { id: 'tls-rpt', run: checkTlsRpt },
];

// ---------------------------------------------------------------------------------------------
// ns, consistency: pure functions of what every server said

export interface ServerProbe {
  server: DnsServer;
  /** The SOA query for the zone at this server. */
  soa: QueryResult;
}

/** Is the server usable: it answered the SOA of the zone with authority. */
export function serverUsable(p: ServerProbe): boolean {
  return p.soa.kind === 'answer' && p.soa.authoritative;
}

export function nsFindings(zone: string | undefined, probes: readonly ServerProbe[], problems: readonly string[], discovered: boolean): Finding[] {
  const out: Finding[] = [];
  for (const msg of problems) out.push(finding('ns', 'fail', msg, { fix: 'fix the NS records or the addresses of the name servers at your DNS provider / registrar' }));
  for (const p of probes) {
    const label = serverLabel(p.server);
    if (p.soa.kind === 'answer' && p.soa.authoritative) continue;
    const what = p.soa.kind === 'answer' || p.soa.kind === 'nodata' || p.soa.kind === 'nxdomain' ? 'answered without authority (a lame server: it does not serve the zone)' : `gave ${describeResult(p.soa)}`;
    out.push(
      finding('ns', 'fail', `${label} ${what} for the SOA of ${zone ?? p.soa.name}`, {
        evidence: seen(p.soa),
        fix: discovered ? `make ${label} serve the zone ${zone}, or remove it from the NS records` : `check that ${label} serves ${zone ?? p.soa.name}`,
      }),
    );
  }
  const ok = probes.filter(serverUsable);
  if (probes.length === 0 && problems.length === 0) out.push(finding('ns', 'fail', 'no authoritative server to ask', { fix: 'give --nameserver HOST[:PORT] or check /etc/resolv.conf' }));
  if (discovered && ok.length === 1 && probes.length === 1) {
    out.push(finding('ns', 'warn', `${zone} has a single name server; RFC 2182 asks for at least two, in different networks`, { fix: 'add a secondary name server (most DNS providers give several)' }));
  }
  if (out.length === 0) {
    out.push(finding('ns', 'pass', `${ok.length} server(s) answer with authority for ${zone}: ${ok.map((p) => serverLabel(p.server)).join(', ')}`));
  }
  return out;
}

/** A canonical form of what a server said, TTLs aside: equal forms mean the servers agree. */
export function rrsetForm(r: QueryResult): string {
  if (r.kind === 'answer') return r.records.map(recordKey).sort().join('\n');
  return r.kind.toUpperCase();
}

export interface ServerAnswers {
  server: DnsServer;
  /** Keyed by `${name} ${type}`. */
  results: Map<string, QueryResult>;
  soa: QueryResult;
}

export function consistencyFindings(zone: string | undefined, views: readonly ServerAnswers[]): Finding[] {
  if (views.length < 2) {
    return [finding('consistency', 'pass', views.length === 1 ? `one server (${serverLabel(views[0]!.server)}): nothing to compare` : 'no server to compare')];
  }
  const out: Finding[] = [];
  const keys = new Set<string>();
  for (const v of views) for (const k of v.results.keys()) keys.add(k);
  for (const key of [...keys].sort()) {
    const forms = views
      .map((v) => ({ v, r: v.results.get(key) }))
      .filter((x): x is { v: ServerAnswers; r: QueryResult } => x.r !== undefined && answered(x.r));
    const distinct = new Set(forms.map((x) => rrsetForm(x.r)));
    if (distinct.size > 1) {
      out.push(
        finding('consistency', 'fail', `the servers disagree about ${key}: ${forms.map((x) => `${serverLabel(x.v.server)} has ${x.r.kind === 'answer' ? x.r.records.map((rec) => formatRecord(rec).split(' ').slice(3).join(' ')).join(' | ') : describeResult(x.r)}`).join('; ')}`, {
          evidence: forms.map((x) => `at ${serverLabel(x.v.server)}:\n${seen(x.r).replace(/^/gm, '  ')}`).join('\n'),
          fix: 'make every authoritative server serve the same zone: check that zone transfers (or the provider\'s sync) work, then wait for the serials to match',
        }),
      );
    }
  }
  const serials = views.map((v) => ({ v, soa: recordsOf(v.soa, 'SOA')[0] }));
  const distinctSerials = new Set(serials.map((s) => s.soa?.serial ?? -1));
  if (distinctSerials.size > 1) {
    const line = serials.map((s) => `${serverLabel(s.v.server)}: ${s.soa?.serial ?? 'no SOA'}`).join(', ');
    out.push(
      finding('consistency', out.length > 0 ? 'fail' : 'warn', `the SOA serials of ${zone} differ (${line})`, {
        evidence: serials.map((s) => (s.soa ? formatRecord(s.soa) : `${serverLabel(s.v.server)}: no SOA`)).join('\n'),
        fix: 'the servers with the older serial have not loaded the latest zone yet: check zone transfers (NOTIFY/AXFR) from the primary',
      }),
    );
  }
  if (out.length === 0) {
    const serial = serials[0]?.soa?.serial;
    out.push(finding('consistency', 'pass', `${views.length} servers agree on every record asked${serial !== undefined ? ` (SOA serial ${serial})` : ''}`));
  }
  return out;
}
