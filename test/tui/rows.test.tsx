import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Checklist } from '../../src/ui/ink/Checklist.js';
import { StepRow } from '../../src/ui/ink/StepRow.js';
import type { RowStatus } from '../../src/ui/ink/store.js';
import { PaletteContext } from '../../src/ui/ink/use-palette.js';
import { daemon, hosts, missing, noColor, start, startDaemon, stateFrom, T0, writeHosts } from './helpers.js';

const row = (status: RowStatus, now = 1500) => {
  const state = stateFrom('setup', [
    [0, start('setup', [hosts])],
    [100, { type: 'step-start', step: hosts }],
    [200, { type: 'step-planned', step: hosts, actions: [writeHosts] }],
  ]);
  const step = { ...state.steps[0]!, status, ...(status === 'pending' ? { startedAt: undefined } : {}) };
  const { lastFrame } = render(
    <PaletteContext.Provider value={noColor}>
      <StepRow step={status === 'running' || status === 'pending' ? step : { ...step, endedAt: T0 + 400 }} status={status} width={80} now={T0 + now} />
    </PaletteContext.Provider>,
  );
  return lastFrame() ?? '';
};

describe('StepRow', () => {
  it('shows each state as a mark and a word, with the elapsed time when it ran', () => {
    // Ink drops trailing spaces; the status column starts at the same place on every row.
    expect(row('pending')).toBe(`  ○ Host names (/etc/hosts)${' '.repeat(37)} pending`);
    expect(row('running')).toMatch(/^ {2}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Host names \(\/etc\/hosts\) +running +1\.4s$/);
    expect(row('ok')).toMatch(/^ {2}✔ Host names .* ok +0\.3s$/);
    expect(row('changed')).toMatch(/^ {2}✚ Host names .* changed +0\.3s$/);
    expect(row('skipped')).toMatch(/^ {2}↷ Host names .* skipped +0\.3s$/);
    expect(row('failed')).toMatch(/^ {2}✖ Host names .* FAILED +0\.3s$/);
    expect(row('planned')).toMatch(/^ {2}◆ Host names .* planned *$/);
    expect(row('asking')).toMatch(/^ {2}\? Host names .* confirm\? +0\.3s$/);
    for (const s of ['ok', 'changed', 'failed'] as const) expect(row(s)).toHaveLength(80);
    for (const s of ['pending', 'ok', 'failed'] as const) expect(row(s).indexOf(s === 'failed' ? 'FAILED' : s)).toBe(65);
  });

  it('the running spinner moves with the clock', () => {
    expect(row('running', 1000).slice(2, 3)).not.toBe(row('running', 1080).slice(2, 3));
  });
});

describe('Checklist', () => {
  it('shows a window around the step in focus when the steps do not fit', () => {
    const steps = Array.from({ length: 14 }, (_, i) => ({ id: `s${i}`, title: `Step ${i + 1}`, why: '' }));
    const state = stateFrom('setup', [
      [0, start('setup', steps)],
      [0, { type: 'step-start', step: steps[9]! }],
    ]);
    const { lastFrame } = render(
      <PaletteContext.Provider value={noColor}>
        <Checklist state={state} focus={9} pointer={9} rows={7} width={80} now={T0} />
      </PaletteContext.Provider>,
    );
    const lines = (lastFrame() ?? '').split('\n').map((l) => l.trimEnd());
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('    ↑ 7 more above');
    expect(lines.find((l) => l.startsWith('›'))).toMatch(/Step 10 +running/);
    expect(lines.at(-1)).toBe('    ↓ 2 more below');
  });

  it('marks a step whose failure menu is open as failed, and says what repair found first', () => {
    const state = stateFrom('repair', [
      [0, start('repair', [hosts, daemon])],
      [10, { type: 'verify-all', results: [{ step: hosts, findings: [] }, { step: daemon, findings: [missing] }] }],
      [10, { type: 'step-done', step: hosts, status: 'ok', note: 'verified, nothing to repair' }],
    ]);
    const frame = (s: typeof state) =>
      render(
        <PaletteContext.Provider value={noColor}>
          <Checklist state={s} focus={1} pointer={1} rows={5} width={80} now={T0} />
        </PaletteContext.Provider>,
      ).lastFrame() ?? '';
    expect(frame(state)).toMatch(/✔ Host names \(\/etc\/hosts\) · verified, nothing to repair +ok/);
    expect(frame(state)).toMatch(/○ Start smtpd · fails: \/run\/smtpd.ready is missing +pending/);
    const waiting = stateFrom('repair', [
      [0, start('repair', [hosts, daemon])],
      [0, { type: 'step-start', step: daemon }],
      [0, { type: 'step-planned', step: daemon, actions: [startDaemon] }],
      [0, { type: 'ui-prompt', prompt: { kind: 'failure', stepId: 'daemon', findings: [missing] } }],
    ]);
    expect(frame(waiting)).toMatch(/✖ Start smtpd +FAILED/);
  });
});
