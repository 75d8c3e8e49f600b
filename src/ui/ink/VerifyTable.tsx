/**
 * Repair opens on this: every step verified before anything changes, and what fails in each.
 * Only the failing ones are then planned and fixed.
 */
import type { StepInfo } from '../../engine/events.js';
import type { Finding } from '../../engine/types.js';
import type { Line } from './text-lines.js';
import { Lines } from './Lines.js';
import { clip, padEnd } from './text.js';

export type VerifyResults = readonly { step: StepInfo; findings: readonly Finding[] }[];

export function verifyLines(results: VerifyResults): Line[] {
  const failing = results.filter((r) => r.findings.some((f) => f.status === 'fail')).length;
  const out: Line[] = [{ text: `Verified every step first: ${results.length - failing} pass, ${failing} to repair.`, bold: true }];
  for (const { step, findings } of results) {
    const fail = findings.find((f) => f.status === 'fail');
    const warn = findings.find((f) => f.status === 'warn');
    const title = padEnd(clip(step.title, 34), 34);
    if (fail) out.push({ label: '✖ ', labelTone: 'fail', text: `${title} repair  ${fail.summary}`, tone: 'fail' });
    else if (warn) out.push({ label: '! ', labelTone: 'warn', text: `${title} warn    ${warn.summary}` });
    else out.push({ label: '✔ ', labelTone: 'ok', text: `${title} passes` });
  }
  return out;
}

export function VerifyTable({ results, width, height, offset }: { results: VerifyResults; width: number; height?: number; offset?: number }) {
  return <Lines lines={verifyLines(results)} width={width} height={height} offset={offset} />;
}
