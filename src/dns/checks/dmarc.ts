/**
 * The DMARC check: one policy record at _dmarc, with the policy and reports the answers ask for.
 */
import { externalReportDomains, isDmarcRecord, looksLikeDmarc, parseDmarc } from '../dmarc.js';
import { dmarcName, dmarcValue } from '../expected.js';
import { worst } from '../problems.js';
import { normalizeName } from '../records.js';
import { recordLine } from '../zone-export.js';
import { finding, answered, seen, couldNotCheck, absence, txtValues, expectedOf, publish, misplacedNames, doubledHint, findElsewhere } from './shared.js';
import type { CheckFn } from './types.js';

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
