/** Dovecot: IMAP, LMTP and the spam-learning sieve scripts (and the group that may use them). */
import type { Context, Finding, Step } from '../src/engine/types.js';
import { configStep } from './lib/config-step.js';
import type { FileState } from './lib/managed-files.js';
import { renderDovecotConf, renderSieveFiles } from './templates/dovecot.js';

/** Reads `dovecot --version` into the facts: the config grammar depends on it. */
async function detectDovecotVersion(ctx: Context): Promise<void> {
  const result = await ctx.host.run(['dovecot', '--version'], { timeoutMs: 10_000, readOnly: true });
  const version = /^\d+\.\d+[^\s]*/.exec(result.stdout.trim())?.[0];
  if (result.exitCode === 0 && version) ctx.facts.dovecotVersion = version;
}

const dovecotFiles = configStep({
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

interface DovecotProbe {
  files: FileState[];
  learnGroup: boolean;
}

/**
 * The config files, plus the group that Dovecot's mail processes get (mail_access_groups) to reach
 * the learn services: Dovecot refuses to start when it is missing, so it is made first.
 */
export const dovecotStep: Step<DovecotProbe> = {
  id: dovecotFiles.id,
  title: dovecotFiles.title,
  why: dovecotFiles.why,
  needs: dovecotFiles.needs!,
  async probe(ctx) {
    return { files: await dovecotFiles.probe(ctx), learnGroup: (await ctx.host.groupId(ctx.platform.users.learn)) !== null };
  },
  plan(ctx, probed) {
    const files = dovecotFiles.plan(ctx, probed.files);
    if (probed.learnGroup) return files;
    return { actions: [{ type: 'run', argv: ctx.platform.addGroup(ctx.platform.users.learn), timeoutMs: 30_000 }, ...files.actions] };
  },
  async verify(ctx) {
    const group = ctx.platform.users.learn;
    const findings: Finding[] = [];
    if ((await ctx.host.groupId(group)) === null) {
      findings.push({ status: 'fail', check: 'dovecot.learn-group', summary: `no group ${group}: Dovecot's mail processes need it (mail_access_groups)`, fix: ctx.platform.addGroup(group).join(' ') });
    }
    return [...findings, ...(await dovecotFiles.verify(ctx))];
  },
};
