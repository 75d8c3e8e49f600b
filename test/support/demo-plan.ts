/** The demo answers planned on a fresh box (nothing read from this machine), as tests see it. */
import { STEPS } from '../../recipes/index.js';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { createContext } from '../../src/engine/context.js';
import type { PlannedAction, RunnerEvent, StepInfo } from '../../src/engine/events.js';
import { runSteps } from '../../src/engine/runner.js';
import { planToShell } from '../../src/engine/shell-export.js';
import { RecorderHost } from '../../src/host/recorder.js';
import { gatherFacts } from '../../src/platform/detect.js';
import type { Platform } from '../../src/platform/types.js';
import { plainRenderer } from '../../src/ui/plain/renderer.js';

export interface DemoPlan {
  transcript: string;
  script: string;
  steps: { step: StepInfo; actions: PlannedAction[]; reason?: string }[];
  recorder: RecorderHost;
}

export async function demoPlan(platform: Platform): Promise<DemoPlan> {
  const recorder = new RecorderHost(null);
  const ctx = createContext({ answers: DEMO_ANSWERS, platform, host: recorder, mode: 'dry-run', facts: await gatherFacts(recorder, platform), runId: 'demo', dns: { nameservers: [], offline: true } });
  const lines: string[] = [];
  const plain = plainRenderer({ write: (l) => lines.push(l), diffs: true });
  const steps: DemoPlan['steps'] = [];
  await runSteps({
    steps: [...STEPS],
    ctx,
    listener: (e: RunnerEvent) => {
      plain(e);
      if (e.type === 'step-planned') steps.push({ step: e.step, actions: e.actions, reason: e.reason });
    },
  });
  return { transcript: `${lines.join('\n')}\n`, script: planToShell(steps, `mail-wizard plan for example.org on ${platform.title}`), steps, recorder };
}
