/**
 * The MTA-STS check (RFC 8461). When on: one TXT record at _mta-sts.<domain>, well formed, whose id
 * is the id of the policy this server serves (an id copied from an old run makes senders keep the
 * policy they cached), and mta-sts.<domain> reaching this server. When off: a record still published
 * makes senders look for a policy. The policy fetched over HTTPS is the fetch check's, not this one.
 */
import type { Finding } from '../../engine/types.js';
import { mtaStsId, mtaStsMode, mtaStsPolicy, mtaStsTxtName, MTA_STS_MAX_AGE } from '../../published/mta-sts.js';
import { hasLiteralQuotes, withoutQuotes } from '../problems.js';
import { normalizeName } from '../records.js';
import { absence, answered, couldNotCheck, doubledHint, expectedOf, findElsewhere, finding, misplacedNames, publish, seen, txtValues } from './shared.js';
import type { CheckFn } from './types.js';
import { webNameFindings } from './web-name.js';

const isSts = (v: string): boolean => /^v=STSv1\b/i.test(withoutQuotes(v));
/** RFC 8461 §3.1: v=STSv1; id=<1–32 alphanumerics>, extension fields after. */
const STS_RECORD = /^v=STSv1\s*;\s*id=([A-Za-z0-9]{1,32})\s*(?:;.*)?$/;

export const checkMtaSts: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const mode = mtaStsMode(input.answers);
  const name = mtaStsTxtName(domain);
  const r = await input.lookup.ask(name, 'TXT');
  if (!answered(r)) return [couldNotCheck('mta-sts', `the MTA-STS record at ${name}`, r)];
  const records = txtValues(r).filter(isSts);

  if (mode === 'off') {
    if (records.length === 0) return [finding('mta-sts', 'pass', `MTA-STS is off (mtaSts: off), and no record at ${name}`)];
    return [
      finding('mta-sts', 'warn', `MTA-STS is off (mtaSts: off), but ${name} still announces a policy: senders may still fetch one, and keep a policy they cached for up to its max_age`, {
        evidence: seen(r),
        fix: `delete the record at ${name}; or set mtaSts to testing and run repair, so the policy is served again (RFC 8461 §8.3: withdraw an enforce policy by serving mode none first)`,
      }),
    ];
  }

  const exp = expectedOf(input, 'mta-sts', name);
  const wantId = mtaStsId(mtaStsPolicy(input.answers) ?? '');
  // no protection where protection was asked for is a failure; in testing mode it only reports
  const bad = mode === 'enforce' ? 'fail' : 'warn';
  const out: Finding[] = [];
  if (records.length === 0) {
    const found = await findElsewhere(input, misplacedNames(name, domain, host, mtaStsTxtName(host)), isSts);
    out.push(
      finding('mta-sts', bad, `no MTA-STS record at ${name}: ${found ? `found at ${found.name}, must be at ${name}` : r.kind === 'answer' ? 'no TXT starting with v=STSv1' : absence(r)}; senders do not know ${domain} has a policy`, {
        evidence: found ? `${seen(r)}\n${seen(found.result)}` : seen(r),
        fix: `${publish(exp)}${found ? `; senders look up _mta-sts.<the recipient's domain>${doubledHint(found.name, name, domain)}` : ''}`,
      }),
    );
  } else if (records.length > 1) {
    out.push(finding('mta-sts', bad, `${name} has ${records.length} MTA-STS records; senders then apply none (RFC 8461 §3.1)`, { evidence: seen(r), fix: `keep one: ${publish(exp)}` }));
  } else {
    const v = records[0] ?? '';
    const id = STS_RECORD.exec(v.trim())?.[1];
    if (hasLiteralQuotes(v)) {
      out.push(finding('mta-sts', bad, `the MTA-STS record at ${name} has literal quote characters in its value: ${JSON.stringify(v)}`, { evidence: seen(r), fix: `replace it (type the value without quotes): ${publish(exp)}` }));
    } else if (id === undefined) {
      out.push(finding('mta-sts', bad, `the MTA-STS record at ${name} is malformed: ${JSON.stringify(v)} (want v=STSv1; id=<1 to 32 letters and digits>)`, { evidence: seen(r), fix: `replace it: ${publish(exp)}` }));
    } else if (id !== wantId) {
      out.push(
        finding('mta-sts', bad, `the MTA-STS id at ${name} is ${id}, not the id of the policy this server serves (${wantId}): copied from an old run? Senders that cached a policy do not fetch the new one for up to ${MTA_STS_MAX_AGE / 86400} days`, {
          evidence: seen(r),
          fix: `replace it: ${publish(exp)}`,
        }),
      );
    } else {
      out.push(finding('mta-sts', 'pass', `${name}: "${v}" (mode ${mode}; the id of the policy served)`, { evidence: seen(r) }));
    }
  }
  out.push(...(await webNameFindings(input, { check: 'mta-sts', why: 'senders cannot fetch the policy', status: bad === 'fail' ? 'fail' : 'warn' })));
  return out;
};
