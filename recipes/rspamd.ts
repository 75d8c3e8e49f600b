/** Rspamd: spam scoring and DKIM signing, through local.d overrides. */
import { configStep } from './lib/config-step.js';
import { renderRspamdLocalD } from './templates/rspamd.js';

export const rspamdStep = configStep({
  id: 'rspamd',
  title: 'Rspamd (spam filter, DKIM signing)',
  why: 'Scores incoming mail and signs outgoing mail, so that receivers can check it came from you.',
  needs: ['packages'],
  files: (ctx) => renderRspamdLocalD(ctx).map((f) => ({ ...f, mode: 0o644, owner: 'root' })),
  toolCheck: (ctx) => ({
    check: 'rspamd.config',
    argv: [ctx.platform.bin.rspamadm, 'configtest'],
    timeoutMs: 60_000,
    pass: 'rspamadm configtest: syntax OK',
    fail: 'Rspamd rejects its configuration',
    fix: `Read the error above; the files mail-wizard writes are in ${ctx.platform.paths.rspamdLocalD}.`,
  }),
  upToDate: 'the local.d files are already as wanted',
});
