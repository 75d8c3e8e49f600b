/**
 * mail-wizard user add NAME | remove NAME [--purge-mail] | list: the mail users of the answers.
 * Each change is saved to the answers file, then only the affected steps run (users, aliases,
 * smtpd's senders table, the restart of what changed) and the result is proved: the new address
 * receives a test message; a removed one is refused by smtpd.
 */
import { InputError } from '../answers/input-error.js';
import { checkUnixUser } from '../answers/validate.js';
import { aliasesStep } from '../../recipes/aliases.js';
import { servicesStep } from '../../recipes/services.js';
import { smtpdStep } from '../../recipes/smtpd.js';
import { renderAliases, postmasterUser } from '../../recipes/templates/aliases.js';
import { sendersFor } from '../../recipes/templates/senders.js';
import { usersStep } from '../../recipes/users.js';
import { answersToEdit, applyChange, checked, printList, targetFor } from '../people/change.js';
import { readHostNames, userNameProblem } from '../people/names.js';
import { askPassword, readPasswordStdin } from '../people/password.js';
import { deliveryStep, refusedStep, removeUserStep } from '../people/steps.js';
import type { CommonOptions } from './options.js';
import type { Io } from './run.js';

export interface UserOptions extends CommonOptions {
  purgeMail: boolean;
  passwordStdin: boolean;
}

const USAGE = 'user add NAME [--password-stdin] | user remove NAME [--purge-mail] | user list [--json]';

export async function userCommand(args: string[], opts: UserOptions, io: Io): Promise<number> {
  const [sub, ...rest] = args;
  const one = (what: string): string => {
    if (rest.length !== 1) throw new InputError([`user ${what}: give exactly one user name (${USAGE})`]);
    return rest[0]!;
  };
  if (sub !== 'add' && opts.passwordStdin) throw new InputError(['--password-stdin goes with user add']);
  if (sub !== 'remove' && opts.purgeMail) throw new InputError(['--purge-mail goes with user remove']);
  switch (sub) {
    case 'add':
      return addUser(one('add'), opts, io);
    case 'remove':
      return removeUser(one('remove'), opts, io);
    case 'list':
      if (rest.length) throw new InputError([`user list: unexpected argument ${JSON.stringify(rest[0])}`]);
      return listUsers(opts, io);
    default:
      throw new InputError([`user: ${sub === undefined ? 'what to do?' : `unknown action ${JSON.stringify(sub)}`} (${USAGE})`]);
  }
}

async function addUser(name: string, opts: UserOptions, io: Io): Promise<number> {
  const problem = checkUnixUser(name);
  if (problem) throw new InputError([`user add: ${JSON.stringify(name)} ${problem}`]);
  // Read before anything else: a script's pipe is there now; the value stays in memory only.
  const piped = opts.passwordStdin ? await readPasswordStdin() : undefined;
  const editing = await answersToEdit(opts, 'user add');
  const target = await targetFor(opts, editing.answers);
  const collision = userNameProblem(name, editing.answers, await readHostNames(target.host, target.platform), target.platform);
  if (collision) throw new InputError([`user add: ${collision}`]);
  const next = checked({ ...editing.answers, users: [...editing.answers.users, name] }, 'user add');
  const password = piped ?? (io.interactive && !opts.json ? await askPassword(name) : null);
  const domain = next.domain;
  return applyChange(opts, io, {
    editing,
    next,
    steps: [usersStep, aliasesStep, smtpdStep, servicesStep, deliveryStep([{ check: 'delivery.user', to: `${name}@${domain}`, user: name }])],
    ...(password !== null && password !== undefined ? { passwords: new Map([[name, password]]) } : {}),
    note: `user ${name} added${password ? ' (with a password)' : ' (no password yet: set one with passwd)'}`,
  });
}

async function removeUser(name: string, opts: UserOptions, io: Io): Promise<number> {
  const editing = await answersToEdit(opts, 'user remove');
  const { answers } = editing;
  if (!answers.users.includes(name)) throw new InputError([`user remove: ${JSON.stringify(name)} is not a mail user (users: ${answers.users.join(', ')})`]);
  if (answers.users.length === 1) throw new InputError([`user remove: ${JSON.stringify(name)} is the only mail user; add another first`]);
  if (postmasterUser(answers) === name) throw new InputError([`user remove: ${JSON.stringify(name)} reads postmaster@ mail: set "postmaster" in ${editing.file} to someone else first`]);
  if (answers.dmarcReports?.toLowerCase() === `${name}@${answers.domain}`) {
    throw new InputError([`user remove: ${JSON.stringify(name)} receives the DMARC reports: set "dmarcReports" in ${editing.file} to another address first`]);
  }
  const pointing = Object.entries(answers.aliases ?? {}).filter(([, targets]) => targets.some((t) => t.toLowerCase() === name || t.toLowerCase() === `${name}@${answers.domain}`));
  if (pointing.length) {
    throw new InputError([`user remove: ${JSON.stringify(name)} is the target of the alias ${pointing.map(([a]) => a).join(', ')}: remove or change it first (mail-wizard alias remove NAME)`]);
  }
  const next = checked({ ...answers, users: answers.users.filter((u) => u !== name) }, 'user remove');
  await targetFor(opts, next); // the platform and host are known before anything is saved
  return applyChange(opts, io, {
    editing,
    next,
    steps: [removeUserStep(name, opts.purgeMail), aliasesStep, smtpdStep, servicesStep, refusedStep(`${name}@${next.domain}`)],
    note: `user ${name} removed${opts.purgeMail ? ' with his home directory and mail' : `; ~${name} and the mail in it are kept`}`,
  });
}

async function listUsers(opts: UserOptions, io: Io): Promise<number> {
  const { answers } = await answersToEdit(opts, 'user list');
  // Every address each user receives: their own, and the aliases that reach them.
  const addresses = sendersFor(answers, renderAliases(null, answers));
  const users = answers.users.map((name) => ({ name, addresses: addresses.get(name) ?? [`${name}@${answers.domain}`] }));
  const width = Math.max(...users.map((u) => u.name.length));
  return printList(io, opts.json, { domain: answers.domain, users }, users.map((u) => `${u.name.padEnd(width)}  ${u.addresses.join(', ')}`));
}
