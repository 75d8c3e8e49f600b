/**
 * The SPF checks: the domain's and the HELO name's SPF records allow the server, within the lookup limit.
 */
import type { Finding } from '../../engine/types.js';
import { SPF_DOMAIN, SPF_HELO } from '../expected.js';
import { hasLiteralQuotes, withoutQuotes, worst, type Problem } from '../problems.js';
import { normalizeName } from '../records.js';
import { countSpfLookups, evaluateSpf, isSpfRecord, looksLikeSpf, parseSpf, SPF_MAX_LOOKUPS } from '../spf.js';
import { recordOneLine } from '../zone-export.js';
import { finding, answered, seen, couldNotCheck, absence, txtValues, expectedOf, publish, spfDns } from './shared.js';
import type { CheckInput, CheckFn } from './types.js';

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
