/**
 * The final proof: messages handed to the local sendmail must arrive in ~/Maildir/new through
 * smtpd → Rspamd → Dovecot LMTP: one to the first user, and one to postmaster@ that must land with
 * the postmaster's person (the aliases work end to end). Sending them is part of verifying (a
 * test, not a change), so a second run still reports zero changes.
 */
import type { Context, Finding, Step } from '../src/engine/types.js';
import { describeFailure } from '../src/host/host.js';
import { postmasterUser } from './templates/aliases.js';

const DELIVERY_WAIT_MS = 20_000;

/** One test message: the address it is sent to, and the local user it must reach. */
export interface Probe {
  check: string;
  to: string;
  user: string;
}

function probes(ctx: Context): Probe[] {
  const { users, domain } = ctx.answers;
  const first = users[0]!;
  const list: Probe[] = [{ check: 'mail-test.delivery', to: `${first}@${domain}`, user: first }];
  const postmaster = postmasterUser(ctx.answers);
  if (postmaster) list.push({ check: 'mail-test.alias', to: `postmaster@${domain}`, user: postmaster });
  return list;
}

/** Each message has its own subject, so one found cannot stand in for the other. */
function subject(ctx: Context, probe: Probe): string {
  return `mail-wizard test ${ctx.runId} to ${probe.to}`;
}

function testMessage(ctx: Context, probe: Probe, n: number): string {
  const { answers, runId } = ctx;
  return [
    `From: mail-wizard <root@${answers.hostname}>`,
    `To: ${probe.to}`,
    `Subject: ${subject(ctx, probe)}`,
    `Message-ID: <mail-wizard-${runId}-${n}@${answers.hostname}>`,
    '',
    `This message was sent by mail-wizard to prove that mail for ${probe.to} is delivered.`,
    '',
  ].join('\r\n');
}

function described(probe: Probe): string {
  return probe.to.startsWith(`${probe.user}@`) ? probe.to : `${probe.to} (alias of ${probe.user})`;
}

export const mailTestStep: Step<null> = {
  id: 'mail-test',
  title: 'Final mail test',
  why: 'Mails the first user and postmaster@, and waits for each message in its ~/Maildir: the whole chain, for real.',
  needs: ['services'],
  async probe() {
    return null;
  },
  plan(ctx) {
    const sent = probes(ctx).map((p) => `${described(p)} into ~${p.user}/Maildir/new`);
    const elsewhere = postmasterUser(ctx.answers) ? '' : ` (postmaster@ goes to ${ctx.answers.postmaster}, elsewhere: not checked here)`;
    return {
      actions: [],
      reason: `verification sends a test message with ${ctx.platform.bin.sendmail} -t to each address and waits for it: ${sent.join(', ')}${elsewhere}`,
    };
  },
  async verify(ctx) {
    const results = await deliveryFindings(ctx, probes(ctx));
    if (results.some((f) => f.status !== 'pass')) return results;
    // Mail flows on the box: then what a receiver sees of it (src/delivery/), as warnings.
    const { receiverView } = await import('../src/delivery/in-setup.js');
    return [...results, ...(await receiverView(ctx))];
  },
};

/**
 * Sends one test message per probe with the local sendmail and waits for each in its user's
 * ~/Maildir/new (also what `mail-wizard user add` and `alias add` prove a new address with).
 */
export async function deliveryFindings(ctx: Context, list: Probe[]): Promise<Finding[]> {
  const homes = new Map<string, string>();
  for (const p of list) {
    const account = await ctx.host.user(p.user);
    if (!account) return [{ status: 'fail', check: p.check, summary: `no user ${p.user} to deliver to`, fix: 'Run `mail-wizard repair` (users step).' }];
    homes.set(p.user, account.home);
  }
  const sentAt = Math.floor(Date.now() / 1000);
  for (const [n, p] of list.entries()) {
    const sent = await ctx.host.run([ctx.platform.bin.sendmail, '-t'], { timeoutMs: 30_000, input: testMessage(ctx, p, n) });
    if (sent.exitCode !== 0) {
      return [{ status: 'fail', check: 'mail-test.send', summary: `sendmail did not accept the test message to ${p.to}`, evidence: describeFailure(sent), fix: 'Check that smtpd runs (services step) and read its log.' }];
    }
  }
  // The messages travel side by side: wait for them together.
  const found = await Promise.all(list.map((p) => waitForMessage(ctx, `${homes.get(p.user)}/Maildir`, subject(ctx, p), sentAt)));
  return list.map((p, i): Finding => {
    const file = found[i];
    if (file) return { status: 'pass', check: p.check, summary: `the test message to ${described(p)} reached ~${p.user}/Maildir/new`, evidence: file };
    return {
      status: 'fail',
      check: p.check,
      summary: `the test message to ${described(p)} did not reach ~${p.user}/Maildir/new within ${DELIVERY_WAIT_MS / 1000} s`,
      evidence: 'smtpctl show queue (OpenSMTPD) lists it if it is still queued',
      fix:
        p.to.startsWith(`${p.user}@`)
          ? `Look at the mail log for the message to ${p.to}: a refused LMTP connection points at Dovecot, a filter error at Rspamd.`
          : `Look at the mail log for the message to ${p.to}: "User doesn't exist" from Dovecot means smtpd handed it the alias, not ${p.user} (smtpd.conf's lmtp action must not say rcpt-to); an unknown user means ${ctx.platform.paths.aliases} lacks the alias.`,
    };
  });
}

/**
 * The mailbox belongs to the user and is read as root: only regular files of Maildir/new, none
 * bigger than a message could be, each read with a time-out (host/bounded.ts); a FIFO, a device or a
 * symlink out of ~/Maildir is passed over. Files named for a time before the test (Maildir names
 * start with the delivery time) are not opened, and none is read twice: a big mailbox costs a listing.
 */
const MAILBOX = { maxEntries: 100_000, listTimeoutMs: 5_000, maxBytes: 1024 * 1024, readTimeoutMs: 2_000 };

async function waitForMessage(ctx: Context, maildir: string, subject: string, sentAt: number): Promise<string | null> {
  const dir = `${maildir}/new`;
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  const looked = new Set<string>();
  for (;;) {
    const { names } = await ctx.host.listDirBounded(dir, { maxEntries: MAILBOX.maxEntries, timeoutMs: MAILBOX.listTimeoutMs });
    for (const name of names ?? []) {
      if (looked.has(name)) continue;
      looked.add(name);
      const deliveredAt = Number.parseInt(name, 10);
      if (Number.isInteger(deliveredAt) && deliveredAt < sentAt - 60) continue;
      const read = await ctx.host.readFileBounded(`${dir}/${name}`, { maxBytes: MAILBOX.maxBytes, timeoutMs: MAILBOX.readTimeoutMs, within: maildir });
      if (read.ok && read.text.includes(subject)) return `${dir}/${name}`;
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 500));
  }
}
