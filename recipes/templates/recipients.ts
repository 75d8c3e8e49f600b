/**
 * smtpd's recipients table: the addresses of the domain that take mail (smtpd.conf(5), `match ...
 * rcpt-to <recipients>`). A list table's entries are matched as mail addresses, case-insensitively
 * and with a +tag stripped from the address asked for (mailaddr_match() in usr.sbin/smtpd/util.c).
 * Every user and every alias name of the aliases table (ours and the admin's: OpenBSD's system
 * aliases still reach root). Without it smtpd takes mail for any account of the system (getpwnam:
 * www-data@, nobody@), and Dovecot (userdb passwd) writes it into that account's home.
 */
import type { Answers } from '../../src/answers/schema.js';
import { parseAliases } from './aliases.js';
import { header } from './input.js';

/** The addresses that take mail: each user's and each alias's, sorted. */
export function recipientsFor(answers: Answers, aliasesContent: string | null): string[] {
  const names = new Set([...answers.users, ...parseAliases(aliasesContent).keys()].map((n) => n.toLowerCase()));
  return [...names].sort().map((name) => `${name}@${answers.domain}`);
}

export function renderRecipients(answers: Answers, aliasesContent: string | null, path: string): string {
  return `${header(path, `the addresses of ${answers.domain} that take mail (smtpd.conf: rcpt-to <recipients>)`)}
# Made from the users and the aliases table; smtpd refuses any other address of the domain at RCPT.
# After changing the aliases, \`mail-wizard repair\` rebuilds it.
${recipientsFor(answers, aliasesContent).join('\n')}
`;
}
