/**
 * A failed step: for each failing finding what was seen, the likely cause and the fix, then the
 * choices. The run waits here; nothing after this step has been touched.
 */
import type { Finding } from '../../engine/types.js';
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { outputLines, type StepView } from './store.js';

const LAST_OUTPUT = 6;

export function findingLines(f: Finding, indent = 0): Line[] {
  const mark = f.status === 'fail' ? '✖ ' : f.status === 'warn' ? '! ' : '✔ ';
  const tone = f.status === 'fail' ? 'fail' : f.status === 'warn' ? 'warn' : 'ok';
  if (f.status === 'pass') return [{ indent, label: mark, labelTone: tone, text: f.summary + (f.evidence ? ` (${f.evidence})` : ''), wrap: true }];
  // With a cause from the catalogue, the step's own summary becomes part of what was seen.
  const seen = f.cause ? (f.evidence ? `${f.summary}: ${f.evidence}` : f.summary) : (f.evidence ?? '(nothing more was reported)');
  const out: Line[] = [
    { indent, label: `${mark}What we saw   `, labelTone: tone, text: seen, wrap: true },
    { indent: indent + 2, label: 'Likely cause  ', text: f.cause ?? f.summary, bold: true, wrap: true },
  ];
  if (f.fix) out.push({ indent: indent + 2, label: 'Fix           ', labelTone: 'accent', text: f.fix, wrap: true });
  return out;
}

export function failureLines(step: StepView, findings: readonly Finding[]): Line[] {
  const failing = findings.filter((f) => f.status === 'fail');
  const shown = [...failing, ...findings.filter((f) => f.status === 'warn')];
  const attempt = step.attempt > 1 ? ` (attempt ${step.attempt})` : '';
  // For the expert: the end of what the commands printed (d shows all of it).
  const output = outputLines(step).slice(-LAST_OUTPUT);
  const tail: Line[] = output.length ? [{ text: '' }, { text: 'Last output', bold: true }, ...output.map((o): Line => ({ indent: 2, text: o.text, tone: 'muted' }))] : [];
  return [
    { text: `${step.info.title} did not pass${attempt}. Nothing after it has been touched.`, tone: 'fail', bold: true, wrap: true },
    { text: '' },
    ...shown.flatMap((f) => [...findingLines(f), { text: '' }]),
    { text: 'r retry (after fixing it) · s skip (marked skipped) · d details · q quit', tone: 'accent', bold: true },
    ...tail,
  ];
}

export function FailureMenu({ step, findings, width, height, offset }: { step: StepView; findings: readonly Finding[]; width: number; height?: number; offset?: number }) {
  return <Lines lines={failureLines(step, findings)} width={width} height={height} offset={offset} />;
}
