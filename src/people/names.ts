/**
 * Who a new name would collide with: the accounts of the host itself (read from its /etc/passwd,
 * not only a list we know: root, daemon, _rspamd, opensmtpd, ...), the wizard's own aliases, the
 * aliases the admin keeps in the aliases table by hand, and the users and aliases of the answers.
 * Each problem is one line that names the value.
 */
import type { Answers } from '../answers/schema.js';
import { WIZARD_ALIASES } from '../answers/validate.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import { parseAliases, wantedAliases } from '../../recipes/templates/aliases.js';

/**
 * The first uid of a person's account, and the last: OpenBSD's useradd picks from 1000 to 60000
 * (openbsd/src usr.sbin/user/user.c: DEF_LOWUID 1000, DEF_HIGHUID 60000); Debian's login.defs
 * has UID_MIN 1000 and UID_MAX 60000. Accounts outside (root, daemons, nobody at 32767 on OpenBSD
 * and 65534 on Debian) or with a shell that refuses logins are the system's.
 */
const FIRST_PERSON_UID = 1000;
const LAST_PERSON_UID = 60_000;

export interface PasswdEntry {
  name: string;
  uid: number;
  shell: string;
}

export function parsePasswd(text: string | null): PasswdEntry[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7 && f[0] !== '' && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), shell: f[6]!.trim() }));
}

export function isSystemAccount(entry: PasswdEntry, platform: Platform): boolean {
  const ours = Object.values(platform.users).includes(entry.name);
  const noLogin = /(?:nologin|\/false)$/.test(entry.shell);
  return ours || noLogin || entry.name === 'nobody' || !(entry.uid >= FIRST_PERSON_UID && entry.uid <= LAST_PERSON_UID);
}

export interface HostNames {
  accounts: PasswdEntry[];
  /** The aliases table as it is on disk (the admin's and ours). */
  tableAliases: Map<string, string[]>;
}

export async function readHostNames(host: Host, platform: Platform): Promise<HostNames> {
  return {
    accounts: parsePasswd(await host.readFile('/etc/passwd')),
    tableAliases: parseAliases(await host.readFile(platform.paths.aliases)),
  };
}

/** Why NAME cannot become a new mail user, or null. An existing person's account may (it is adopted). */
export function userNameProblem(name: string, answers: Answers, names: HostNames, platform: Platform): string | null {
  if (answers.users.includes(name)) return `user ${JSON.stringify(name)} already exists in the answers (mail-wizard user list)`;
  if (answers.aliases?.[name]) return `${JSON.stringify(name)} is already an alias (of ${answers.aliases[name]!.join(', ')}): remove it first (mail-wizard alias remove ${name})`;
  if (WIZARD_ALIASES.includes(name) || wantedAliases(answers).some(([n]) => n === name)) return `${JSON.stringify(name)} is one of mail-wizard's own aliases; pick another name`;
  const account = names.accounts.find((a) => a.name === name);
  if (account && isSystemAccount(account, platform)) return `${JSON.stringify(name)} is a system account on this host (uid ${account.uid}, shell ${account.shell}); pick another name`;
  if (names.tableAliases.has(name)) return `${JSON.stringify(name)} is an alias in ${platform.paths.aliases} already; pick another name or remove that line`;
  return null;
}

/** Why NAME cannot become a new alias, or null. */
export function aliasNameProblem(name: string, answers: Answers, names: HostNames, platform: Platform): string | null {
  if (answers.aliases?.[name]) return `alias ${JSON.stringify(name)} already exists (of ${answers.aliases[name]!.join(', ')}): remove it first to change it`;
  if (answers.users.includes(name)) return `${JSON.stringify(name)} is a mail user: a name is either a user or an alias`;
  if (WIZARD_ALIASES.includes(name) || wantedAliases(answers).some(([n]) => n === name)) return `${JSON.stringify(name)} is one of mail-wizard's own aliases; set postmaster in the answers instead`;
  const account = names.accounts.find((a) => a.name === name);
  if (account) return `${JSON.stringify(name)} is an account on this host (uid ${account.uid}): its mail would go to the alias instead; pick another name`;
  if (names.tableAliases.has(name)) return `${JSON.stringify(name)} is an alias in ${platform.paths.aliases} already; pick another name or remove that line`;
  return null;
}
