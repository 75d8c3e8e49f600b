/** OpenSMTPD's smtpd.conf, and the senders and recipients tables it reads (made from the users and the aliases). */
import type { Context } from '../src/engine/types.js';
import { configStep } from './lib/config-step.js';
import { renderAliases } from './templates/aliases.js';
import { renderRecipients } from './templates/recipients.js';
import { renderSenders } from './templates/senders.js';
import { renderSmtpdConf } from './templates/smtpd.js';

/** The aliases as the aliases step leaves them (rendered from the disk, so dry-run sees them too). */
async function aliasesAfterSetup(ctx: Context): Promise<string> {
  return renderAliases(await ctx.host.readFile(ctx.platform.paths.aliases), ctx.answers);
}

export const smtpdStep = configStep({
  id: 'smtpd',
  title: 'OpenSMTPD (smtpd.conf)',
  why: 'Receives mail for your domain, hands it to Dovecot, and relays only for logged-in users.',
  needs: ['packages', 'tls', 'aliases'],
  files: async (ctx) => [
    { path: ctx.platform.paths.smtpdConf, content: renderSmtpdConf(ctx), mode: 0o644, owner: 'root' },
    { path: ctx.platform.paths.senders, content: renderSenders(ctx.answers, await aliasesAfterSetup(ctx), ctx.platform.paths.senders), mode: 0o644, owner: 'root' },
    { path: ctx.platform.paths.recipients, content: renderRecipients(ctx.answers, await aliasesAfterSetup(ctx), ctx.platform.paths.recipients), mode: 0o644, owner: 'root' },
  ],
  toolCheck: (ctx) => ({
    check: 'smtpd.config',
    argv: [ctx.platform.bin.smtpd, '-n', '-f', ctx.platform.paths.smtpdConf],
    pass: 'smtpd -n: configuration OK',
    fail: 'smtpd rejects smtpd.conf',
    fix: `Read the line smtpd names in ${ctx.platform.paths.smtpdConf}; \`mail-wizard repair\` writes the file again.`,
  }),
  upToDate: 'smtpd.conf and the senders and recipients tables are already as wanted',
});
