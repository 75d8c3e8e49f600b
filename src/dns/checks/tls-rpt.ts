/**
 * The TLS-RPT check (RFC 8460, warn-level: mail flows without it): one TXT record at
 * _smtp._tls.<domain> whose rua reaches a mailbox, the wizard's own tlsrpt alias or another valid
 * address, so reports of failed TLS deliveries reach a person.
 */
import { checkConfigEmail, WIZARD_ALIASES } from '../../answers/validate.js';
import { tlsRptName } from '../../published/tls-rpt.js';
import { hasLiteralQuotes, withoutQuotes } from '../problems.js';
import { normalizeName } from '../records.js';
import { absence, answered, couldNotCheck, doubledHint, expectedOf, findElsewhere, finding, misplacedNames, publish, seen, txtValues } from './shared.js';
import type { CheckFn, CheckInput } from './types.js';

const isRpt = (v: string): boolean => /^v=TLSRPTv1\b/i.test(withoutQuotes(v));

/** The rua URIs of a record, or why it cannot be read (RFC 8460 §3: v=TLSRPTv1; rua=uri[,uri]). */
function ruaOf(value: string): { uris: string[] } | { problem: string } {
  const fields = value.split(';').map((f) => f.trim()).filter(Boolean);
  if (!/^v=TLSRPTv1$/.test(fields[0] ?? '')) return { problem: 'it must start with "v=TLSRPTv1;"' };
  const rua = fields.find((f) => /^rua\s*=/i.test(f));
  if (!rua) return { problem: 'it has no rua=' };
  const uris = rua.replace(/^rua\s*=\s*/i, '').split(',').map((u) => u.trim());
  const badUri = uris.find((u) => !/^mailto:[^\s@]+@[^\s@]+$/i.test(u) && !/^https:\/\/\S+$/i.test(u));
  if (badUri !== undefined) return { problem: `"${badUri}" is neither mailto:<address> nor https://<url>` };
  return { uris };
}

/** Why reports to this address would bounce, or null (an address at our domain must be a mailbox here). */
function deadAddress(input: CheckInput, uri: string): string | null {
  if (!/^mailto:/i.test(uri)) return null;
  const address = uri.slice('mailto:'.length);
  const problem = checkConfigEmail(address);
  if (problem) return `${address} ${problem}`;
  const at = address.lastIndexOf('@');
  if (normalizeName(address.slice(at + 1)) !== normalizeName(input.answers.domain)) return null;
  const local = address.slice(0, at).toLowerCase();
  const known = [...input.answers.users, ...WIZARD_ALIASES, ...Object.keys(input.answers.aliases ?? {})];
  return known.includes(local) ? null : `${address} is no user or alias here, so reports to it bounce`;
}

export const checkTlsRpt: CheckFn = async (input) => {
  const domain = normalizeName(input.answers.domain);
  const host = normalizeName(input.answers.hostname);
  const name = tlsRptName(domain);
  const exp = expectedOf(input, 'tls-rpt', name);
  const r = await input.lookup.ask(name, 'TXT');
  if (!answered(r)) return [couldNotCheck('tls-rpt', `the TLS-RPT record at ${name}`, r)];
  const records = txtValues(r).filter(isRpt);
  if (records.length === 0) {
    const found = await findElsewhere(input, misplacedNames(name, domain, host, tlsRptName(host)), isRpt);
    const where = found ? `found at ${found.name} only, must (also) be at ${name}` : r.kind === 'answer' ? 'no TXT starting with v=TLSRPTv1' : absence(r);
    return [
      finding('tls-rpt', 'warn', `no TLS-RPT record at ${name}: ${where}; senders do not report failed TLS deliveries to ${domain}`, {
        evidence: found ? `${seen(r)}\n${seen(found.result)}` : seen(r),
        fix: `${publish(exp)}${found ? doubledHint(found.name, name, domain) : ''}`,
      }),
    ];
  }
  if (records.length > 1) {
    return [finding('tls-rpt', 'warn', `${name} has ${records.length} TLS-RPT records; senders then send no report (RFC 8460 §3)`, { evidence: seen(r), fix: `keep one: ${publish(exp)}` })];
  }
  const v = records[0] ?? '';
  if (hasLiteralQuotes(v)) {
    return [finding('tls-rpt', 'warn', `the TLS-RPT record at ${name} has literal quote characters in its value: ${JSON.stringify(v)}`, { evidence: seen(r), fix: `replace it (type the value without quotes): ${publish(exp)}` })];
  }
  const rua = ruaOf(v);
  if ('problem' in rua) {
    return [finding('tls-rpt', 'warn', `the TLS-RPT record at ${name} is malformed: ${rua.problem}`, { evidence: seen(r), fix: `replace it: ${publish(exp)}` })];
  }
  const dead = rua.uris.map((u) => deadAddress(input, u)).find((p) => p !== null);
  if (dead) return [finding('tls-rpt', 'warn', `the TLS-RPT record at ${name}: ${dead}`, { evidence: seen(r), fix: `replace it: ${publish(exp)}` })];
  const ours = exp !== undefined && v.replace(/\s+/g, '') === exp.value.replace(/\s+/g, '');
  return [finding('tls-rpt', 'pass', `${name}: reports go to ${rua.uris.join(', ')}${ours ? ' (the wizard\'s tlsrpt mailbox, read by the postmaster)' : ''}`, { evidence: seen(r) })];
};
