/**
 * The plain renderer: one line per event, no escape codes. Used for pipes, CI and --plain; with
 * `diffs` (dry-run) it prints every file it would write as a diff against the disk.
 */
import type { Listener, RunnerEvent, StepStatus } from '../../engine/events.js';
import type { Finding } from '../../engine/types.js';

const MARK: Record<Finding['status'], string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL' };
const STATUS: Record<StepStatus, string> = { planned: 'planned', ok: 'ok', changed: 'changed', skipped: 'skipped', failed: 'FAILED' };

export interface PlainOptions {
  write: (line: string) => void;
  /** Print unified diffs of planned file writes (dry-run). */
  diffs: boolean;
}

export function formatFinding(f: Finding, indent = '    '): string[] {
  const lines = [`${indent}${MARK[f.status]} [${f.check}] ${f.summary}`];
  if (f.evidence && f.status !== 'pass') lines.push(`${indent}     seen: ${f.evidence}`);
  if (f.cause && f.status !== 'pass') lines.push(`${indent}     cause: ${f.cause}`);
  if (f.fix && f.status !== 'pass') lines.push(`${indent}     fix:  ${f.fix}`);
  return lines;
}

export function plainRenderer(options: PlainOptions): Listener {
  const { write } = options;
  let total = 0;
  const order = new Map<string, number>();
  const started = new Set<string>();
  const reasons = new Map<string, string>();
  const heading = (step: { id: string; title: string }) => `== [${order.get(step.id) ?? '?'}/${total}] ${step.title}`;
  return (event: RunnerEvent) => {
    switch (event.type) {
      case 'run-start':
        total = event.steps.length;
        event.steps.forEach((s, i) => order.set(s.id, i + 1));
        write(`mail-wizard ${event.mode} on ${event.platform}: ${total} steps`);
        break;
      case 'verify-all':
        write('verifying every step first:');
        for (const { step, findings } of event.results) {
          const failed = findings.some((f) => f.status === 'fail');
          write(`  ${failed ? 'FAIL' : 'ok  '} ${step.title}`);
          for (const f of findings.filter((x) => x.status !== 'pass')) for (const l of formatFinding(f)) write(l);
        }
        break;
      case 'step-start':
        started.add(event.step.id);
        write('');
        write(heading(event.step));
        write(`   ${event.step.why}`);
        break;
      case 'step-planned':
        if (event.actions.length === 0) {
          write(`   nothing to do: ${event.reason ?? 'already as wanted'}`);
          if (event.reason) reasons.set(event.step.id, event.reason);
        }
        for (const planned of event.actions) {
          write(`   + ${planned.describe}`);
          if (planned.action.type === 'manual') for (const l of planned.action.lines) write(`       ${l}`);
          // A hand edit about to be replaced is always shown: what the admin loses is never silent.
          const showDiff = options.diffs || planned.handEdited || (planned.action.type === 'writeFile' && planned.action.showDiff === true);
          if (showDiff && planned.diff) for (const l of planned.diff.trimEnd().split('\n').slice(2)) write(`     ${l}`);
        }
        break;
      case 'action-start':
        write(`   > ${event.describe}`);
        break;
      case 'action-done':
        if (!event.ok) write(`   ! failed: ${event.detail ?? 'unknown error'}`);
        if (event.backup) write(`     (previous file kept at ${event.backup})`);
        break;
      case 'step-verified':
        for (const f of event.findings) for (const l of formatFinding(f, '   ')) write(l);
        break;
      case 'step-done':
        if (!started.has(event.step.id)) {
          write('');
          write(heading(event.step));
        }
        if (event.status === 'planned') break;
        // The reason was already printed with the plan: do not say it twice.
        const note = event.note && event.note !== reasons.get(event.step.id) ? ` (${event.note})` : '';
        write(`   -> ${STATUS[event.status]}${note}`);
        break;
      case 'run-done': {
        const s = event.summary;
        write('');
        if (s.mode === 'dry-run') {
          const planned = s.results.filter((r) => r.status === 'planned').length;
          write(`dry-run: ${planned} steps would change something; nothing was changed.`);
          break;
        }
        write(`${s.mode}: ${s.changed} changed, ${s.failed} failed, ${s.skipped} skipped${s.stopped ? ' (stopped at a failure)' : ''}.`);
        for (const b of s.backups) write(`  backup: ${b}`);
        if (s.failed > 0 || s.stopped) write('Fix what is named above, then run `mail-wizard repair` to continue.');
        break;
      }
      case 'action-output':
        break;
    }
  };
}
