/** Rspamd: spam scoring and DKIM signing, through local.d overrides. */
import { dirname } from 'node:path';
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
    argv: rspamadmConfigtest(ctx.platform.bin.rspamadm, dirname(ctx.platform.paths.rspamdLocalD)),
    timeoutMs: 60_000,
    pass: 'rspamadm configtest: syntax OK',
    fail: 'Rspamd rejects its configuration',
    fix: `Read the error above; the files mail-wizard writes are in ${ctx.platform.paths.rspamdLocalD}.`,
  }),
  upToDate: 'the local.d files are already as wanted',
});

/** configtest of the tree that holds local.d (the default /etc/rspamd, named so tests can point elsewhere). */
export function rspamadmConfigtest(rspamadm: string, confdir: string): string[] {
  return [rspamadm, `--var=CONFDIR=${confdir}`, `--var=LOCAL_CONFDIR=${confdir}`, 'configtest', '-c', `${confdir}/rspamd.conf`];
}
