/**
 * One scripted run (the scenario: confirm yes, skip at the failure) through the plain renderer,
 * the JSON renderer and the Ink UI: each shows the same step results in the same order. The Ink
 * run is answered with keys typed on its stdin, once its frame shows the question.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/engine/events.js';
import { jsonRenderer } from '../../src/ui/json/renderer.js';
import { plainRenderer } from '../../src/ui/plain/renderer.js';
import { tempDir } from '../support/tmp.js';
import { prepareRoot, runScenario } from './fixtures/scenario.js';

// Ink writes only its last frame when it thinks it runs in CI; this test reads the frames as they
// come. Ink reads CI once, when it is imported; the worker gets its environment back afterwards.
const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const { startInkUi } = await import('../../src/ui/ink/index.js');
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});

type Result = { title: string; status: string };
const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await fs.rm(r, { recursive: true, force: true });
});

async function freshRoot(): Promise<string> {
  const root = await tempDir('mail-wizard-tui-');
  roots.push(root);
  await prepareRoot(root);
  return root;
}

const scripted = { confirm: async () => true, onFailure: async () => 'skip' as const };
const fromSummary = (s: RunSummary): Result[] => s.results.map((r) => ({ title: r.title, status: r.status }));

async function viaPlain(): Promise<{ shown: Result[]; summary: RunSummary }> {
  const lines: string[] = [];
  const summary = await runScenario(await freshRoot(), 'setup', { listener: plainRenderer({ write: (l) => lines.push(l), diffs: false }), ...scripted });
  const shown: Result[] = [];
  let title = '';
  for (const line of lines) {
    const heading = /^== \[\d+\/\d+\] (.*)$/.exec(line);
    if (heading) title = heading[1]!;
    const done = /^ {3}-> (\S+)/.exec(line);
    if (done) shown.push({ title, status: done[1]!.toLowerCase() });
  }
  return { shown, summary };
}

async function viaJson(): Promise<{ shown: Result[]; summary: RunSummary }> {
  const lines: string[] = [];
  const summary = await runScenario(await freshRoot(), 'setup', { listener: jsonRenderer((l) => lines.push(l)), ...scripted });
  const shown = lines
    .map((l) => JSON.parse(l) as { type: string; step?: { title: string }; status?: string })
    .filter((e) => e.type === 'step-done')
    .map((e) => ({ title: e.step!.title, status: e.status! }));
  return { shown, summary };
}

/** A terminal for Ink in memory: what was written, and a stdin to type on. */
function fakeTerminal() {
  const out = Object.assign(new EventEmitter(), { columns: 80, rows: 24, isTTY: true, text: '', write: (s: string) => ((out.text += s), true) });
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin, ref: () => stdin, unref: () => stdin });
  const plain = () => out.text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
  const lastFrame = () => {
    const text = plain();
    return text.slice(text.lastIndexOf('mail-wizard setup'));
  };
  /** Types the key once the frame shows the question (a state; the deadline only bounds a broken run). */
  async function typeWhen(shown: RegExp, key: string) {
    const deadline = Date.now() + 60_000;
    while (!shown.test(lastFrame())) {
      if (Date.now() > deadline) throw new Error(`the frame never showed ${shown}:\n${lastFrame()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    stdin.write(key);
  }
  return { stdout: out as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, lastFrame, typeWhen };
}

async function viaInk(): Promise<{ shown: Result[]; summary: RunSummary; frame: string }> {
  const term = fakeTerminal();
  const ui = startInkUi({ mode: 'setup', yes: false, stdout: term.stdout, stdin: term.stdin, hold: false, env: { NO_COLOR: '1' } });
  const summary = await runScenario(await freshRoot(), 'setup', {
    listener: ui.listener,
    confirm: (step, actions) => {
      void term.typeWhen(/go ahead\?/, 'y');
      return ui.confirm(step, actions);
    },
    onFailure: (step, findings) => {
      void term.typeWhen(/did not pass/, 's');
      return ui.onFailure(step, findings);
    },
    signal: ui.signal,
  });
  await ui.finish(summary);
  const frame = term.lastFrame();
  // A checklist row: pointer, mark, title (· note) up to column 64, the status word from column 65.
  const shown = frame
    .split('\n')
    .map((l) => [...l])
    .filter((chars) => chars.length > 65 && /^[ ›] \S $/.test(chars.slice(0, 4).join('')))
    .map((chars) => ({ title: chars.slice(4, 64).join('').split(' · ')[0]!.trim(), status: chars.slice(65, 73).join('').trim().toLowerCase() }));
  return { shown, summary, frame };
}

describe('plain, JSON and Ink show the same step results', () => {
  it('for one scripted run (confirm, then skip at the failure)', async () => {
    const plain = await viaPlain();
    const json = await viaJson();
    const ink = await viaInk();
    const expected = [
      { title: 'Host names (/etc/hosts)', status: 'changed' },
      { title: 'OpenSMTPD (smtpd.conf)', status: 'changed' },
      { title: 'Start smtpd', status: 'skipped' },
      { title: 'Aliases (postmaster, abuse)', status: 'skipped' },
      { title: 'DNS records', status: 'changed' },
      { title: 'Login message', status: 'ok' },
    ];
    expect(fromSummary(plain.summary)).toEqual(expected);
    expect(plain.shown).toEqual(expected);
    expect(json.shown).toEqual(expected);
    expect(fromSummary(ink.summary)).toEqual(expected);
    expect(ink.shown).toEqual(expected);
    expect(ink.frame).toContain('2 skipped');
  }, 120_000);
});
