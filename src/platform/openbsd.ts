/** OpenBSD: the primary target. Base OpenSMTPD, packages from pkg_add, services through rcctl. */
import type { Platform } from './types.js';

export const openbsd: Platform = {
  name: 'openbsd',
  title: 'OpenBSD',
  paths: {
    smtpdConf: '/etc/mail/smtpd.conf',
    aliases: '/etc/mail/aliases',
    senders: '/etc/mail/senders',
    filterRspamd: '/usr/local/libexec/smtpd/filter-rspamd',
    dovecotConf: '/etc/dovecot/dovecot.conf',
    lmtpSocket: '/var/dovecot/lmtp',
    sieveDir: '/usr/local/lib/dovecot/sieve',
    rspamdLocalD: '/etc/rspamd/local.d',
    // rspamd's DBDIR, owned by _rspamd: -DDBDIR="${LOCALSTATEDIR}/rspamd" in mail/rspamd/Makefile.
    rspamdController: '/var/rspamd/controller.sock',
    redisConf: '/etc/redis/redis.conf',
    // redis.rc's rc_pre makes /var/run/redis (0750 _redis:_redis) before each start.
    redisSocket: '/var/run/redis/redis.sock',
    redisDir: '/var/redis',
    redisPidFile: '/var/run/redis/redis_6379.pid',
    redisLogFile: '',
    dkimDir: '/etc/mail/dkim',
    certDir: '/etc/ssl',
    privateKeyDir: '/etc/ssl/private',
    hosts: '/etc/hosts',
    firewallConf: '/etc/pf.conf',
    acmeClientConf: '/etc/acme-client.conf',
    httpdConf: '/etc/httpd.conf',
    acmeChallengeDir: '/var/www/acme',
  },
  // _smtpd: SMTPD_USER in usr.sbin/smtpd/smtpd.h; _redis: daemon_user in databases/redis/bsd/pkg/redis.rc.
  users: { rspamd: '_rspamd', redis: '_redis', smtpd: '_smtpd', learn: '_spamlearn', root: 'wheel', wheel: 'wheel' },
  services: { smtpd: 'smtpd', dovecot: 'dovecot', rspamd: 'rspamd', redis: 'redis', httpd: 'httpd' },
  packages: ['dovecot', 'dovecot-pigeonhole', 'rspamd', 'opensmtpd-filter-rspamd', 'redis'],
  bin: {
    smtpd: '/usr/sbin/smtpd',
    sendmail: '/usr/sbin/sendmail',
    doveconf: '/usr/local/bin/doveconf',
    sievec: '/usr/local/bin/sievec',
    rspamadm: '/usr/local/bin/rspamadm',
    rspamc: '/usr/local/bin/rspamc',
    redisCli: '/usr/local/bin/redis-cli',
  },
  dovecotPassdb: 'bsdauth',
  redisDaemonize: false,
  defaultDovecotVersion: '2.3.21',
  packageQuery: (name) => ['pkg_info', '-q', '-e', `${name}-*`],
  install: (names) => ({ argv: ['pkg_add', '-I', ...names] }),
  service: (daemon, op) => ['rcctl', op, openbsd.services[daemon]],
  restart: (daemon) => [{ op: 'restart', argv: ['rcctl', 'restart', openbsd.services[daemon]] }],
  serviceCheck: (daemon) => ({ argv: ['rcctl', 'check', openbsd.services[daemon]] }),
  // `rcctl get NAME status` exits 0 when the daemon is enabled, 1 when it is not (rcctl(8)).
  serviceEnabledCheck: (daemon) => ({ argv: ['rcctl', 'get', openbsd.services[daemon], 'status'] }),
  // usermod -G appends to the secondary groups (-S would replace them): usr.sbin/user/usermod.8.
  // groupadd(8): picks the next free gid.
  addGroup: (group) => ['groupadd', group],
  addToGroup: (user, group) => ['usermod', '-G', group, user],
  addUser: (name) => ['useradd', '-m', name],
  firewallCheck: (path) => ['pfctl', '-n', '-f', path],
  firewallLoad: (path) => ['pfctl', '-f', path],
};
