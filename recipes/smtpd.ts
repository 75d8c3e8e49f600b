/** OpenSMTPD's smtpd.conf. */
import { configStep } from './lib/config-step.js';
import { renderSmtpdConf } from './templates/smtpd.js';

export const smtpdStep = configStep({
  id: 'smtpd',
  title: 'OpenSMTPD (smtpd.conf)',
  why: 'Receives mail for your domain, hands it to Dovecot, and relays only for logged-in users.',
  needs: ['packages', 'tls', 'aliases'],
  files: (ctx) => [
    { path: ctx.platform.paths.smtpdConf, content: renderSmtpdConf(ctx), mode: 0o644, owner: 'root' },
  ],
  toolCheck: (ctx) => ({
    check: 'smtpd.config',
    argv: [ctx.platform.bin.smtpd, '-n', '-f', ctx.platform.paths.smtpdConf],
    pass: 'smtpd -n: configuration OK',
    fail: 'smtpd rejects smtpd.conf',
    fix: `Read the line smtpd names in ${ctx.platform.paths.smtpdConf}; \`mail-wizard repair\` writes the file again.`,
  }),
  upToDate: 'smtpd.conf is already as wanted',
});
