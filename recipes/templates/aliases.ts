/**
 * The aliases table: postmaster, abuse and root mail go to the postmaster (RFC 5321 §4.5.1 and
 * RFC 2142 require postmaster@ and abuse@). Existing entries are kept; ours replace theirs in place.
 */
import type { Answers } from '../../src/answers/schema.js';

export function wantedAliases(answers: Answers): [string, string][] {
  const wanted: [string, string][] = [
    ['postmaster', answers.postmaster],
    ['abuse', 'postmaster'],
    ['hostmaster', 'postmaster'],
    ['root', 'postmaster'],
  ];
  // A report address at our own domain that is not a user needs an alias, or reports bounce.
  const reports = answers.dmarcReports;
  if (reports && reports.endsWith(`@${answers.domain}`)) {
    const local = reports.slice(0, -(answers.domain.length + 1));
    if (!answers.users.includes(local) && !wanted.some(([name]) => name === local)) wanted.push([local, 'postmaster']);
  }
  return wanted;
}

export function renderAliases(existing: string | null, answers: Answers): string {
  const wanted = new Map(wantedAliases(answers));
  const lines = (existing ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out = lines.map((line) => {
    const m = /^\s*([^#:\s][^:\s]*)\s*:/.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (name && wanted.has(name)) {
      const value = wanted.get(name)!;
      wanted.delete(name);
      return `${name}: ${value}`;
    }
    return line;
  });
  if (wanted.size > 0) {
    if (out.length > 0) out.push('');
    out.push('# Added by mail-wizard');
    for (const [name, value] of wanted) out.push(`${name}: ${value}`);
  }
  return `${out.join('\n')}\n`;
}
