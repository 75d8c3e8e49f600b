/**
 * NO_COLOR: with colours forced on (as on a colour terminal), the palette without NO_COLOR
 * colours the frame and with NO_COLOR it asks for no colour at all (bold stays: it is not a colour).
 */
import { afterAll, describe, expect, it } from 'vitest';

const saved = process.env.FORCE_COLOR;
process.env.FORCE_COLOR = '3';
afterAll(() => {
  if (saved === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = saved;
});
// Imported after FORCE_COLOR so that Ink's chalk sees a colour terminal.
const { render } = await import('ink-testing-library');
const { App } = await import('../../src/ui/ink/App.js');
const { makePalette } = await import('../../src/ui/ink/palette.js');
const helpers = await import('./helpers.js');

const COLOUR = /\u001B\[(3[0-9]|9[0-7]|2)m/;

function frame(env: NodeJS.ProcessEnv): string {
  const store = helpers.storeFrom('setup', [
    [0, helpers.start('setup')],
    [0, { type: 'step-start', step: helpers.hosts }],
    [0, { type: 'step-planned', step: helpers.hosts, actions: [helpers.writeHosts] }],
    [0, { type: 'step-done', step: helpers.hosts, status: 'changed' }],
    [0, { type: 'step-start', step: helpers.daemon }],
    [0, { type: 'step-planned', step: helpers.daemon, actions: [helpers.startDaemon] }],
    [0, { type: 'step-verified', step: helpers.daemon, findings: [helpers.missing] }],
    [0, { type: 'ui-prompt', prompt: { kind: 'failure', stepId: 'daemon', findings: [helpers.missing] } }],
  ]);
  const app = render(<App store={store} controls={helpers.recordingControls()} size={{ columns: 80, rows: 24 }} palette={makePalette(env)} animate={false} clock={() => helpers.T0} />);
  return app.lastFrame() ?? '';
}

describe('NO_COLOR', () => {
  it('colours by default and not at all when NO_COLOR is set', () => {
    expect(frame({})).toMatch(COLOUR);
    const plain = frame({ NO_COLOR: '1' });
    expect(plain).not.toMatch(COLOUR);
    expect(plain.replace(/\u001B\[[0-9;]*m/g, '')).toContain('✖ What we saw   no /run/smtpd.ready');
  });

  it('an empty NO_COLOR does not count (no-color.org)', () => {
    expect(makePalette({ NO_COLOR: '' }).noColor).toBe(false);
  });
});
