/**
 * What `watch run` keeps in the platform's stateDir (/var/db/mail-wizard on OpenBSD,
 * /var/lib/mail-wizard on Debian), each file written atomically through the Host:
 *
 *   watch.json    the last run's results, which the next run is compared with
 *   outbox/*.eml  reports not handed to smtpd yet
 *
 * Why an outbox: smtpd accepts no message while a filter of its listener is down. With rspamd
 * stopped, filter-rspamd answers every message's commit with "421 server internal error"
 * (filter-rspamd.go: rspamdQuery → rspamdTempFail → dataCommit), so sendmail(8) — smtpctl's
 * enqueue — fails at the end of DATA, saves the message to the caller's ~/dead.letter and exits
 * EX_SOFTWARE (usr.sbin/smtpd/enqueue.c: `goto fail` → savedeadletter). Nothing is queued. So a
 * report is written to the outbox before it is sent, and leaves it only when sendmail exits 0;
 * every `watch run` sends what is still there, signed by rspamd once it is back.
 */
import type { Host } from '../host/host.js';
import type { Results } from './results.js';

const VERSION = 1;

export const lastFile = (stateDir: string): string => `${stateDir}/watch.json`;
export const outboxDir = (stateDir: string): string => `${stateDir}/outbox`;

export async function loadLast(host: Host, stateDir: string): Promise<Results | null> {
  const text = await host.readFile(lastFile(stateDir));
  if (text === null) return null;
  try {
    const data = JSON.parse(text) as { version?: number; results?: Results };
    return data.version === VERSION && data.results && typeof data.results === 'object' ? data.results : null;
  } catch {
    return null; // unreadable: this run is a first run (the whole report)
  }
}

export async function saveLast(host: Host, stateDir: string, results: Results, at: Date): Promise<void> {
  await host.mkdir(stateDir, { mode: 0o700, owner: 'root' });
  await host.writeFile(lastFile(stateDir), `${JSON.stringify({ version: VERSION, at: at.toISOString(), results }, null, 2)}\n`, { mode: 0o600 }, { backup: false });
}

export async function queueReport(host: Host, stateDir: string, name: string, message: string): Promise<string> {
  await host.mkdir(stateDir, { mode: 0o700, owner: 'root' });
  await host.mkdir(outboxDir(stateDir), { mode: 0o700, owner: 'root' });
  const file = `${outboxDir(stateDir)}/${name}.eml`;
  await host.writeFile(file, message, { mode: 0o600 }, { backup: false });
  return file;
}

export interface Flushed {
  sent: string[];
  kept: { file: string; why: string }[];
}

/** Hands every queued report to sendmail(8), oldest first; a report leaves the outbox only once smtpd took it. */
export async function flushOutbox(host: Host, stateDir: string, sendmail: string, recipient: string): Promise<Flushed> {
  const out: Flushed = { sent: [], kept: [] };
  const names = ((await host.listDir(outboxDir(stateDir))) ?? []).filter((n) => n.endsWith('.eml')).sort();
  for (const name of names) {
    const file = `${outboxDir(stateDir)}/${name}`;
    const message = await host.readFile(file);
    if (message === null) continue;
    const r = await host.run([sendmail, '-f', recipient, recipient], { input: message, timeoutMs: 120_000 });
    if (r.exitCode === 0) {
      const rm = await host.run(['rm', '-f', file], { timeoutMs: 30_000 });
      if (rm.exitCode !== 0) out.kept.push({ file, why: `sent, but cannot be removed from the outbox: ${rm.stderr.trim()}` });
      else out.sent.push(file);
    } else {
      const why = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}`;
      out.kept.push({ file, why: `${sendmail} exit ${r.timedOut ? 'timeout' : r.exitCode}: ${why}` });
    }
  }
  return out;
}
