/**
 * The local accounts that receive mail (user@domain → ~user/Maildir), and their passwords when the
 * admin gave them (the setup prompt, `user add`, --password-stdin): set with the platform's own tool,
 * the password on standard input only, as a secret input (engine/redact.ts) that no event, plan,
 * log or file ever shows. Without one, the plan says how to set it by hand.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';

interface Probed {
  missing: string[];
  /** Users with no usable password yet (locked or empty in the password database). */
  withoutPassword: string[];
}

async function missingUsers(ctx: Context): Promise<string[]> {
  const missing: string[] = [];
  for (const name of ctx.answers.users) if (!(await ctx.host.user(name))) missing.push(name);
  return missing;
}

/**
 * The password field of each user, from the file only root reads (Debian /etc/shadow; OpenBSD
 * /etc/master.passwd, passwd(5): the second field is the encrypted password). A field that is
 * empty or starts with `*` or `!` lets nobody log in with a password.
 */
async function usersWithoutPassword(ctx: Context, users: readonly string[]): Promise<string[] | null> {
  const file = ctx.platform.name === 'openbsd' ? '/etc/master.passwd' : '/etc/shadow';
  const text = await ctx.host.readFile(file);
  if (text === null) return null;
  const fields = new Map(text.split('\n').map((l) => l.split(':')).filter((f) => f.length > 1).map((f) => [f[0]!, f[1]!]));
  return users.filter((u) => {
    const hash = fields.get(u);
    return hash === undefined || hash === '' || hash.startsWith('*') || hash.startsWith('!');
  });
}

export const usersStep: Step<Probed> = {
  id: 'users',
  title: 'Mail users',
  why: 'Each UNIX account in the answers receives user@domain mail and logs in to IMAP with its password.',
  needs: ['packages'],
  async probe(ctx) {
    const missing = await missingUsers(ctx);
    return { missing, withoutPassword: (await usersWithoutPassword(ctx, ctx.answers.users)) ?? missing };
  },
  plan(ctx, { missing, withoutPassword }) {
    const passwords = ctx.passwords ?? new Map<string, string>();
    const actions: Action[] = missing.map((name) => ({ type: 'user' as const, name, argv: ctx.platform.addUser(name), timeoutMs: 30_000 }));
    for (const name of ctx.answers.users) {
      const password = passwords.get(name);
      if (password === undefined) continue;
      const { argv, input } = ctx.platform.setPassword(name, password);
      actions.push({ type: 'run', argv, input, secret: true, timeoutMs: 30_000 });
    }
    const byHand = missing.filter((name) => !passwords.has(name));
    if (byHand.length) actions.push({ type: 'manual', title: 'set a password for each new user', lines: byHand.map((name) => `passwd ${name}`) });
    if (actions.length === 0) {
      const note = withoutPassword.length ? ` (no password yet: ${withoutPassword.join(', ')}; set one with passwd NAME)` : '';
      return { actions: [], reason: `users exist: ${ctx.answers.users.join(', ')}${note}` };
    }
    return { actions };
  },
  async verify(ctx) {
    const missing = await missingUsers(ctx);
    if (missing.length > 0) {
      return [
        {
          status: 'fail',
          check: 'users.exist',
          summary: `no such user: ${missing.join(', ')}`,
          evidence: 'not in /etc/passwd',
          fix: `Create them: ${missing.map((n) => ctx.platform.addUser(n).join(' ')).join('; ')}`,
        },
      ];
    }
    const findings: Finding[] = [{ status: 'pass', check: 'users.exist', summary: `users exist: ${ctx.answers.users.join(', ')}` }];
    const withoutPassword = await usersWithoutPassword(ctx, ctx.answers.users);
    const unset = (withoutPassword ?? []).filter((u) => ctx.passwords?.has(u));
    if (unset.length) {
      findings.push({ status: 'fail', check: 'users.password', summary: `the password was not set for ${unset.join(', ')}`, fix: `Set it by hand: ${unset.map((u) => `passwd ${u}`).join('; ')}` });
    } else if (withoutPassword?.length) {
      findings.push({
        status: 'warn',
        check: 'users.password',
        summary: `no password yet: ${withoutPassword.join(', ')} (IMAP and submission logins fail until one is set)`,
        fix: `Set one: ${withoutPassword.map((u) => `passwd ${u}`).join('; ')}, or \`mail-wizard user add NAME\` in a terminal.`,
      });
    }
    return findings;
  },
};
