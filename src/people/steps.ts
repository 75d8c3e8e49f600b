/**
 * The steps only the people commands walk, next to the recipes' own (users, aliases, smtpd,
 * services): proving a new address delivers, removing an account, proving a removed address is
 * refused. They follow the same contract, so plain, JSON and the checklist show them the same way.
 */
import type { Context, Finding, Step } from '../engine/types.js';
import { deliveryFindings, type Probe } from '../../recipes/mail-test.js';
import { smtpRcpt } from './smtp-rcpt.js';

/** Sends a test message to each address and waits for it in its person's ~/Maildir. */
export function deliveryStep(probes: Probe[]): Step<null> {
  const list = probes.map((p) => `${p.to} → ~${p.user}/Maildir`).join(', ');
  return {
    id: 'delivery',
    title: `Mail test: ${probes.map((p) => p.to).join(', ')}`,
    why: 'Mails the new address and waits for the message where it must land: the whole chain, for real.',
    needs: ['services'],
    probe: async () => null,
    plan: () => ({ actions: [], reason: `verification sends a test message to each address and waits for it: ${list}` }),
    verify: (ctx) => deliveryFindings(ctx, probes),
  };
}

/** Removes a mail user's UNIX account (Dovecot and smtpd's logins are the system's accounts); the home and its mail stay unless purged. */
export function removeUserStep(name: string, purgeMail: boolean): Step<boolean> {
  return {
    id: 'remove-user',
    title: `Remove the account ${name}`,
    why: purgeMail ? `${name} no longer receives mail; the home directory and the mail in it are deleted.` : `${name} no longer receives mail; ~${name} and the mail in it are kept.`,
    needs: [],
    probe: async (ctx) => (await ctx.host.user(name)) !== null,
    plan(ctx, exists) {
      if (!exists) return { actions: [], reason: `no account ${name} on this host` };
      return { actions: [{ type: 'user', name, argv: ctx.platform.removeUser(name, purgeMail), timeoutMs: 60_000 }] };
    },
    async verify(ctx) {
      if (await ctx.host.user(name)) return [{ status: 'fail', check: 'remove-user.account', summary: `the account ${name} still exists`, fix: `Remove it: ${ctx.platform.removeUser(name, purgeMail).join(' ')}` }];
      return [{ status: 'pass', check: 'remove-user.account', summary: `no account ${name} any more` }];
    },
  };
}

/** Asks the local smtpd for the address: it must refuse it now (RCPT 5xx). */
export function refusedStep(address: string): Step<null> {
  return {
    id: 'refused',
    title: `Mail to ${address} is refused`,
    why: 'A removed address must bounce at once, not land in a mailbox nobody reads.',
    needs: ['services'],
    probe: async () => null,
    plan: () => ({ actions: [], reason: `verification asks the local smtpd (RCPT TO, nothing sent) whether it takes ${address}` }),
    async verify(ctx: Context): Promise<Finding[]> {
      const r = await smtpRcpt(address, { helo: ctx.answers.hostname });
      if (!r.ok) return [{ status: 'fail', check: 'refused.smtp', summary: `could not ask smtpd about ${address}`, evidence: r.error, fix: 'Check that smtpd runs: mail-wizard check.' }];
      if (r.code >= 500) return [{ status: 'pass', check: 'refused.smtp', summary: `smtpd refuses ${address}`, evidence: r.reply }];
      return [{ status: 'fail', check: 'refused.smtp', summary: `smtpd still takes mail for ${address}`, evidence: r.reply, fix: `Look for ${address.split('@')[0]} in ${ctx.platform.paths.aliases} and in /etc/passwd.` }];
    },
  };
}
