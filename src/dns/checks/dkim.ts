/**
 * The DKIM check: the selector's record publishes the key rspamd signs with.
 */
import { compareDkimKey, looksLikeDkim, parseDkimRecord } from '../dkim-record.js';
import { dkimName } from '../expected.js';
import { worst } from '../problems.js';
import { normalizeName } from '../records.js';
import { finding, answered, seen, couldNotCheck, absence, txtValues, expectedOf, publish, misplacedNames, doubledHint, findElsewhere } from './shared.js';
import type { CheckFn } from './types.js';

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
