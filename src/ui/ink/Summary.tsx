/**
 * The end of a run: what changed, where the backups are, what was skipped, and what to do next
 * (the records, a test mail, mail client settings); after a quit, how to resume.
 */
import type { RunSummary } from '../../engine/events.js';
import { dnsRecordLines, manualGroups } from './DnsRecords.js';
import { findingLines } from './FailureMenu.js';
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import type { RunState, StepView } from './store.js';
import { plural } from './text.js';
import { verifyLines } from './VerifyTable.js';

/** From the answers: lets the summary name the server and a user (all optional). */
export interface NextInfo {
  domain: string;
  hostname: string;
  users: readonly string[];
}

const titles = (steps: readonly StepView[]) => steps.map((s) => s.info.title).join(', ');

function headline(summary: RunSummary, state: RunState): Line {
  const ok = summary.results.filter((r) => r.status === 'ok').length;
  if (summary.mode === 'dry-run') {
    const planned = summary.results.filter((r) => r.status === 'planned').length;
    return { label: '◆ ', labelTone: 'accent', text: `Dry-run: ${planned} of ${plural(summary.results.length, 'step')} would change something; nothing was changed.`, bold: true, wrap: true };
  }
  if (summary.stopped) {
    const at = summary.results.find((r) => r.status === 'failed');
    const where = at ? `at ${at.title}` : `after ${summary.results.at(-1)?.title ?? 'the first step'}`;
    return { label: '✖ ', labelTone: 'fail', text: `Stopped ${where}: you chose to quit.`, bold: true, wrap: true };
  }
  const what = state.mode === 'repair' ? 'Repair' : 'Setup';
  const counts = `${summary.changed} changed, ${ok} already as wanted, ${summary.skipped} skipped, ${summary.failed} failed`;
  const tone = summary.failed ? 'fail' : summary.skipped ? 'warn' : 'ok';
  return { label: summary.failed ? '✖ ' : summary.skipped ? '! ' : '✔ ', labelTone: tone, text: `${what} finished: ${counts}.`, bold: true, wrap: true };
}

function nextLines(summary: RunSummary, next: NextInfo | undefined, hasRecords: boolean, final: boolean): Line[] {
  const host = next?.hostname ?? "this server's host name";
  const user = next?.users[0];
  const to = next && user ? `${user}@${next.domain}` : 'you@your-domain';
  const item = (n: number, label: string, text: string): Line => ({ indent: 2, label: `${n}. ${label}`, text, wrap: true });
  if (summary.mode === 'dry-run') {
    const items = [
      ...(final ? [] : ['↑↓ shows each step: its commands and the diff of every file.']),
      'To apply it: mail-wizard setup (asks before it replaces a file or restarts a service).',
      'Every command and file of the plan: mail-wizard plan --plain (or --format sh, a shell script)',
      ...(hasRecords ? ['After setup, by hand: the "you:" items below.'] : []),
    ];
    return [{ text: 'Next', bold: true }, ...items.map((text, i) => item(i + 1, '', text))];
  }
  const out: Line[] = [{ text: 'Next', bold: true }];
  let n = 1;
  if (hasRecords) out.push(item(n++, 'By hand: ', 'the "you:" items below. The DNS records again: mail-wizard records; check them: mail-wizard check dns'));
  out.push({ ...item(n++, 'Test mail: ', `printf 'Subject: test\\n\\nhello\\n' | sendmail ${to}`), copy: true });
  out.push(item(n++, 'Mail client: ', `IMAP ${host} port 993 (TLS); SMTP ${host} port 465 (TLS) or 587 (STARTTLS); user name${user ? ` ${user}` : ''} and its password`));
  if (summary.skipped) out.push(item(n++, 'Skipped: ', 'fix what they need, then run mail-wizard repair'));
  return out;
}

/** `final`: for the report left after the TUI closes, where keys no longer work. */
export function summaryLines(state: RunState, next?: NextInfo, final = false): Line[] {
  const summary = state.summary;
  if (!summary) return [];
  const byStatus = (status: StepView['status']) => state.steps.filter((s) => s.status === status);
  const out: Line[] = [headline(summary, state)];
  if (state.verified) out.push(...verifyLines(state.verified), { text: '' });
  const changed = byStatus('changed');
  if (changed.length) out.push({ label: 'Changed   ', labelTone: 'changed', text: titles(changed), wrap: true });
  for (const s of byStatus('skipped')) out.push({ label: 'Skipped   ', labelTone: 'warn', text: `${s.info.title}: ${s.note ?? 'skipped'}`, wrap: true });
  for (const s of byStatus('failed')) {
    out.push({ label: 'Failed    ', labelTone: 'fail', text: s.info.title, wrap: true });
    // The failure menu is gone once the TUI closes: keep what was seen and the fix in view.
    out.push(...s.findings.filter((f) => f.status === 'fail').flatMap((f) => findingLines(f, 10)));
  }
  summary.backups.forEach((b, i) => out.push({ label: i === 0 ? 'Backups   ' : '          ', labelTone: 'muted', text: b, wrap: true }));
  out.push({ text: '' });
  if (summary.stopped && summary.mode !== 'dry-run') {
    out.push(
      { text: 'Nothing is half-done: every step before it was applied and verified, files are replaced whole and the old ones kept (Backups).', wrap: true },
      { label: 'To continue: ', labelTone: 'accent', text: `fix the cause${final ? '' : ' (d at the failure shows it)'}, then run`, wrap: true },
      { indent: 2, text: 'mail-wizard repair', bold: true, copy: true },
      { text: 'It verifies every step and fixes only what fails.', tone: 'muted', wrap: true },
    );
    return out;
  }
  const groups = state.steps.flatMap((s) => manualGroups(s.actions.map((a) => a.planned)));
  out.push(...nextLines(summary, next, groups.length > 0, final));
  if (groups.length) out.push({ text: '' }, ...dnsRecordLines({ groups }));
  return out;
}

export function Summary({ state, next, width, height, offset }: { state: RunState; next?: NextInfo; width: number; height?: number; offset?: number }) {
  return <Lines lines={summaryLines(state, next)} width={width} height={height} offset={offset} />;
}
