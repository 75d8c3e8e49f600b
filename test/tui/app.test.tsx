/**
 * Whole frames at 80×24 for each state, from real runner events (the dry-run is the real demo
 * plan). Frames are kept under snapshots/tui/frames/ for review.
 */
import { describe, expect, it } from 'vitest';
import { STEPS as RECIPES } from '../../recipes/index.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import type { RunnerEvent } from '../../src/engine/events.js';
import { runSteps } from '../../src/engine/runner.js';
import { RecorderHost } from '../../src/host/recorder.js';
import { openbsd } from '../../src/platform/openbsd.js';
import { gatherFacts } from '../../src/platform/detect.js';
import { keyCommand } from '../../src/ui/ink/keys.js';
import { initialView } from '../../src/ui/ink/view.js';
import {
  daemon,
  dns,
  frameOf,
  frameWhen,
  press,
  hosts,
  missing,
  publish,
  recordingControls,
  renderApp,
  replaceSmtpd,
  restartSmtpd,
  smtpd,
  start,
  startDaemon,
  stateFrom,
  storeFrom,
  until,
  writeHosts,
  type Timed,
} from './helpers.js';

const snap = (name: string) => `../../snapshots/tui/frames/${name}.txt`;

function expectFits(frame: string) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(23);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
}

const walked: Timed = [
  [0, start('setup')],
  [0, { type: 'step-start', step: hosts }],
  [10, { type: 'step-planned', step: hosts, actions: [writeHosts] }],
  [20, { type: 'action-start', step: hosts, index: 0, describe: writeHosts.describe }],
  [30, { type: 'action-done', step: hosts, index: 0, ok: true }],
  [40, { type: 'step-verified', step: hosts, findings: [{ status: 'pass', check: 'hosts', summary: '/etc/hosts as wanted' }] }],
  [300, { type: 'step-done', step: hosts, status: 'changed' }],
];
const confirming: Timed = [
  ...walked,
  [300, { type: 'step-start', step: smtpd }],
  [310, { type: 'step-planned', step: smtpd, actions: [replaceSmtpd, restartSmtpd] }],
  [310, { type: 'ui-prompt', prompt: { kind: 'confirm', stepId: 'smtpd', actions: [replaceSmtpd, restartSmtpd] } }],
];
const running: Timed = [
  ...confirming,
  [900, { type: 'ui-answered' }],
  [900, { type: 'action-start', step: smtpd, index: 0, describe: replaceSmtpd.describe }],
  [910, { type: 'action-done', step: smtpd, index: 0, ok: true, backup: '/var/backups/mail-wizard/T/etc/smtpd.conf' }],
  [910, { type: 'action-start', step: smtpd, index: 1, describe: restartSmtpd.describe }],
  [920, { type: 'action-done', step: smtpd, index: 1, ok: true }],
  [1000, { type: 'step-verified', step: smtpd, findings: [] }],
  [1000, { type: 'step-done', step: smtpd, status: 'changed' }],
  [1000, { type: 'step-start', step: daemon }],
  [1010, { type: 'step-planned', step: daemon, actions: [startDaemon] }],
  [1020, { type: 'action-start', step: daemon, index: 0, describe: startDaemon.describe }],
  ...Array.from({ length: 30 }, (_, i): [number, RunnerEvent] => [1030 + i, { type: 'action-output', step: daemon, index: 0, chunk: `line ${i + 1}\n` }]),
  [1100, { type: 'action-output', step: daemon, index: 0, chunk: 'progress 10%\rprogress 100%' }],
];
const failing: Timed = [
  ...running,
  [1200, { type: 'action-done', step: daemon, index: 0, ok: true }],
  [1300, { type: 'step-verified', step: daemon, findings: [missing] }],
  [1300, { type: 'ui-prompt', prompt: { kind: 'failure', stepId: 'daemon', findings: [missing] } }],
];
const finished: Timed = [
  ...failing,
  [5000, { type: 'ui-answered' }],
  [5000, { type: 'step-done', step: daemon, status: 'skipped', note: 'skipped after a failure' }],
  [5000, { type: 'step-start', step: dns }],
  [5000, { type: 'step-planned', step: dns, actions: [publish] }],
  [5000, { type: 'step-done', step: dns, status: 'changed' }],
  [
    5100,
    {
      type: 'run-done',
      summary: {
        mode: 'setup',
        results: [
          { id: 'hosts', title: hosts.title, status: 'changed' },
          { id: 'smtpd', title: smtpd.title, status: 'changed' },
          { id: 'daemon', title: daemon.title, status: 'skipped', note: 'skipped after a failure' },
          { id: 'dns', title: dns.title, status: 'changed' },
        ],
        changed: 3,
        failed: 0,
        skipped: 1,
        backups: ['/var/backups/mail-wizard/T/etc/smtpd.conf'],
        stopped: false,
      },
    },
  ],
];

