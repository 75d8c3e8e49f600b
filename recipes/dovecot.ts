/** Dovecot: IMAP, LMTP and the spam-learning sieve scripts (and the group that may use them). */
import * as path from 'node:path';
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { configStep } from './lib/config-step.js';
import type { FileState } from './lib/managed-files.js';
import { dovecotGrammar, PIPE_SOCKET_DIR, renderDovecotConf, renderedForDovecot, renderSieveFiles, usesDovecot24 } from './templates/dovecot.js';

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

/**
 * A dovecot.conf written for another grammar than the installed Dovecot reads: `pkg_add -u`,
 * sysupgrade or a Debian release upgrade took Dovecot from 2.3 to 2.4 (or a box went back), and
 * Dovecot refuses the file ("doveconf: Fatal: ... dovecot_config_version"), so IMAP and LMTP stop.
 * Judged from the file's header (the version it was rendered for) and `dovecot --version`; null
 * when either is unknown or both read the same grammar.
 */
export function grammarChange(ctx: Pick<Context, 'facts'>, current: string | null): { from: string; to: string } | null {
  const installed = ctx.facts.dovecotVersion;
  const rendered = current === null ? null : renderedForDovecot(current);
  if (installed === undefined || rendered === null || dovecotGrammar(rendered) === dovecotGrammar(installed)) return null;
  return { from: rendered, to: installed };
}

function upgradeFinding(ctx: Context, change: { from: string; to: string }): Finding {
  const conf = ctx.platform.paths.dovecotConf;
  const grammar = dovecotGrammar(change.to);
  return {
    status: 'fail',
    check: 'dovecot.upgrade',
    summary: `${conf} was written for Dovecot ${change.from}, but Dovecot ${change.to} is installed: it reads the ${grammar} grammar and refuses this file`,
    evidence: `the file's header names Dovecot ${change.from}; dovecot --version says ${change.to}`,
    fix: `Run \`mail-wizard repair\`: it writes ${conf} again in the ${grammar} grammar (the old file is backed up), shows the difference and checks it with doveconf -n.`,
  };
}

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
    const conf = ctx.platform.paths.dovecotConf;
    const planned = dovecotFiles.plan(ctx, probed.files);
    // Rewritten for a new grammar: the admin sees how, even outside a dry-run.
    const upgrade = grammarChange(ctx, probed.files.find((f) => f.file.path === conf)?.current ?? null);
    const files = upgrade ? { ...planned, actions: planned.actions.map((a) => (a.type === 'writeFile' && a.path === conf ? { ...a, showDiff: true } : a)) } : planned;
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
    let files = await dovecotFiles.verify(ctx); // reads the version first
    const conf = ctx.platform.paths.dovecotConf;
    const upgrade = grammarChange(ctx, await ctx.host.readFile(conf));
    if (upgrade) {
      // Said once, with its cause, instead of "out of date".
      findings.push(upgradeFinding(ctx, upgrade));
      files = files.filter((f) => !(f.check === 'dovecot.files' && f.status === 'fail' && f.summary.startsWith(`${conf} `)));
    }
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
