/** redis.conf: Redis keeps Rspamd's Bayes tokens and rate limits; only rspamd can reach it. */
import { header, type TemplateInput } from './input.js';

export function renderRedisConf({ platform }: Pick<TemplateInput, 'platform'>): string {
  const p = platform.paths;
  return `${header(p.redisConf, 'Redis for Rspamd')}

# No TCP port at all: on loopback every local user could read and write rspamd's data.
# A socket open to the ${platform.users.redis} group only; rspamd is added to it, nobody else is.
port 0
bind 127.0.0.1 -::1
protected-mode yes
unixsocket ${p.redisSocket}
unixsocketperm 660

# Fork: the start command (OpenBSD's rc.d script, Debian's init script) waits for it to return.
daemonize ${platform.redisDaemonize ? 'yes' : 'no'}
pidfile ${p.redisPidFile}
loglevel notice
${logging(p.redisLogFile)}${platform.redisMaxClients ? `maxclients ${platform.redisMaxClients}\n` : ''}databases 16
dir ${p.redisDir}
dbfilename dump.rdb
save 3600 1 300 100 60 10000

# Bayes tokens expire; keep memory bounded and evict what expires first.
maxmemory 256mb
maxmemory-policy volatile-ttl
`;
}

/**
 * A log file, or (no file) syslog as OpenBSD's port sets it: ident redis, facility daemon (the
 * port patches Redis to accept `daemon`: databases/redis/bsd/patches/patch-src_config_c).
 */
function logging(logFile: string): string {
  return logFile ? `logfile "${logFile}"\n` : 'syslog-enabled yes\nsyslog-ident redis\nsyslog-facility daemon\n';
}