describe('setup frames', () => {
  it('running: the step, its actions, the command line and the tail of its output', async () => {
    const app = renderApp(storeFrom('setup', running), 1150);
    const frame = frameOf(app);
    expectFits(frame);
    expect(frame).toMatch(/✚ OpenSMTPD \(smtpd.conf\) +changed +0\.7s/);
    expect(frame).toMatch(/Start smtpd +running +0\.1s/);
    expect(frame).toContain('$ sh -c echo starting');
    expect(frame).toContain('  progress 100%');
    expect(frame).not.toContain('line 1\n');
    expect(frame.split('\n').at(-1)).toBe('q stop after this action  ^C stop');
    await expect(frame).toMatchFileSnapshot(snap('setup-running'));
  });

  it('confirm: what will be replaced or restarted, with the diff, and y/n', async () => {
    const controls = recordingControls();
    const app = renderApp(storeFrom('setup', confirming), 600, controls);
    const frame = frameOf(app);
    expectFits(frame);
    expect(frame).toMatch(/\? OpenSMTPD \(smtpd.conf\) +confirm\?/);
    expect(frame).toContain('  -listen on localhost');
    await expect(frame).toMatchFileSnapshot(snap('setup-confirm'));
    await press(app, 'n');
    await until(() => controls.answers.length > 0);
    expect(controls.answers).toEqual(['no']);
  });

  it('failure: the finding and the keys; d shows the details; r, s and q answer', async () => {
    const controls = recordingControls();
    const app = renderApp(storeFrom('setup', failing), 1400, controls);
    const frame = frameOf(app);
    expectFits(frame);
    expect(frame).toMatch(/✖ Start smtpd +FAILED/);
    expect(frame).toContain('✖ What we saw   no /run/smtpd.ready');
    expect(frame.split('\n').at(-1)).toBe('r retry  s skip  d details  ↑↓ scroll  q quit');
    await expect(frame).toMatchFileSnapshot(snap('setup-failure'));

    await press(app, 'd');
    const details = await frameWhen(app, (f) => f.includes('Start smtpd: details'));
    expectFits(details);
    expect(details).toContain('Start smtpd: details');
    expect(details).toContain('Output (31 lines)');
    await expect(details).toMatchFileSnapshot(snap('setup-failure-details'));
    await press(app, 'G');
    expect(await frameWhen(app, (f) => f.includes('  progress 100%'))).toContain('  progress 100%');

    for (const key of ['r', 's', 'q']) await press(app, key);
    await until(() => controls.answers.length === 3);
    expect(controls.answers).toEqual(['retry', 'skip', 'quit']);
  });

  it('summary: changed, skipped, backups, next steps and the records', async () => {
    const controls = recordingControls();
    const app = renderApp(storeFrom('setup', finished), 6000, controls);
    const frame = frameOf(app);
    expectFits(frame);
    expect(frame).toContain('! Setup finished: 3 changed, 0 already as wanted, 1 skipped, 0 failed.');
    await expect(frame).toMatchFileSnapshot(snap('setup-summary'));
    await press(app, ' ');
    expect(await frameWhen(app, (f) => f.includes('IN MX'))).toContain('example.org. 3600 IN MX 10 mail.example.org.');
    await press(app, 'q');
    await until(() => controls.calls.length > 0);
    expect(controls.calls).toEqual(['release']);
  });
});

