/**
 * The final proof: a message handed to the local sendmail must arrive in the first user's
 * ~/Maildir/new through smtpd → Rspamd → Dovecot LMTP. Sending it is part of verifying (a test,
 * not a change), so a second run still reports zero changes.
 */
import type { Context, Step } from '../src/engine/types.js';
import { describeFailure } from '../src/host/host.js';

const DELIVERY_WAIT_MS = 20_000;

function testMessage(ctx: Context, to: string): string {
  const { answers, runId } = ctx;
  return [
    `From: mail-wizard <root@${answers.hostname}>`,
    `To: ${to}`,
    `Subject: mail-wizard test ${runId}`,
    `Message-ID: <mail-wizard-${runId}@${answers.hostname}>`,
    '',
    `This message was sent by mail-wizard to prove that mail for ${answers.domain} is delivered.`,
    '',
  ].join('\r\n');
}

export const mailTestStep: Step<null> = {
  id: 'mail-test',
  title: 'Final mail test',
  why: 'Sends a message to the first user and waits for it in ~/Maildir: the whole chain, for real.',
  needs: ['services'],
  async probe() {
    return null;
  },
  plan(ctx) {
    const user = ctx.answers.users[0]!;
    return {
      actions: [],
      reason: `verification sends a test message with ${ctx.platform.bin.sendmail} -t to ${user}@${ctx.answers.domain} and waits for it in ~${user}/Maildir/new`,
    };
  },
  async verify(ctx) {
    const user = ctx.answers.users[0]!;
    const to = `${user}@${ctx.answers.domain}`;
    const account = await ctx.host.user(user);
    if (!account) return [{ status: 'fail', check: 'mail-test.delivery', summary: `no user ${user} to deliver to`, fix: 'Run `mail-wizard repair` (users step).' }];
    const sent = await ctx.host.run([ctx.platform.bin.sendmail, '-t'], { timeoutMs: 30_000, input: testMessage(ctx, to) });
    if (sent.exitCode !== 0) {
      return [{ status: 'fail', check: 'mail-test.send', summary: 'sendmail did not accept the test message', evidence: describeFailure(sent), fix: 'Check that smtpd runs (services step) and read its log.' }];
    }
    const found = await waitForMessage(ctx, `${account.home}/Maildir/new`, `mail-wizard test ${ctx.runId}`);
    if (found) return [{ status: 'pass', check: 'mail-test.delivery', summary: `the test message reached ${to}`, evidence: found }];
    return [
      {
        status: 'fail',
        check: 'mail-test.delivery',
        summary: `the test message did not reach ~${user}/Maildir/new within ${DELIVERY_WAIT_MS / 1000} s`,
        evidence: 'smtpctl show queue (OpenSMTPD) lists it if it is still queued',
        fix: `Look at the mail log for the message to ${to}: a refused LMTP connection points at Dovecot, a filter error at Rspamd.`,
      },
    ];
  },
};

async function waitForMessage(ctx: Context, dir: string, subject: string): Promise<string | null> {
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  for (;;) {
    for (const name of (await ctx.host.listDir(dir)) ?? []) {
      const text = await ctx.host.readFile(`${dir}/${name}`);
      if (text?.includes(subject)) return `${dir}/${name}`;
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 500));
  }
}

