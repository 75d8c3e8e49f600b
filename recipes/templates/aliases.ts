/**
 * The aliases table: postmaster, abuse and root mail go to the postmaster (RFC 5321 §4.5.1 and
 * RFC 2142 require postmaster@ and abuse@), and so do TLS-RPT reports (tlsrpt@). The table is shared with the admin (OpenBSD ships one
 * full of system aliases): ours live in a marked block, and an admin's line for the same name is
 * commented out with a note (two lines for one name would leave it to smtpd which one wins).
 */
import type { Answers } from '../../src/answers/schema.js';
import { TLSRPT_ALIAS } from '../../src/published/tls-rpt.js';
import { withBlock } from '../lib/marked-block.js';

export function wantedAliases(answers: Answers): [string, string][] {
  const wanted: [string, string][] = [
    ['postmaster', answers.postmaster],
    ['abuse', 'postmaster'],
    ['hostmaster', 'postmaster'],
    ['root', 'postmaster'],
  ];
  // TLS-RPT (RFC 8460): the rua of _smtp._tls.<domain> (src/published/tls-rpt.ts); a user of that name reads them himself
  if (!answers.users.includes(TLSRPT_ALIAS)) wanted.push([TLSRPT_ALIAS, 'postmaster']);
  // The admin's own aliases (answers.aliases, kept by `mail-wizard alias add`), by name.
  for (const [name, targets] of Object.entries(answers.aliases ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!wanted.some(([n]) => n === name)) wanted.push([name, targets.join(', ')]);
  }
  // A report address at our own domain that is not a user needs an alias, or reports bounce.
  const reports = answers.dmarcReports;
  if (reports && reports.endsWith(`@${answers.domain}`)) {
    const local = reports.slice(0, -(answers.domain.length + 1));
    if (!answers.users.includes(local) && !wanted.some(([name]) => name === local)) wanted.push([local, 'postmaster']);
  }
  return wanted;
}

/** `name: value, value` (aliases(5)); null for comments, blank lines and anything else. */
export function parseAliasLine(line: string): { name: string; values: string[] } | null {
  const m = /^\s*([^#:\s][^:\s]*)\s*:\s*(.*)$/.exec(line);
  if (!m) return null;
  return { name: m[1]!.toLowerCase(), values: m[2]!.split(',').map((v) => v.trim()).filter(Boolean) };
}

/** The local user that postmaster@ (and so every alias here) reaches, or null when it is an address elsewhere. */
export function postmasterUser(answers: Answers): string | null {
  const { postmaster, domain, hostname, users } = answers;
  const at = postmaster.lastIndexOf('@');
  const ours = at < 0 || [domain, hostname].some((d) => d.toLowerCase() === postmaster.slice(at + 1).toLowerCase());
  const local = at < 0 ? postmaster : postmaster.slice(0, at);
  return ours && users.includes(local) ? local : null;
}

export function renderAliases(existing: string | null, answers: Answers): string {
  const wanted = new Map(wantedAliases(answers));
  return withBlock(existing, {
    what: 'postmaster, abuse and root reach a person',
    lines: [...wanted].map(([name, value]) => `${name}: ${value}`),
    conflict: (line) => {
      const name = parseAliasLine(line)?.name;
      return name && wanted.has(name) ? `"${name}" is set in the mail-wizard block` : null;
    },
  });
}

/** Every alias in the table (the admin's and ours): name → its values. */
export function parseAliases(content: string | null): Map<string, string[]> {
  const aliases = new Map<string, string[]>();
  for (const line of (content ?? '').split('\n')) {
    const entry = parseAliasLine(line);
    if (entry) aliases.set(entry.name, entry.values);
  }
  return aliases;
}
