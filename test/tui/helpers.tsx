/** Runner events and states for component tests: built with the engine's own diff, at a frozen clock. */
import { render } from 'ink-testing-library';
import { fileDiff } from '../../src/engine/actions.js';
import type { PlannedAction, RunnerEvent, StepInfo } from '../../src/engine/events.js';
import type { Finding } from '../../src/engine/types.js';
import { App, type Controls } from '../../src/ui/ink/App.js';
import type { Answer } from '../../src/ui/ink/keys.js';
import { makePalette } from '../../src/ui/ink/palette.js';
import { initialState, reduce, RunStore, type RunState, type UiEvent } from '../../src/ui/ink/store.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';

export const T0 = 1_000_000;
export const noColor = makePalette({ NO_COLOR: '1' });

export const hosts: StepInfo = { id: 'hosts', title: 'Host names (/etc/hosts)', why: 'Daemons resolve "localhost": it must be 127.0.0.1/::1.' };
export const smtpd: StepInfo = { id: 'smtpd', title: 'OpenSMTPD (smtpd.conf)', why: 'Receives mail for your domain and relays only for logged-in users.' };
export const daemon: StepInfo = { id: 'daemon', title: 'Start smtpd', why: 'The daemon must answer before anything can be delivered.' };
export const dns: StepInfo = { id: 'dns', title: 'DNS records', why: 'Other servers find you through DNS.' };
export const STEPS = [hosts, smtpd, daemon, dns];

export const writeHosts: PlannedAction = {
  action: { type: 'writeFile', path: '/etc/hosts', content: '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n', mode: 0o644, owner: 'root' },
  describe: 'write /etc/hosts (0644 root)',
  diff: fileDiff('/etc/hosts', null, '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n'),
  replaces: false,
};
export const replaceSmtpd: PlannedAction = {
  action: { type: 'writeFile', path: '/etc/smtpd.conf', content: 'listen on 0.0.0.0\n', mode: 0o644, owner: 'root' },
  describe: 'write /etc/smtpd.conf (0644 root)',
  diff: fileDiff('/etc/smtpd.conf', 'listen on localhost\n', 'listen on 0.0.0.0\n'),
  replaces: true,
};
export const restartSmtpd: PlannedAction = {
  action: { type: 'service', name: 'smtpd', op: 'restart', argv: ['rcctl', 'restart', 'smtpd'], timeoutMs: 1000 },
  describe: 'run rcctl restart smtpd',
};
export const startDaemon: PlannedAction = {
  action: { type: 'run', argv: ['sh', '-c', 'echo starting'], timeoutMs: 1000 },
  describe: 'run sh -c echo starting',
};
export const publish: PlannedAction = {
  action: { type: 'manual', title: 'publish these records in the DNS zone of example.org', lines: ['example.org. 3600 IN MX 10 mail.example.org.', 'example.org. 3600 IN TXT "v=spf1 mx -all"'] },
  describe: 'you: publish these records in the DNS zone of example.org',
};
export const missing: Finding = { status: 'fail', check: 'daemon.marker', summary: '/run/smtpd.ready is missing', evidence: 'no /run/smtpd.ready', fix: 'create /run/smtpd.ready' };

/** Events with the clock each one arrives at: [ms after T0, event]. */
export type Timed = readonly (readonly [number, UiEvent])[];

export function stateFrom(mode: RunState['mode'], events: Timed): RunState {
  return events.reduce((s, [at, e]) => reduce(s, e, T0 + at), initialState(mode, T0));
}

/** A store already fed with the events; `now` is what the frame's clock says. */
export function storeFrom(mode: RunState['mode'], events: Timed): RunStore {
  let at = T0;
  const store = new RunStore(mode, () => at);
  for (const [t, e] of events) {
    at = T0 + t;
    store.dispatch(e);
  }
  return store;
}

export function recordingControls(): Controls & { answers: Answer[]; calls: string[] } {
  const answers: Answer[] = [];
  const calls: string[] = [];
  return {
    answers,
    calls,
    answer: (a) => void answers.push(a),
    stop: () => void calls.push('stop'),
    forceQuit: () => void calls.push('force-quit'),
    release: () => void calls.push('release'),
  };
}

/** The whole App at 80×24, no colour, frozen at `now` ms after T0. */
export function renderApp(store: RunStore, now: number, controls: Controls = recordingControls()) {
  return render(<App store={store} controls={controls} clock={() => T0 + now} size={{ columns: 80, rows: 24 }} palette={noColor} animate={false} next={DEMO_ANSWERS} />);
}

export const start = (mode: RunState['mode'], steps = STEPS): RunnerEvent => ({ type: 'run-start', mode, platform: 'openbsd', steps });

/** Let Ink and React draw what the last write caused. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

export function frameOf(instance: { lastFrame: () => string | undefined }): string {
  return (instance.lastFrame() ?? '').split('\n').map((l) => l.trimEnd()).join('\n');
}

/** The frame once it passes `test` (keys are handled and drawn asynchronously; a loaded machine is slow). */
export async function frameWhen(instance: { lastFrame: () => string | undefined }, test: (frame: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = frameOf(instance);
    if (test(frame) || Date.now() > deadline) return frame;
    await tick();
  }
}

/** Waits until `check` holds (for effects of keys that do not change the frame). */
export async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await tick();
}

/** Types a key once Ink listens on stdin (its listener is attached in an effect, after the first frame). */
export async function press(app: { stdin: { write: (s: string) => void; listenerCount: (e: string) => number } }, key: string): Promise<void> {
  await until(() => app.stdin.listenerCount('readable') > 0);
  app.stdin.write(key);
}
