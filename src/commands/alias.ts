/**
 * mail-wizard alias add NAME TARGET… | remove NAME | list: the aliases of the answers (a field of
 * the file since they are kept here). A change renders the aliases table and smtpd's senders
 * table, restarts smtpd, and is proved: a test message to NAME@ lands with each local user it
 * reaches; a removed alias is refused by smtpd.
 */
import { InputError } from '../answers/input-error.js';
import { checkAliasName, checkAliasTarget, show, WIZARD_ALIASES } from '../answers/validate.js';
import { aliasesStep } from '../../recipes/aliases.js';
import { servicesStep } from '../../recipes/services.js';
import { smtpdStep } from '../../recipes/smtpd.js';
import { renderAliases, wantedAliases } from '../../recipes/templates/aliases.js';
import { sendersFor } from '../../recipes/templates/senders.js';
import { answersToEdit, applyChange, checked, printList, targetFor } from '../people/change.js';
import { aliasNameProblem, readHostNames } from '../people/names.js';
import { deliveryStep, refusedStep } from '../people/steps.js';
import type { AnyStep } from '../engine/types.js';
import type { CommonOptions } from './options.js';
import type { Io } from './run.js';

const USAGE = 'alias add NAME TARGET... | alias remove NAME | alias list [--json]';

export async function aliasCommand(args: string[], opts: CommonOptions, io: Io): Promise<number> {
  const [sub, name, ...targets] = args;
  switch (sub) {
    case 'add':
      if (name === undefined || targets.length === 0) throw new InputError([`alias add: give a name and at least one target (${USAGE})`]);
      return addAlias(name, targets, opts, io);
    case 'remove':
      if (name === undefined || targets.length) throw new InputError([`alias remove: give exactly one alias name (${USAGE})`]);
      return removeAlias(name, opts, io);
    case 'list':
      if (name !== undefined) throw new InputError([`alias list: unexpected argument ${JSON.stringify(name)}`]);
      return listAliases(opts, io);
    default:
      throw new InputError([`alias: ${sub === undefined ? 'what to do?' : `unknown action ${JSON.stringify(sub)}`} (${USAGE})`]);
  }
}

async function addAlias(name: string, targets: string[], opts: CommonOptions, io: Io): Promise<number> {
  const problem = checkAliasName(name);
  if (problem) throw new InputError([`alias add: ${show(name)} ${problem}`]);
  const editing = await answersToEdit(opts, 'alias add');
  const { answers } = editing;
  const aliases = { ...(answers.aliases ?? {}), [name]: targets };
  const bad = targets.map((t) => [t, checkAliasTarget(t, name, answers.users, aliases, answers.domain)] as const).filter(([, p]) => p);
  if (bad.length) throw new InputError(bad.map(([t, p]) => `alias add: target ${show(t)} ${p}`));
  const target = await targetFor(opts, answers);
  const collision = aliasNameProblem(name, answers, await readHostNames(target.host, target.platform), target.platform);
  if (collision) throw new InputError([`alias add: ${collision}`]);
  const next = checked({ ...answers, aliases }, 'alias add');
  const address = `${name}@${next.domain}`;
  // Each local user the alias reaches (through other aliases too) must get the test message.
  const reached = [...sendersFor(next, renderAliases(null, next))].filter(([, addresses]) => addresses.includes(address)).map(([user]) => user);
  const steps: AnyStep[] = [aliasesStep, smtpdStep, servicesStep];
  if (reached.length) steps.push(deliveryStep(reached.map((user) => ({ check: `delivery.${user}`, to: address, user }))));
  const elsewhere = targets.filter((t) => t.includes('@') && !t.toLowerCase().endsWith(`@${next.domain}`));
  return applyChange(opts, io, {
    editing,
    next,
    steps,
    note: `alias ${name} → ${targets.join(', ')} added${elsewhere.length ? ` (mail relayed to ${elsewhere.join(', ')} is not checked here)` : ''}`,
  });
}

async function removeAlias(name: string, opts: CommonOptions, io: Io): Promise<number> {
  const editing = await answersToEdit(opts, 'alias remove');
  const { answers } = editing;
  if (WIZARD_ALIASES.includes(name)) throw new InputError([`alias remove: ${show(name)} is one of mail-wizard's own aliases (${WIZARD_ALIASES.join(', ')}): they must reach a person`]);
  if (!answers.aliases?.[name]) {
    const known = Object.keys(answers.aliases ?? {});
    throw new InputError([`alias remove: ${show(name)} is not an alias of the answers (${known.length ? `aliases: ${known.join(', ')}` : 'there are none'})`]);
  }
  const pointing = Object.entries(answers.aliases).filter(([other, targets]) => other !== name && targets.some((t) => t.toLowerCase() === name || t.toLowerCase() === `${name}@${answers.domain}`));
  if (pointing.length) throw new InputError([`alias remove: ${show(name)} is the target of the alias ${pointing.map(([a]) => a).join(', ')}: remove or change it first`]);
  const rest = Object.fromEntries(Object.entries(answers.aliases).filter(([n]) => n !== name));
  const next = checked({ ...answers, aliases: rest }, 'alias remove');
  await targetFor(opts, next);
  // A report address at our domain keeps its alias (to postmaster) when it was this one.
  const stillThere = wantedAliases(next).some(([n]) => n === name);
  const steps: AnyStep[] = [aliasesStep, smtpdStep, servicesStep];
  if (!stillThere) steps.push(refusedStep(`${name}@${next.domain}`));
  return applyChange(opts, io, { editing, next, steps, note: `alias ${name} removed` });
}

async function listAliases(opts: CommonOptions, io: Io): Promise<number> {
  const { answers } = await answersToEdit(opts, 'alias list');
  const own = new Set(Object.keys(answers.aliases ?? {}));
  const aliases = wantedAliases(answers).map(([name, value]) => ({
    name,
    targets: own.has(name) ? answers.aliases![name]! : value.split(',').map((v) => v.trim()),
    keptBy: own.has(name) ? 'answers' : 'mail-wizard',
  }));
  const width = Math.max(...aliases.map((a) => a.name.length));
  return printList(
    io,
    opts.json,
    { domain: answers.domain, aliases },
    aliases.map((a) => `${a.name.padEnd(width)}  ${a.targets.join(', ')}${a.keptBy === 'mail-wizard' ? '  (mail-wizard)' : ''}`),
  );
}
