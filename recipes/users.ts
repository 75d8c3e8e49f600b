/** The local accounts that receive mail (user@domain → ~user/Maildir). */
import type { Context, Step } from '../src/engine/types.js';

async function missingUsers(ctx: Context): Promise<string[]> {
  const missing: string[] = [];
  for (const name of ctx.answers.users) if (!(await ctx.host.user(name))) missing.push(name);
  return missing;
}

export const usersStep: Step<string[]> = {
  id: 'users',
  title: 'Mail users',
  why: 'Each UNIX account in the answers receives user@domain mail and logs in to IMAP with its password.',
  needs: ['packages'],
  probe: missingUsers,
  plan(ctx, missing) {
    if (missing.length === 0) return { actions: [], reason: `users exist: ${ctx.answers.users.join(', ')}` };
    return {
      actions: [
        ...missing.map((name) => ({ type: 'user' as const, name, argv: ctx.platform.addUser(name), timeoutMs: 30_000 })),
        {
          type: 'manual' as const,
          title: 'set a password for each new user',
          lines: missing.map((name) => `passwd ${name}`),
        },
      ],
    };
  },
  async verify(ctx) {
    const missing = await missingUsers(ctx);
    if (missing.length === 0) return [{ status: 'pass', check: 'users.exist', summary: `users exist: ${ctx.answers.users.join(', ')}` }];
    return [
      {
        status: 'fail',
        check: 'users.exist',
        summary: `no such user: ${missing.join(', ')}`,
        evidence: 'not in /etc/passwd',
        fix: `Create them: ${missing.map((n) => ctx.platform.addUser(n).join(' ')).join('; ')}`,
      },
    ];
  },
};
