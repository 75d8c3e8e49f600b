/**
 * `mail-wizard check delivery`: the server as a receiver sees it on the wire (src/delivery/). The
 * same shape as `check dns`: one line per finding with what was seen and the fix, or `--json`;
 * exit 0 = nothing failed, 1 = a check failed, 2 = bad input (a bad --probe, --dnsbl or
 * --nameserver). Every target that is outside the box is an option, so tests point it at servers
 * they start themselves.
 */
import { InputError } from '../answers/input-error.js';
import type { Answers } from '../answers/schema.js';
import type { DeliveryReport } from '../delivery/index.js';
import { deliveryReport, parseDeliveryOptions, type DeliveryOptions } from '../delivery/options.js';
import { resolveAnswers, resolveTarget, type CommonOptions } from './options.js';
import type { Io } from './run.js';

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function formatDelivery(report: DeliveryReport, answers: Answers): string[] {
  const lines = [`What a receiver sees of ${answers.hostname} (${answers.ipv4}${answers.ipv6 ? `, ${answers.ipv6}` : ''}):`, ''];
  const width = Math.max(0, ...report.checks.map((c) => c.id.length));
  const indent = (label: string, text: string) => text.split('\n').map((l, i) => `      ${i === 0 ? label : ' '.repeat(label.length)} ${l}`);
  for (const c of report.checks) {
    lines.push(`${LABEL[c.status]}  ${c.id.padEnd(width)}  ${c.summary}`);
    if (c.status !== 'pass') {
      if (c.evidence) lines.push(...indent('seen:', c.evidence));
      if (c.fix) lines.push(...indent('fix: ', c.fix));
    }
  }
  const n = (s: string) => report.checks.filter((c) => c.status === s).length;
  lines.push('', `${n('fail')} failed, ${n('warn')} warnings, ${n('pass')} passed (${report.elapsedMs} ms)`);
  return lines;
}

export function deliveryJson(report: DeliveryReport): { checks: { id: string; status: string; summary: string; evidence: string | null; fix: string | null }[]; elapsedMs: number } {
  return {
    checks: report.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary, evidence: c.evidence ?? null, fix: c.fix ?? null })),
    elapsedMs: report.elapsedMs,
  };
}

export async function checkDeliveryCommand(opts: CommonOptions & DeliveryOptions, io: Io): Promise<number> {
  const parsed = parseDeliveryOptions(opts, opts.nameserver);
  if (parsed.errors.length) throw new InputError(parsed.errors);
  const answers = await resolveAnswers(opts, io.interactive);
  if (opts.demo && !opts.root) throw new InputError(['check delivery probes a real server: give --answers (or --root DIR), not --demo alone']);
  const target = await resolveTarget(opts, 'check', answers);
  const report = await deliveryReport({ ...target, nameservers: opts.nameserver }, opts);
  if (opts.json) io.out(JSON.stringify(deliveryJson(report), null, 2));
  else for (const line of formatDelivery(report, answers)) io.out(line);
  return report.checks.some((c) => c.status === 'fail') ? 1 : 0;
}
