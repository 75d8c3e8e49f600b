/**
 * OpenBSD: the primary target. Base OpenSMTPD, packages from pkg_add, services through rcctl.
 *
 * Every fact here names the OpenBSD file that says so: `src:` is the base system
 * (github.com/openbsd/src), `ports:` the ports tree (github.com/openbsd/ports). OpenBSD cannot
 * boot on the machines that test this project, so these comments are how a reader checks it.
 */
import type { Platform } from './types.js';

/**
 * pkg_add takes `stem--` as "the flavor-less package of that stem" (pkg_add(1), "stems with
 * flavors"; src: usr.sbin/pkg_add/OpenBSD/Search.pm turns `stem--flavor` into the exact spec
 * `stem-*-flavor`). A bare stem matches every flavor, and a non-interactive pkg_add refuses an
 * ambiguous name ("Ambiguous: rspamd could be ...", src: usr.sbin/pkg_add/OpenBSD/AddDelete.pm
 * choose_location): ports: mail/rspamd/Makefile has FLAVORS, so `rspamd` alone fails under -I.
 * The others have no FLAVORS today (dovecot only PSEUDO_FLAVORS and subpackages with their own
 * stems, e.g. dovecot-ldap); naming them the same way keeps a future flavor from breaking setup.
 */
const flavorless = (stem: string) => `${stem}--`;

