/**
 * Redis for Rspamd, reachable by rspamd only: no TCP port, a socket open to the Redis group, and
 * rspamd's user added to that group (nobody else is in it).
 */
import type { Context, Finding, RunAction, Step } from '../src/engine/types.js';
import { findGroupMembers, findUser } from '../src/host/accounts.js';
import { configStep } from './lib/config-step.js';
import type { FileState } from './lib/managed-files.js';
import { renderRedisConf } from './templates/redis.js';

const files = configStep({
  id: 'redis',
  title: 'Redis',
  why: 'Rspamd keeps what it learns (Bayes) and its rate limits in Redis, on a socket only rspamd can use.',
  needs: ['packages'],
  files: (ctx) => [{ path: ctx.platform.paths.redisConf, content: renderRedisConf(ctx), mode: 0o644, owner: 'root' }],
  upToDate: 'redis.conf is already as wanted',
});

/** Whether rspamd's user is in the Redis group; null when either does not exist yet (packages not installed). */
async function rspamdInRedisGroup(ctx: Context): Promise<boolean | null> {
  const { rspamd, redis } = ctx.platform.users;
  const [passwd, group] = await Promise.all([ctx.host.readFile('/etc/passwd'), ctx.host.readFile('/etc/group')]);
  const members = findGroupMembers(group, redis);
  const user = findUser(passwd, rspamd);
  if (members === null || user === null) return null;
  const redisGid = group!.split('\n').map((l) => l.split(':')).find((f) => f[0] === redis)?.[2];
  return members.includes(rspamd) || String(user.gid) === redisGid;
}

function joinAction(ctx: Context): RunAction {
  return { type: 'run', argv: ctx.platform.addToGroup(ctx.platform.users.rspamd, ctx.platform.users.redis), timeoutMs: 30_000 };
}

interface RedisProbe {
  files: FileState[];
  rspamdInGroup: boolean | null;
}

export const redisStep: Step<RedisProbe> = {
  id: files.id,
  title: files.title,
  why: files.why,
  needs: files.needs!,
  async probe(ctx) {
    return { files: await files.probe(ctx), rspamdInGroup: await rspamdInRedisGroup(ctx) };
  },
  plan(ctx, probed) {
    const written = files.plan(ctx, probed.files);
    // false: add it; null: the accounts come with the packages (a dry run before they are installed).
    const join = probed.rspamdInGroup === true ? [] : [joinAction(ctx)];
    const actions = [...written.actions, ...join];
    return actions.length ? { actions } : { actions, reason: `${written.reason}; ${ctx.platform.users.rspamd} is in the ${ctx.platform.users.redis} group` };
  },
  async verify(ctx) {
    const findings: Finding[] = await files.verify(ctx);
    const inGroup = await rspamdInRedisGroup(ctx);
    const { rspamd, redis } = ctx.platform.users;
    findings.push(
      inGroup
        ? { status: 'pass', check: 'redis.rspamd-group', summary: `${rspamd} is in the ${redis} group (Redis's socket)` }
        : {
            status: 'fail',
            check: 'redis.rspamd-group',
            summary: `${rspamd} cannot use Redis's socket: it is not in the ${redis} group`,
            evidence: inGroup === null ? `no ${rspamd} user or ${redis} group in /etc/passwd, /etc/group` : `${redis}'s members do not include ${rspamd}`,
            fix: ctx.platform.addToGroup(rspamd, redis).join(' '),
          },
    );
    return findings;
  },
};
