/** Redis for Rspamd, on loopback only. */
import { configStep } from './lib/config-step.js';
import { renderRedisConf } from './templates/redis.js';

export const redisStep = configStep({
  id: 'redis',
  title: 'Redis',
  why: 'Rspamd keeps what it learns (Bayes) and its rate limits in Redis, listening on 127.0.0.1 only.',
  needs: ['packages'],
  files: (ctx) => [{ path: ctx.platform.paths.redisConf, content: renderRedisConf(ctx), mode: 0o644, owner: 'root' }],
  upToDate: 'redis.conf is already as wanted',
});
