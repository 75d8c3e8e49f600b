/**
 * "Keep the new firewall?" in the Ink checklist: the prompt shows the question, a "y" keeps, and
 * no key before the deadline answers no (a cut session cannot type one).
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlannedAction, StepInfo } from '../../src/engine/events.js';

// Ink draws only its last frame in CI mode (read once, at import); the worker gets its environment back.
const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const { startInkUi } = await import('../../src/ui/ink/index.js');
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
});

const firewall: StepInfo = { id: 'firewall', title: 'Firewall', why: 'Opens the ports mail needs.' };
const keepIt = (timeoutMs: number): PlannedAction => ({
  action: { type: 'confirm', question: 'The new firewall rules are loaded. Keep them?', timeoutMs },
  describe: 'ask: The new firewall rules are loaded. Keep them?',
});

function fakeTerminal() {
  const out = Object.assign(new EventEmitter(), { columns: 100, rows: 30, isTTY: true, text: '', write: (s: string) => ((out.text += s), true) });
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin, ref: () => stdin, unref: () => stdin });
  const plain = () => out.text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
  return { stdout: out as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, plain, type: (k: string) => stdin.write(k) };
}

async function withUi(run: (ui: ReturnType<typeof startInkUi>, term: ReturnType<typeof fakeTerminal>) => Promise<void>) {
  const term = fakeTerminal();
  const ui = startInkUi({ mode: 'setup', yes: false, stdout: term.stdout, stdin: term.stdin, hold: false, env: { NO_COLOR: '1' } });
  ui.listener({ type: 'run-start', mode: 'setup', platform: 'debian', steps: [firewall] });
  ui.listener({ type: 'step-start', step: firewall });
  try {
    await run(ui, term);
  } finally {
    ui.dispose();
  }
}

describe('the keep prompt (confirm or revert)', () => {
  it('no key before the deadline answers no', async () => {
    await withUi(async (ui) => {
      expect(await ui.keep(firewall, keepIt(300))).toBe(false);
    });
  });

  it('shows the question; y keeps', async () => {
    await withUi(async (ui, term) => {
      const answer = ui.keep(firewall, keepIt(60_000));
      for (let i = 0; i < 500 && !term.plain().includes('Keep them?'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(term.plain()).toContain('counts as no');
      term.type('y');
      expect(await answer).toBe(true);
    });
  });
});