describe('repair frames', () => {
  it('opens on the verification of every step, then rows say what fails', async () => {
    const events: Timed = [
      [0, start('repair')],
      [400, { type: 'verify-all', results: [{ step: hosts, findings: [] }, { step: smtpd, findings: [] }, { step: daemon, findings: [missing] }, { step: dns, findings: [] }] }],
      [400, { type: 'step-done', step: hosts, status: 'ok', note: 'verified, nothing to repair' }],
      [400, { type: 'step-done', step: smtpd, status: 'ok', note: 'verified, nothing to repair' }],
    ];
    const verifying = frameOf(renderApp(storeFrom('repair', events.slice(0, 1)), 100));
    expect(verifying).toContain('Repair checks every step before it changes anything');
    const frame = frameOf(renderApp(storeFrom('repair', events), 400));
    expectFits(frame);
    expect(frame).toContain('Verified every step first: 3 pass, 1 to repair.');
    expect(frame).toMatch(/○ Start smtpd · fails: \/run\/smtpd.ready is missing +pending/);
    await expect(frame).toMatchFileSnapshot(snap('repair-verify'));
  });
});

describe('dry-run frames (the demo plan)', () => {
  it('shows every step as planned, then each step with its commands and diffs', async () => {
    const recorder = new RecorderHost(null);
    // Offline, as the CLI plans the demo: example.org is not ours to ask about.
    const ctx = createContext({ answers: DEMO_ANSWERS, platform: openbsd, host: recorder, mode: 'dry-run', facts: await gatherFacts(recorder, openbsd), dns: { nameservers: [], offline: true }, runId: 'demo' });
    const events: RunnerEvent[] = [];
    await runSteps({ steps: [...RECIPES], ctx, listener: (e) => events.push(e) });
    const app = renderApp(storeFrom('dry-run', events.map((e) => [0, e] as const)), 0);
    const summary = frameOf(app);
    expectFits(summary);
    expect(summary).toContain('mail-wizard dry-run · nothing is changed · openbsd');
    // Every step but the DNS check (nothing to change there) has something to do on a fresh box.
    expect(summary).toContain(`◆ Dry-run: ${RECIPES.length - 1} of ${RECIPES.length} steps would change something; nothing was changed.`);
    await expect(summary).toMatchFileSnapshot(snap('dry-run-summary'));

    // Down to the OpenSMTPD step, wherever the recipes put it.
    for (let i = 0; i < 14 && !/› ◆ OpenSMTPD/.test(frameOf(app)); i++) {
      const before = frameOf(app);
      await press(app, 'j');
      await frameWhen(app, (f) => f !== before);
    }
    const smtpdStep = frameOf(app);
    expectFits(smtpdStep);
    expect(smtpdStep).toMatch(/› ◆ OpenSMTPD \(smtpd.conf\)/);
    expect(smtpdStep).toContain('+ write /etc/mail/smtpd.conf (0644 root)');
    expect(smtpdStep).toMatch(/ {4}@@ -0,0 \+1,\d+ @@/); // a new file; its length is in the snapshot
    await expect(smtpdStep).toMatchFileSnapshot(snap('dry-run-step-diff'));

    await press(app, ' ');
    expect(await frameWhen(app, (f) => f.includes('13-25'))).toMatch(new RegExp(`── \\d+/${RECIPES.length} OpenSMTPD \\(smtpd.conf\\) ─+ 13-25 of \\d+ ↕`));
  });
});

describe('keys', () => {
  const state = stateFrom('setup', running);
  it('q and Ctrl-C while a step runs ask to stop after it; a second Ctrl-C stops at once', () => {
    expect(keyCommand(state, initialView, 'q', {})).toEqual({ type: 'stop' });
    expect(keyCommand(state, initialView, 'c', { ctrl: true })).toEqual({ type: 'stop' });
    expect(keyCommand({ ...state, stopping: true }, initialView, 'c', { ctrl: true })).toEqual({ type: 'force-quit' });
  });
  it('Ctrl-C at a prompt quits like q', () => {
    const asking = stateFrom('setup', failing);
    expect(keyCommand(asking, initialView, 'c', { ctrl: true })).toEqual({ type: 'answer', value: 'quit' });
  });
});
