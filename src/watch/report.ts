/**
 * The daily report: what is new, what changed, what got fixed (with the fix for each new problem),
 * certificates close to expiry, and the whole picture on the first run. Plain text, one message.
 * Findings never carry secrets (they go to logs and events too); a private key block is cut out
 * all the same, should a tool's output ever hold one.
 */
import type { Answers } from '../answers/schema.js';
import type { Changes, CheckResult, Results } from './results.js';

export interface Expiry {
  path: string;
  subject: string;
  /** ISO date. */
  notAfter: string;
  days: number;
}

export const EXPIRY_DAYS = 14;

export interface ReportInput {
  answers: Answers;
  changes: Changes;
  now: Results;
  first: boolean;
  expiring: Expiry[];
  at: Date;
}

const redact = (text: string): string => text.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[private key removed]');

function block(r: CheckResult, withFix: boolean): string[] {
  const lines: string[] = [];
  for (const p of r.problems) {
    lines.push(`  ${p.status.toUpperCase()} [${r.key}] ${p.summary}`);
    if (p.cause) lines.push(`       cause: ${p.cause}`);
    if (withFix && p.fix) lines.push(...p.fix.split('\n').map((l, i) => `       ${i === 0 ? 'fix:' : '    '} ${l}`));
  }
  return lines;
}

/** Whether this run has something to send. */
export function worthSending(input: Pick<ReportInput, 'changes' | 'first' | 'expiring'>): boolean {
  return input.first || !input.changes.none || input.expiring.length > 0;
}

export function reportSubject(input: ReportInput): string {
  const { changes, answers } = input;
  const failing = Object.values(input.now).filter((r) => r.status !== 'pass').length;
  const parts: string[] = [];
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  if (input.first) parts.push(`first report, ${failing ? n(failing, 'check does not pass', 'checks do not pass') : 'all checks pass'}`);
  else {
    if (changes.appeared.length) parts.push(n(changes.appeared.length, 'new problem', 'new problems'));
    if (changes.changed.length) parts.push(`${changes.changed.length} changed`);
    if (changes.fixed.length) parts.push(`${changes.fixed.length} fixed`);
  }
  if (input.expiring.length) parts.push(`certificate expires in ${Math.min(...input.expiring.map((e) => e.days))} days`);
  return `mail-wizard on ${answers.hostname}: ${parts.join(', ') || 'no change'}`;
}

export function reportText(input: ReportInput): string {
  const { changes } = input;
  const lines: string[] = [`Daily checks of ${input.answers.hostname} (mail for ${input.answers.domain}), ${input.at.toISOString()}.`, ''];
  if (input.expiring.length) {
    lines.push(`Certificates that expire within ${EXPIRY_DAYS} days:`);
    for (const e of input.expiring) lines.push(`  ${e.path} (${e.subject}) expires ${e.notAfter}, in ${e.days} days`);
    lines.push('  fix: renew it (OpenBSD: acme-client; Debian: certbot renew), then `mail-wizard check`.', '');
  }
  if (input.first) {
    const failing = Object.values(input.now).filter((r) => r.status !== 'pass');
    lines.push(failing.length ? 'First report: these checks do not pass:' : `First report: all ${Object.keys(input.now).length} checks pass.`);
    for (const r of failing) lines.push(...block(r, true));
  } else {
    if (changes.appeared.length) {
      lines.push('New since the last report:');
      for (const r of changes.appeared) lines.push(...block(r, true));
      lines.push('');
    }
    if (changes.changed.length) {
      lines.push('Still failing, in another way:');
      for (const r of changes.changed) lines.push(...block(r, true));
      lines.push('');
    }
    if (changes.fixed.length) {
      lines.push('Fixed since the last report:');
      for (const r of changes.fixed) lines.push(`  ok   [${r.key}] was: ${r.problems[0]?.summary ?? r.status}`);
      lines.push('');
    }
    if (changes.still.length) {
      lines.push('Unchanged, still not passing:');
      for (const r of changes.still) lines.push(...block(r, false));
    }
  }
  lines.push('', 'See it all: `mail-wizard check` and `mail-wizard check dns`; `mail-wizard repair` fixes what it can.');
  return redact(lines.join('\n'));
}

/** RFC 5322 message for sendmail(8): From and To postmaster@ of the mail domain (DKIM d= aligns). */
export function reportMessage(input: ReportInput, messageId: string): string {
  const postmaster = `postmaster@${input.answers.domain}`;
  const body = reportText(input).replace(/\r?\n/g, '\n');
  return [
    `From: mail-wizard <${postmaster}>`,
    `To: ${postmaster}`,
    `Subject: ${reportSubject(input)}`,
    `Date: ${input.at.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${messageId}@${input.answers.hostname}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Auto-Submitted: auto-generated',
    '',
    body,
    '',
  ].join('\n');
}