export const openbsd: Platform = {
  name: 'openbsd',
  title: 'OpenBSD',
  paths: {
    // src: usr.sbin/smtpd/smtpd.h (CONF_FILE)
    smtpdConf: '/etc/mail/smtpd.conf',
    // src: etc/mail/aliases, and etc/mail/smtpd.conf's `table aliases file:/etc/mail/aliases`
    aliases: '/etc/mail/aliases',
    // Ours: smtpd.conf's senders and recipients tables, beside the aliases
    senders: '/etc/mail/senders',
    recipients: '/etc/mail/recipients',
    // ports: mail/opensmtpd-filters/Makefile.inc (MODGO_BINDIR = libexec/smtpd) and rspamd/pkg/PLIST
    filterRspamd: '/usr/local/libexec/smtpd/filter-rspamd',
    // ports: mail/dovecot/pkg/PLIST-server (@sample ${SYSCONFDIR}/dovecot/...)
    dovecotConf: '/etc/dovecot/dovecot.conf',
    // ports: mail/dovecot/Makefile (--with-rundir=/var/dovecot: base_dir, where lmtp appears)
    lmtpSocket: '/var/dovecot/lmtp',
    // Ours. Not /usr/local/lib/dovecot/sieve: ports: mail/dovecot-pigeonhole/pkg/PLIST owns that
    // directory (its sieve plugins live there), so pkg_delete would leave our scripts as strays.
    sieveDir: '/etc/dovecot/sieve',
    // ports: mail/rspamd/Makefile (-DCONFDIR=${SYSCONFDIR}/rspamd; post-install makes local.d)
    rspamdLocalD: '/etc/rspamd/local.d',
    // rspamd's DBDIR, owned by _rspamd: -DDBDIR="${LOCALSTATEDIR}/rspamd" in ports: mail/rspamd/Makefile.
    rspamdController: '/var/rspamd/controller.sock',
    // ports: databases/redis/bsd/pkg/redis.rc (daemon_flags=${SYSCONFDIR}/redis/redis.conf)
    redisConf: '/etc/redis/redis.conf',
    // ports: databases/redis/bsd/pkg/redis.rc: rc_pre makes /var/run/redis (0750 _redis:_redis) before each start.
    redisSocket: '/var/run/redis/redis.sock',
    // ports: databases/redis/Makefile.inc (DBDIR = ${VARBASE}/redis), bsd/pkg/PLIST (@sample ${DBDIR}/)
    redisDir: '/var/redis',
    // ports: databases/redis/bsd/patches/patch-redis_conf (pidfile); redis.rc's rc_pre makes the directory
    redisPidFile: '/var/run/redis/redis_6379.pid',
    // '' = syslog, as ports: databases/redis/bsd/patches/patch-redis_conf sets it (no log file)
    redisLogFile: '',
    // Ours: the DKIM key, readable by the _rspamd group.
    dkimDir: '/etc/mail/dkim',
    // src: etc/mtree/4.4BSD.dist (/etc/ssl, /etc/ssl/private); acme-client.conf(5) examples use them
    certDir: '/etc/ssl',
    privateKeyDir: '/etc/ssl/private',
    // hosts(5)
    hosts: '/etc/hosts',
    // myname(5): the host name, set by src: etc/netstart at boot. smtpd names itself from
    // gethostname() (src: usr.sbin/smtpd/util.c getmailname) unless /etc/mail/mailname exists
    // (src: usr.sbin/smtpd/smtpd.h MAILNAME_FILE), which we leave to the admin.
    hostnameFile: '/etc/myname',
    mailname: '',
    // pf.conf(5), src: etc/pf.conf
    firewallConf: '/etc/pf.conf',
    // acme-client(1) (src: usr.sbin/acme-client, default configuration file)
    acmeClientConf: '/etc/acme-client.conf',
    // httpd.conf(5) (src: usr.sbin/httpd/httpd.h CONF_FILE)
    httpdConf: '/etc/httpd.conf',
    // acme-client(1)'s example (challengedir "/var/www/acme"); httpd serves it from its /var/www chroot
    acmeChallengeDir: '/var/www/acme',
    // pf.conf(5), ANCHORS: `anchor NAME` + `load anchor NAME from FILE` (src: share/man/man5/pf.conf.5).
    firewallRules: '/etc/pf.mail-wizard.conf',
    firewallRevert: '/var/db/mail-wizard/pf-revert.conf',
    // sshd(8), sshd_config(5)
    sshdConfig: '/etc/ssh/sshd_config',
    // hier(7) (openbsd/src share/man/man7/hier.7): /var/db/ holds "Miscellaneous, automatically
    // generated system-specific database files."
    stateDir: '/var/db/mail-wizard',
  },
  // ports: mail/rspamd/Makefile (-DRSPAMD_USER=_rspamd); src: etc/group (root's group is wheel);
  // _smtpd: SMTPD_USER in src: usr.sbin/smtpd/smtpd.h; _redis: daemon_user in databases/redis/bsd/pkg/redis.rc.
  users: { rspamd: '_rspamd', redis: '_redis', smtpd: '_smtpd', learn: '_spamlearn', root: 'wheel', wheel: 'wheel' },
  // The rc.d script names: src: etc/rc.d/smtpd, etc/rc.d/httpd; ports: mail/dovecot/pkg/dovecot.rc,
  // mail/rspamd/pkg/rspamd.rc, databases/redis/bsd/pkg/redis.rc (installed as /etc/rc.d/NAME).
  services: { smtpd: 'smtpd', dovecot: 'dovecot', rspamd: 'rspamd', redis: 'redis', httpd: 'httpd' },
  // Package stems: ports: mail/dovecot/Makefile (PKGNAME-server = dovecot-${V_DOVECOT}),
  // mail/dovecot-pigeonhole/Makefile, mail/rspamd/Makefile, mail/opensmtpd-filters/Makefile.inc
  // (opensmtpd-filter-${FILTER_NAME}), databases/redis/bsd (6.2.x; redis/main is not built).
  packages: ['dovecot', 'dovecot-pigeonhole', 'rspamd', 'opensmtpd-filter-rspamd', 'redis'],
  bin: {
    // src: etc/rc.d/smtpd (daemon="/usr/sbin/smtpd"); sendmail is mailwrapper(8) → smtpctl (src: etc/mailer.conf)
    smtpd: '/usr/sbin/smtpd',
    sendmail: '/usr/sbin/sendmail',
    // ports: mail/dovecot/pkg/PLIST-server (@bin bin/doveconf)
    doveconf: '/usr/local/bin/doveconf',
    // ports: mail/dovecot-pigeonhole/pkg/PLIST (@bin bin/sievec)
    sievec: '/usr/local/bin/sievec',
    // ports: mail/rspamd/pkg/PLIST (bin/rspamadm, bin/rspamc)
    rspamadm: '/usr/local/bin/rspamadm',
    rspamc: '/usr/local/bin/rspamc',
    // ports: databases/redis/bsd/pkg/PLIST (@bin bin/redis-cli)
    redisCli: '/usr/local/bin/redis-cli',
  },
  // ports: mail/dovecot/Makefile (--without-pam) and patches/patch-src_auth_passdb-bsdauth_c
  dovecotPassdb: 'bsdauth',
  // ports: databases/redis/bsd/pkg/redis.rc has no rc_bg, so rc.subr (src: etc/rc.d/rc.subr,
  // rc_cmd start) waits for `redis-server redis.conf` to return: a Redis in the foreground makes
  // `rcctl start redis` fail with "(timeout)" after daemon_timeout (30 s), at every boot too.
  // ports: databases/redis/bsd/patches/patch-redis_conf sets `daemonize yes`.
  redisDaemonize: true,
  // ports: databases/redis/bsd/patches/patch-redis_conf (maxclients 96: the daemon login class's
  // open-file limit, less what Redis keeps for itself).
  redisMaxClients: 96,
  // ports: mail/dovecot/Makefile (V_MAJOR = 2.3); the probe reads `dovecot --version` anyway.
  defaultDovecotVersion: '2.3.21',
  // pkg_info(1) -e: exits 0 when a package matching the spec is installed. `stem-*` is any
  // version of exactly that stem in any flavor (src: usr.sbin/pkg_add/OpenBSD/PkgSpec.pm), so a
  // flavored rspamd the admin chose counts as installed.
  packageQuery: (name) => ['pkg_info', '-q', '-e', `${name}-*`],
  // pkg_add(1): -I is non-interactive (as the wizard runs it), names are flavor-less (above).
  install: (names) => ({ argv: ['pkg_add', '-I', ...names.map(flavorless)] }),
  // rcctl(8) (src: usr.sbin/rcctl/rcctl.sh): enable, start, stop, restart, reload, check, get.
  service: (daemon, op) => ['rcctl', op, openbsd.services[daemon]],
  restart: (daemon) => [{ op: 'restart', argv: ['rcctl', 'restart', openbsd.services[daemon]] }],
  serviceCheck: (daemon) => ({ argv: ['rcctl', 'check', openbsd.services[daemon]] }),
  // `rcctl get NAME status` exits 0 when the daemon is enabled, 1 when it is not (rcctl(8)).
  serviceEnabledCheck: (daemon) => ({ argv: ['rcctl', 'get', openbsd.services[daemon], 'status'] }),
  // usermod -G appends to the secondary groups (-S would replace them): usr.sbin/user/usermod.8.
  // groupadd(8): picks the next free gid.
  addGroup: (group) => ['groupadd', group],
  addToGroup: (user, group) => ['usermod', '-G', group, user],
  // useradd(8): -m makes the home directory.
  addUser: (name) => ['useradd', '-m', name],
  // userdel(8) (usr.sbin/user/userdel.8): -r removes the home directory and everything in it.
  removeUser: (name, purgeHome) => ['userdel', ...(purgeHome ? ['-r'] : []), name],
  // encrypt(1) (usr.bin/encrypt/encrypt.1): with no string it reads one per line from standard input
  // ("using the standard input is more secure") and prints the hash for login.conf's default class;
  // usermod(8) -p (usr.sbin/user/usermod.8) takes that already-encrypted password. The script is a
  // constant; the user name is its $1; the password travels on stdin only. Paths: usr.bin/Makefile.inc
  // (BINDIR /usr/bin) for encrypt; usr.sbin/Makefile.inc (BINDIR /usr/sbin) and usr.sbin/user/Makefile
  // (usermod is a link to user there).
  setPassword: (name, password) => ({
    argv: ['/bin/sh', '-c', 'hash=$(/usr/bin/encrypt) && [ -n "$hash" ] && exec /usr/sbin/usermod -p "$hash" "$1"', 'set-password', name],
    input: `${password}\n`,
  }),
  // pfctl(8): -n parses without loading, -f loads the file.
  firewallCheck: (path) => ['pfctl', '-n', '-f', path],
  firewallLoad: (path) => ['pfctl', '-f', path],
  // pfctl(8): -a ANCHOR -s rules shows the rules inside the anchor.
  firewallLoaded: (whole) => (whole ? ['pfctl', '-s', 'rules'] : ['pfctl', '-a', 'mail-wizard', '-s', 'rules']),
};
