/** redis.conf: Redis keeps Rspamd's Bayes tokens and rate limits; it listens on loopback only. */
import { header, type TemplateInput } from './input.js';

export function renderRedisConf({ platform }: TemplateInput): string {
  const p = platform.paths;
  return `${header(p.redisConf, 'Redis for Rspamd')}

# Loopback addresses, never "localhost": a wildcard DNS record cannot move them.
# The "-" makes ::1 optional, for hosts without IPv6.
bind 127.0.0.1 -::1
protected-mode yes
port 6379

daemonize ${platform.redisDaemonize ? 'yes' : 'no'}
pidfile ${p.redisPidFile}
loglevel notice
logfile "${p.redisLogFile}"
${p.redisLogFile ? '' : 'syslog-enabled yes\n'}databases 16
dir ${p.redisDir}
dbfilename dump.rdb
save 3600 1 300 100 60 10000

# Bayes tokens expire; keep memory bounded and evict what expires first.
maxmemory 256mb
maxmemory-policy volatile-ttl
`;
}
