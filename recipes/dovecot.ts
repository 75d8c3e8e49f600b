/** Dovecot: IMAP, LMTP and the spam-learning sieve scripts (and the group that may use them). */
import * as path from 'node:path';
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { configStep } from './lib/config-step.js';
import type { FileState } from './lib/managed-files.js';
import { PIPE_SOCKET_DIR, renderDovecotConf, renderSieveFiles, usesDovecot24 } from './templates/dovecot.js';

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
  /** The learn services' socket directory exists, or Dovecot makes it itself (2.4). */
  pipeDir: boolean;
}

/**
 * Dovecot 2.3 does not make a unix_listener's directory under base_dir (2.4 does:
 * src/master/master-settings.c mkdir_listener_subdirs), and its master refuses to start when a
 * listener cannot bind: "bind(.../sieve-pipe/learn-spam) failed: No such file or directory".
 * OpenBSD ships 2.3, whose base_dir (/var/dovecot) persists, so setup makes it, as 2.4 would:
 * 0750, the listeners' group. null where Dovecot makes it.
 */
export function pipeSocketDir(ctx: Pick<Context, 'platform' | 'facts'>): { path: string; mode: number; owner: string; group: string } | null {
  if (usesDovecot24(ctx.facts.dovecotVersion ?? ctx.platform.defaultDovecotVersion)) return null;
  const baseDir = path.posix.dirname(ctx.platform.paths.lmtpSocket);
  return { path: `${baseDir}/${PIPE_SOCKET_DIR}`, mode: 0o750, owner: 'root', group: ctx.platform.users.learn };
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
    const files = await dovecotFiles.probe(ctx); // reads the version first
    const dir = pipeSocketDir(ctx);
    return {
      files,
      learnGroup: (await ctx.host.groupId(ctx.platform.users.learn)) !== null,
      pipeDir: dir === null || (await ctx.host.stat(dir.path)) !== null,
    };
  },
  plan(ctx, probed) {
    const files = dovecotFiles.plan(ctx, probed.files);
    const before: Action[] = [];
    if (!probed.learnGroup) before.push({ type: 'run', argv: ctx.platform.addGroup(ctx.platform.users.learn), timeoutMs: 30_000 });
    const dir = pipeSocketDir(ctx);
    if (!probed.pipeDir && dir) before.push({ type: 'mkdir', ...dir });
    return before.length ? { actions: [...before, ...files.actions] } : files;
  },
  async verify(ctx) {
    const group = ctx.platform.users.learn;
    const findings: Finding[] = [];
    if ((await ctx.host.groupId(group)) === null) {
      findings.push({ status: 'fail', check: 'dovecot.learn-group', summary: `no group ${group}: Dovecot's mail processes need it (mail_access_groups)`, fix: ctx.platform.addGroup(group).join(' ') });
    }
    const files = await dovecotFiles.verify(ctx); // reads the version first
    const dir = pipeSocketDir(ctx);
    if (dir && (await ctx.host.stat(dir.path)) === null) {
      findings.push({
        status: 'fail',
        check: 'dovecot.pipe-dir',
        summary: `no ${dir.path}: Dovecot ${ctx.facts.dovecotVersion ?? ctx.platform.defaultDovecotVersion} will not start without the learn services' socket directory`,
        fix: 'Run `mail-wizard repair`: it makes the directory.',
      });
    }
    return [...findings, ...files];
  },
};
