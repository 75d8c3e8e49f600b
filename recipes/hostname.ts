/**
 * The host name, now and at boot. smtpd names itself with it (gethostname(), or /etc/mailname on
 * Debian): a box still called "debian" or "openbsd" greets, signs Received headers and qualifies
 * its own local mail with the wrong name.
 */
import * as path from 'node:path';
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { describeFailure } from '../src/host/host.js';
import { planFiles, probeFiles, verifyFiles, type FileState, type ManagedFile } from './lib/managed-files.js';
import { renderHostnameFiles, setHostnameArgv } from './templates/hostname.js';

interface HostnameState {
  files: FileState[];
  /** What `hostname` prints now; null when it could not be read (dry-run on a fresh box). */
  running: string | null;
}

function files(ctx: Context): ManagedFile[] {
  return renderHostnameFiles(ctx.answers, ctx.platform).map((f) => ({ ...f, mode: 0o644, owner: 'root' }));
}

/**
 * smtpd takes its name from the file `mailname` next to smtpd.conf when there is one, before
 * gethostname() (usr.sbin/smtpd/util.c getmailname; smtpd.h MAILNAME_FILE is SMTPD_CONFDIR
 * "/mailname": /etc/mail/mailname on OpenBSD, /etc/mailname in Debian's build).
 */
function smtpdMailname(ctx: Context): string {
  return path.posix.join(path.posix.dirname(ctx.platform.paths.smtpdConf), 'mailname');
}

/** A mailname file we do not write (OpenBSD's) that names another host overrides the host name for smtpd. */
async function foreignMailname(ctx: Context): Promise<Finding | null> {
  const file = smtpdMailname(ctx);
  if (file === ctx.platform.paths.mailname) return null; // ours: checked with the files
  const content = await ctx.host.readFile(file);
  const named = content?.split('\n')[0]?.trim();
  if (content === null || named === ctx.answers.hostname) return null;
  return {
    status: 'warn',
    check: 'hostname.smtpd-mailname',
    summary: `smtpd names itself ${named || '(empty)'} from ${file}, not ${ctx.answers.hostname}`,
    evidence: `${file}: ${named || '(empty)'}`,
    fix: `Remove ${file} (smtpd then uses the host name) or put ${ctx.answers.hostname} in it, then restart smtpd.`,
  };
}

async function runningHostname(ctx: Context): Promise<{ name: string | null; evidence: string }> {
  const result = await ctx.host.run(['hostname'], { timeoutMs: 10_000, readOnly: true });
  if (result.exitCode === 0) return { name: result.stdout.trim(), evidence: `hostname prints ${result.stdout.trim()}` };
  return { name: null, evidence: describeFailure(result) };
}

export const hostnameStep: Step<HostnameState> = {
  id: 'hostname',
  title: 'Host name',
  why: 'smtpd greets, signs Received headers and names its own mail with the host name: it must be the mail host name.',
  async probe(ctx) {
    return { files: await probeFiles(ctx, files(ctx)), running: (await runningHostname(ctx)).name };
  },
  plan(ctx, { files: states, running }) {
    const actions: Action[] = planFiles(states);
    if (running !== ctx.answers.hostname) actions.push({ type: 'run', argv: setHostnameArgv(ctx.answers), timeoutMs: 10_000 });
    return actions.length ? { actions } : { actions, reason: `the host name is ${ctx.answers.hostname}, now and at boot` };
  },
  async verify(ctx) {
    const findings: Finding[] = await verifyFiles(ctx, 'hostname.files', files(ctx));
    const { name, evidence } = await runningHostname(ctx);
    findings.push(
      name === ctx.answers.hostname
        ? { status: 'pass', check: 'hostname.running', summary: `the host name is ${name}` }
        : {
            status: 'fail',
            check: 'hostname.running',
            summary: `the host name is ${name ?? 'unknown'}, not ${ctx.answers.hostname}`,
            evidence,
            fix: `Run \`mail-wizard repair\`, or by hand: ${setHostnameArgv(ctx.answers).join(' ')}`,
          },
    );
    const mailname = await foreignMailname(ctx);
    if (mailname) findings.push(mailname);
    return findings;
  },
};
