/**
 * Debian: the second platform (and the test host). OpenSMTPD from the opensmtpd package, services
 * through systemctl when PID 1 is systemd, else the init scripts (`service`, `update-rc.d`).
 */
import type { Facts, ServiceAction } from '../engine/types.js';
import type { Daemon, Platform } from './types.js';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };

/** Where Debian's init scripts (and our redis.conf) keep each daemon's pid. */
const PID_FILES: Partial<Record<Daemon, string>> = {
  dovecot: '/run/dovecot/master.pid',
  rspamd: '/run/rspamd/rspamd.pid',
  redis: '/run/redis/redis-server.pid',
};

export const debian: Platform = {
  name: 'debian',
  title: 'Debian',
  paths: {
    smtpdConf: '/etc/smtpd.conf',
    aliases: '/etc/aliases',
    senders: '/etc/smtpd/senders',
    recipients: '/etc/smtpd/recipients',
    filterRspamd: '/usr/libexec/opensmtpd/filter-rspamd',
    dovecotConf: '/etc/dovecot/dovecot.conf',
    lmtpSocket: '/run/dovecot/lmtp',
    sieveDir: '/etc/dovecot/sieve',
    rspamdLocalD: '/etc/rspamd/local.d',
    rspamdController: '/var/lib/rspamd/controller.sock',
    redisConf: '/etc/redis/redis.conf',
    redisSocket: '/run/redis/redis-server.sock',
    redisDir: '/var/lib/redis',
    redisPidFile: '/run/redis/redis-server.pid',
    redisLogFile: '/var/log/redis/redis-server.log',
    dkimDir: '/var/lib/rspamd/dkim',
    certDir: '/etc/ssl',
    privateKeyDir: '/etc/ssl/private',
    hosts: '/etc/hosts',
    // hostname(1): set from /etc/hostname at boot; MTAs name themselves from /etc/mailname (Debian
    // policy 11.6; portable smtpd reads it before gethostname(): usr.sbin/smtpd/util.c getmailname).
    hostnameFile: '/etc/hostname',
    mailname: '/etc/mailname',
    firewallConf: '/etc/nftables.conf',
    acmeClientConf: '/etc/letsencrypt/cli.ini',
    httpdConf: '',
    acmeChallengeDir: '/var/www/acme',
    // nftables.service loads /etc/nftables.conf at boot; our table is a file of ours it includes.
    firewallRules: '/etc/nftables.mail-wizard.conf',
    firewallRevert: '/var/lib/mail-wizard/firewall-revert.nft',
    sshdConfig: '/etc/ssh/sshd_config',
    // FHS 5.8: /var/lib holds state a program keeps between runs (dpkg keeps its own there).
    stateDir: '/var/lib/mail-wizard',
  },
  users: { rspamd: '_rspamd', redis: 'redis', smtpd: 'opensmtpd', learn: '_spamlearn', root: 'root', wheel: 'root' },
  // httpd: the web server (the MTA-STS policy and autoconfig over HTTPS): nginx on Debian.
  services: { smtpd: 'opensmtpd', dovecot: 'dovecot', rspamd: 'rspamd', redis: 'redis-server', httpd: 'nginx' },
  packages: [
    'opensmtpd',
    'opensmtpd-filter-rspamd',
    'dovecot-imapd',
    'dovecot-lmtpd',
    'dovecot-sieve',
    'rspamd',
    'redis-server',
    'openssl',
    'ca-certificates',
  ],
  bin: {
    smtpd: '/usr/sbin/smtpd',
    sendmail: '/usr/sbin/sendmail',
    doveconf: '/usr/bin/doveconf',
    sievec: '/usr/bin/sievec',
    rspamadm: '/usr/bin/rspamadm',
    rspamc: '/usr/bin/rspamc',
    redisCli: '/usr/bin/redis-cli',
  },
  dovecotPassdb: 'pam',
  redisDaemonize: true,
  defaultDovecotVersion: '2.4.1',
  packageQuery: (name) => ['dpkg-query', '--show', '--showformat=${db:Status-Status}\\n', name],
  // --no-remove: apt-get stops rather than remove a package (opensmtpd conflicts with exim4 and
  // postfix, apt-get(8)); it is left out only once the admin allowed what the simulation named.
  install: (names, removals) => ({
    argv: ['apt-get', 'install', '-y', '--no-install-recommends', ...(removals === 'allowed' ? [] : ['--no-remove']), ...names],
    env: APT_ENV,
  }),
  packageLists: { dir: '/var/lib/apt/lists', refresh: { argv: ['apt-get', 'update'], env: APT_ENV }, maxAgeMs: 24 * 3600_000 },
  simulateInstall: (names) => ({ argv: ['apt-get', '-s', 'install', '-y', '--no-install-recommends', ...names], env: APT_ENV }),
  service: (daemon, op, facts) => serviceArgv(daemon, op, facts),
  restart: (daemon, facts) =>
    // The opensmtpd init script's restart does not wait for the old smtpd to exit, so its start
    // finds the old pid and does nothing: stop and wait first, then start.
    daemon === 'smtpd' && facts.serviceManager !== 'systemctl'
      ? [
          { op: 'stop', argv: ['start-stop-daemon', '--stop', '--oknodo', '--retry', 'TERM/15/KILL/5', '--pidfile', '/run/smtpd.pid'] },
          { op: 'start', argv: serviceArgv(daemon, 'start', facts) },
        ]
      : [{ op: 'restart', argv: serviceArgv(daemon, 'restart', facts) }],
  serviceCheck: (daemon, facts) =>
    facts.serviceManager === 'systemctl'
      ? { argv: ['systemctl', 'is-active', '--quiet', debian.services[daemon]] }
      : daemon === 'smtpd'
        ? { argv: ['smtpctl', 'show', 'status'] } // portable smtpd writes no pid file; its control socket answers
        : { pidFile: PID_FILES[daemon] ?? `/run/${debian.services[daemon]}.pid` },
  serviceEnabledCheck: (daemon, facts) =>
    facts.serviceManager === 'systemctl'
      ? { argv: ['systemctl', 'is-enabled', '--quiet', debian.services[daemon]] }
      : { rcDir: '/etc/rc2.d', name: debian.services[daemon] },
  addGroup: (group) => ['groupadd', '--system', group],
  addToGroup: (user, group) => ['usermod', '--append', '--groups', group, user],
  addUser: (name) => ['useradd', '--create-home', '--shell', '/bin/sh', name],
  // userdel(8): --remove deletes the home directory and the mail spool.
  removeUser: (name, purgeHome) => ['userdel', ...(purgeHome ? ['--remove'] : []), name],
  // chpasswd(8): reads user:password lines from standard input and hashes them (PAM, yescrypt).
  setPassword: (name, password) => ({ argv: ['chpasswd'], input: `${name}:${password}\n` }),
  firewallCheck: (path) => ['nft', '--check', '--file', path],
  firewallLoad: (path) => ['nft', '--file', path],
  firewallLoaded: () => ['nft', 'list', 'table', 'inet', 'mail_wizard'],
};

function serviceArgv(daemon: Daemon, op: ServiceAction['op'], facts: Facts): string[] {
  const name = debian.services[daemon];
  if (facts.serviceManager === 'systemctl') return ['systemctl', op, name];
  if (op === 'enable') return ['update-rc.d', name, 'defaults'];
  return ['service', name, op];
}
