/** The aliases table (postmaster, abuse, root → the postmaster). smtpd reads file: tables directly. */
import type { Context } from '../src/engine/types.js';
import { configStep } from './lib/config-step.js';
import { renderAliases } from './templates/aliases.js';

export const aliasesStep = configStep({
  id: 'aliases',
  title: 'Aliases (postmaster, abuse, root)',
  why: 'postmaster@ and abuse@ must reach a person; root\'s mail too.',
  needs: ['packages'],
  files: async (ctx: Context) => {
    const path = ctx.platform.paths.aliases;
    return [{ path, content: renderAliases(await ctx.host.readFile(path), ctx.answers), mode: 0o644, owner: 'root', shared: true }];
  },
  upToDate: 'the aliases are already set',
});
