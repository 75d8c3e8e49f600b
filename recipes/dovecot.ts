/** Dovecot: IMAP, LMTP and the spam-learning sieve scripts. */
import type { Context } from '../src/engine/types.js';
import { configStep } from './lib/config-step.js';
import { renderDovecotConf, renderSieveFiles } from './templates/dovecot.js';

/** Reads `dovecot --version` into the facts: the config grammar depends on it. */
async function detectDovecotVersion(ctx: Context): Promise<void> {
  const result = await ctx.host.run(['dovecot', '--version'], { timeoutMs: 10_000, readOnly: true });
  const version = /^\d+\.\d+[^\s]*/.exec(result.stdout.trim())?.[0];
  if (result.exitCode === 0 && version) ctx.facts.dovecotVersion = version;
}

export const dovecotStep = configStep({
  id: 'dovecot',
  title: 'Dovecot (IMAP, LMTP, spam learning)',
  why: 'Stores mail in ~/Maildir, serves it over IMAP with TLS, and teaches Rspamd from the Junk folder.',
  needs: ['packages', 'tls'],
  beforeRender: detectDovecotVersion,
  files: (ctx) => [
    { path: ctx.platform.paths.dovecotConf, content: renderDovecotConf(ctx), mode: 0o644, owner: 'root' },
    ...renderSieveFiles(ctx).map((f) => ({ path: `${ctx.platform.paths.sieveDir}/${f.name}`, content: f.content, mode: f.mode, owner: 'root' })),
  ],
  // Sieve scripts run precompiled; compile them whenever they are (re)written.
  after: (ctx, changed) =>
    changed
      .filter((p) => p.endsWith('.sieve'))
      .map((p) => ({ type: 'run' as const, argv: [ctx.platform.bin.sievec, '-c', ctx.platform.paths.dovecotConf, p], timeoutMs: 30_000 })),
  toolCheck: (ctx) => ({
    check: 'dovecot.config',
    argv: [ctx.platform.bin.doveconf, '-n', '-c', ctx.platform.paths.dovecotConf],
    pass: 'doveconf -n: configuration OK',
    fail: 'Dovecot rejects dovecot.conf',
    fix: `Read the line doveconf names in ${ctx.platform.paths.dovecotConf}; \`mail-wizard repair\` writes the file again.`,
  }),
  upToDate: 'dovecot.conf and the sieve scripts are already as wanted',
});
