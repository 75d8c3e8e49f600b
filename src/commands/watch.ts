/**
 * `watch enable | disable | run`: a daily report of what changed.
 *
 * `run` takes every check's findings (src/watch/sources.ts), compares them with the last run's
 * (kept in the stateDir), and mails postmaster@ only when something changed: what is new (with
 * its fix), what changed, what got fixed. The first run sends the whole picture; a certificate
 * that expires within 14 days is always reported. The mail goes through this box's own smtpd
 * (sendmail), so rspamd signs it like any other mail from here. `enable` installs the daily job
 * that runs it (src/watch/job.ts), `disable` removes it.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { tlsPaths } from '../../recipes/templates/input.js';
import { InputError } from '../answers/load.js';
import type { Finding } from '../engine/types.js';
import { disableJob, enableJob, jobKind } from '../watch/job.js';
import { expiringCertificates } from '../watch/expiry.js';
import { reportMessage, reportSubject, reportText, worthSending } from '../watch/report.js';
import { collect, diff, type Results } from '../watch/results.js';
import { SOURCES } from '../watch/sources.js';
import { flushOutbox, loadLast, queueReport, saveLast } from '../watch/store.js';
import type { Answers } from '../answers/schema.js';
import { acquireLock, LockedError } from '../engine/lock.js';
import { lockPath, resolveAnswers, resolveTarget, type CommonOptions, type Target } from './options.js';
import type { Io } from './run.js';

async function load(opts: CommonOptions, io: Io) {
  if (opts.demo && !opts.root) throw new InputError(['watch: --demo has no server to watch; give --answers FILE']);
  const answers = await resolveAnswers(opts, io.interactive);
  return { answers, target: await resolveTarget(opts, 'check', answers) };
}

/** The command the daily job runs: this very program, with the options that pick the answers and DNS servers. */
export function jobArgv(opts: CommonOptions, argv1 = process.argv[1] ?? 'mail-wizard'): string[] {
  const out = [process.execPath, path.resolve(argv1), 'watch', 'run'];
  if (opts.answers) out.push('--answers', path.resolve(opts.answers));
  if (opts.platform) out.push('--platform', opts.platform);
  for (const ns of opts.nameserver) out.push('--nameserver', ns);
  return out;
}

export async function watchEnable(opts: CommonOptions, io: Io): Promise<number> {
  const { answers, target } = await load(opts, io);
  const where = await enableJob(target.host, jobKind(target.platform, target.facts), jobArgv(opts));
  io.out(`watch: enabled in ${where}.`);
  io.out(`It mails postmaster@${answers.domain} when a check changes; \`mail-wizard watch run\` runs it now.`);
  return 0;
}

export async function watchDisable(opts: CommonOptions, io: Io): Promise<number> {
  const { target } = await load(opts, io);
  const removed = await disableJob(target.host, jobKind(target.platform, target.facts));
  io.out(removed ? 'watch: the daily job is removed.' : 'watch: no daily job was installed; nothing to remove.');
  return 0;
}

/** Every source's findings, grouped by check; a source that breaks is itself a failing check. */
export async function gather(answers: Answers, target: Target, nameservers: string[]): Promise<Results> {
  const results: Results = {};
  for (const source of SOURCES) {
    let findings: Finding[];
    try {
      findings = await source.run({ answers, target, nameservers });
    } catch (err) {
      findings = [{ status: 'fail', check: 'error', summary: `\`${source.command}\` did not finish: ${err instanceof Error ? err.message : String(err)}` }];
    }
    collect(source.id, findings, results);
  }
  return results;
}

export async function watchRun(opts: CommonOptions, io: Io): Promise<number> {
  const { answers, target } = await load(opts, io);
  // A setup or repair in progress would show as failures that are gone in a minute: not a report.
  let release: () => Promise<void>;
  try {
    release = await acquireLock(lockPath(opts));
  } catch (err) {
    if (!(err instanceof LockedError)) throw err;
    io.out(`watch: another mail-wizard run is changing this server (${err.message}); no report this time.`);
    return 1;
  }
  try {
    return await watchRunLocked(opts, io, answers, target);
  } finally {
    await release();
  }
}

async function watchRunLocked(opts: CommonOptions, io: Io, answers: Answers, target: Target): Promise<number> {
  const { host, platform } = target;
  const stateDir = platform.paths.stateDir;
  const at = new Date();
  const now = await gather(answers, target, opts.nameserver);
  const before = await loadLast(host, stateDir);
  const changes = diff(before, now);
  const input = { answers, changes, now, first: before === null, expiring: await expiringCertificates(host, [tlsPaths(target).cert], at), at };

  let queued: string | null = null;
  if (worthSending(input)) {
    // Queued before the results are saved: a run that dies in between reports again, never loses a change.
    const id = `${at.toISOString().replace(/[:.]/g, '')}-${randomBytes(4).toString('hex')}`;
    queued = await queueReport(host, stateDir, `report-${id}`, reportMessage(input, `watch-${id}`));
  }
  await saveLast(host, stateDir, now, at);
  const flushed = await flushOutbox(host, stateDir, platform.bin.sendmail, `postmaster@${answers.domain}`);

  const failing = Object.values(now).filter((r) => r.status !== 'pass').length;
  if (opts.json) {
    io.out(JSON.stringify({ first: input.first, changes, expiring: input.expiring, queued, sent: flushed.sent, kept: flushed.kept }));
  } else {
    io.out(`watch: ${Object.keys(now).length} checks, ${failing} not passing; ${queued ? reportSubject(input) : 'nothing changed since the last run: no report'}.`);
    for (const r of changes.appeared) for (const p of r.problems) io.out(`  new: [${r.key}] ${p.summary}`);
    for (const r of changes.fixed) io.out(`  fixed: [${r.key}]`);
    for (const f of flushed.sent) io.out(`  sent to postmaster@${answers.domain}: ${f}`);
    for (const k of flushed.kept) io.out(`  NOT SENT, kept for the next run: ${k.file} (${k.why})`);
    if (flushed.kept.length) {
      io.out('  smtpd did not take it (it takes no mail at all while its rspamd filter is down); the next `mail-wizard watch run` sends it.');
      // Meanwhile it is on record where the job's output goes (OpenBSD: /var/log/daily.out; systemd: the journal).
      if (queued) for (const line of ['', ...reportText(input).split('\n')]) io.out(line);
    }
  }
  return flushed.kept.length ? 1 : 0;
}
