/**
 * smtpd refused a recipient of the test message ("550 Invalid recipient: <postmaster@example.org>"
 * from sendmail): it knows no alias and no account for the address. That is the cause, not DNS and
 * not a stopped daemon (sendmail reached smtpd and got its answer). Probed: the aliases file is read
 * for the alias the wizard writes, and the account is looked up, so the fix names what is missing.
 */
import { parseAliasLine, wantedAliases } from '../../recipes/templates/aliases.js';
import type { Cause, CauseEntry } from './types.js';

const REFUSED = /\b550\b[^\n]*invalid recipient[^\n]*<([^@>\s]+)@([^>\s]+)>/i;

export const recipientRefused: CauseEntry = {
  id: 'recipient-refused',
  matches: (f, text) => f.check === 'mail-test.send' && REFUSED.test(text),
  async probe(ctx, _f, text): Promise<Cause | null> {
    const [, local = '', domain = ''] = REFUSED.exec(text) ?? [];
    const name = local.toLowerCase();
    const aliases = ctx.platform.paths.aliases;
    const alias = wantedAliases(ctx.answers).find(([n]) => n === name);
    if (alias) {
      const present = ((await ctx.host.readFile(aliases)) ?? '').split('\n').some((l) => parseAliasLine(l)?.name === name);
      if (!present) {
        return {
          id: 'recipient-refused',
          cause: `smtpd knows no ${name}@${domain}: ${aliases} has no alias for ${name} (edited by hand?).`,
          fix: `Put the line "${alias[0]}: ${alias[1]}" back in ${aliases}, then run \`mail-wizard repair\` (it restarts smtpd onto the file).`,
        };
      }
      return { id: 'recipient-refused', cause: `smtpd knows no ${name}@${domain}: it read ${aliases} before the alias was there.`, fix: 'Run `mail-wizard repair`: it restarts smtpd onto the file.' };
    }
    if (!(await ctx.host.user(name))) {
      return { id: 'recipient-refused', cause: `smtpd knows no ${name}@${domain}: there is no account ${name}.`, fix: 'Run `mail-wizard repair`: the users step creates the account.' };
    }
    return null;
  },
};
