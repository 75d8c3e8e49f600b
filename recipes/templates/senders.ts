/**
 * smtpd's senders table: for each login, the addresses it may send as (smtpd.conf(5), `senders
 * <users> masquerade` on the submission listeners). A user may send as user@domain and as every
 * alias that reaches them, directly or through other aliases (postmaster → alice makes
 * postmaster@, abuse@ and root@ hers); an alias that reaches several users is theirs together.
 * A login that is not in the table may send as nobody, so the table fails closed.
 */
import type { Answers } from '../../src/answers/schema.js';
import { header } from './input.js';
import { parseAliases } from './aliases.js';

/** The local users an alias name reaches (through nested aliases; addresses elsewhere are not users). */
function reached(name: string, aliases: Map<string, string[]>, users: Set<string>, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(name)) return out; // a loop in the table reaches nobody new
  seen.add(name);
  for (const value of aliases.get(name) ?? []) {
    const target = value.toLowerCase();
    if (target.includes('@') || target.startsWith('|') || target.startsWith('/') || target.startsWith(':')) continue;
    if (aliases.has(target)) for (const u of reached(target, aliases, users, seen)) out.add(u);
    else if (users.has(target)) out.add(target);
  }
  return out;
}

/** login → the addresses it may send as, each list sorted (own address first). */
export function sendersFor(answers: Answers, aliasesContent: string | null): Map<string, string[]> {
  const aliases = parseAliases(aliasesContent);
  const users = new Set(answers.users);
  const table = new Map(answers.users.map((u) => [u, [] as string[]]));
  for (const name of [...aliases.keys()].sort()) {
    if (users.has(name)) continue; // a user's own name: never someone else's to send as
    for (const user of reached(name, aliases, users)) table.get(user)!.push(`${name}@${answers.domain}`);
  }
  return new Map([...table].map(([user, extra]) => [user, [`${user}@${answers.domain}`, ...extra]]));
}

export function renderSenders(answers: Answers, aliasesContent: string | null, path: string): string {
  const lines = [...sendersFor(answers, aliasesContent)].map(([user, addresses]) => `${user}\t${addresses.join(', ')}`);
  return `${header(path, 'who may send as which address (smtpd.conf: senders <allowed_senders> masquerade)')}
# Made from the users and the aliases table: a user may send as their own address and as the
# aliases that reach them. After changing the aliases, \`mail-wizard setup\` rebuilds it.
${lines.join('\n')}
`;
}
