/**
 * `check`: verifies every step and changes nothing, then looks at the server as a receiver does
 * (`check delivery`, with its defaults). Exit 0 when nothing fails, 1 otherwise. The final mail
 * test sends a real message, so it runs only when asked (--send-test).
 */
import { STEPS } from '../../recipes/index.js';
import { createContext } from '../engine/context.js';
import { RunState } from '../engine/journal.js';
import { hasFailure, verifyAll } from '../engine/runner.js';
import { formatFinding } from '../ui/plain/renderer.js';
import type { DeliveryReport } from '../delivery/index.js';
import { resolveAnswers, resolveTarget, type CommonOptions } from './options.js';
import type { Io } from './run.js';

export const MAIL_TEST_ID = 'mail-test';

export async function checkCommand(opts: CommonOptions & { sendTest?: boolean }, io: Io): Promise<number> {
  const answers = await resolveAnswers(opts, io.interactive);
  const target = await resolveTarget(opts, 'check', answers);
  const state = await RunState.load(target.host, target.platform.paths.stateDir);
  const ctx = createContext({ answers, platform: target.platform, host: target.host, mode: 'repair', facts: target.facts, dns: target.dns, state });
  const steps = opts.sendTest ? [...STEPS] : STEPS.filter((s) => s.id !== MAIL_TEST_ID);
  const results = await verifyAll(steps, ctx);
  // What a receiver sees (check delivery) is its own section here, not the mail test's warnings.
  for (const r of results) r.findings = r.findings.filter((f) => !f.check.startsWith('delivery.'));
  const failed = results.filter((r) => hasFailure(r.findings)).length;
  // The demo's addresses are documentation addresses: there is no server to look at from outside.
  let delivery: DeliveryReport | null = null;
  if (!opts.demo) {
    const { deliveryReport } = await import('../delivery/options.js');
    delivery = await deliveryReport({ ...target, nameservers: opts.nameserver }, { probe: [], dnsbl: [], dnsblDomain: [], sendMail: opts.sendTest === true });
  }
  const { deliveryJson, formatDelivery } = await import('./check-delivery.js');
  const deliveryFailed = delivery?.checks.some((c) => c.status === 'fail') ?? false;
  if (opts.json) {
    io.out(JSON.stringify({ steps: results.map((r) => ({ id: r.step.id, title: r.step.title, findings: r.findings })), ...(delivery ? { delivery: deliveryJson(delivery) } : {}) }));
  } else {
    for (const { step, findings } of results) {
      io.out(`${hasFailure(findings) ? 'FAIL' : 'ok  '} ${step.title}`);
      for (const f of findings) for (const line of formatFinding(f)) io.out(line);
    }
    if (delivery) {
      io.out('');
      for (const line of formatDelivery(delivery, answers)) io.out(line);
      io.out('');
    }
    if (!opts.sendTest) io.out('(the final mail test and the verdict send a message: `mail-wizard check --send-test` runs them too)');
    io.out(failed ? `${failed} of ${results.length} steps fail: \`mail-wizard repair\` fixes what it can.` : `all ${results.length} steps pass.`);
    if (deliveryFailed) io.out('what a receiver sees fails (above): each finding names its fix.');
  }
  return failed || deliveryFailed ? 1 : 0;
}
