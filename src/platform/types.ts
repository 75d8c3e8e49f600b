/**
 * A platform profile: everything that differs between OpenBSD and Debian (paths, users, package and
 * service commands). The config grammar is shared; the templates take paths from here.
 */
import type { Facts, ServiceAction } from '../engine/types.js';

export type PlatformName = 'openbsd' | 'debian';

/** The daemons mail-wizard manages, by role; `services` maps them to the platform's names. */
export type Daemon = 'smtpd' | 'dovecot' | 'rspamd' | 'redis' | 'httpd';

export interface Paths {
  smtpdConf: string;
  aliases: string;
  /** smtpd's senders table: the addresses each login may send as (ours, made from the aliases). */
  senders: string;
  /** smtpd's recipients table: the addresses of the domain that take mail (ours: the users and the aliases). */
  recipients: string;
  /** Directory smtpd finds filters in (proc-exec "filter-rspamd"). */
  filterRspamd: string;
  dovecotConf: string;
  /** Where Dovecot's LMTP socket appears (base_dir/lmtp). */
  lmtpSocket: string;
  /**
   * Dovecot sieve scripts for spam learning: a directory of ours, never one a package owns (a
   * package's delete would leave our files behind as strays).
   */
  sieveDir: string;
  rspamdLocalD: string;
  /** Rspamd's controller: a socket only _rspamd and root can open (no TCP port). */
  rspamdController: string;
  redisConf: string;
  /** Redis listens on this socket only (no TCP port): open to the Redis group, which rspamd joins. */
  redisSocket: string;
  redisDir: string;
  redisPidFile: string;
  redisLogFile: string;
  dkimDir: string;
  certDir: string;
  privateKeyDir: string;
  hosts: string;
  /** The file the boot scripts set the host name from (OpenBSD /etc/myname, Debian /etc/hostname). */
  hostnameFile: string;
  /**
   * The mail name file we write, which MTAs read before gethostname() (Debian /etc/mailname); ''
   * on OpenBSD, whose smtpd's /etc/mail/mailname is the admin's (the host name step warns on it).
   */
  mailname: string;
  firewallConf: string;
  acmeClientConf: string;
  httpdConf: string;
  acmeChallengeDir: string;
  // firewallConf (loaded at boot) is shared: we own one marked block of it, unless it is stock pf.conf.
  /** Our own rules: the nftables table, or the pf anchor's rules. */
  firewallRules: string;
  /** The rules to go back to when a new ruleset is not confirmed in time ("confirm or revert"). */
  firewallRevert: string;
  sshdConfig: string;
  /** Where the run state lives (what runs changed and still owe, the files mail-wizard wrote). */
  stateDir: string;
}

/** Programs the recipes run, by role (absolute where the platform's PATH for root may lack them). */
export interface Programs {
  smtpd: string;
  sendmail: string;
  doveconf: string;
  sievec: string;
  rspamadm: string;
  rspamc: string;
  redisCli: string;
}

export interface Platform {
  name: PlatformName;
  title: string;
  paths: Paths;
  users: {
    /** Group that may read the DKIM key (rspamd runs as this). */
    rspamd: string;
    /** Group of the Redis user: its socket is open to this group only (rspamd joins it). */
    redis: string;
    /** smtpd's unprivileged user: it delivers to Dovecot's LMTP socket (action ... user). */
    smtpd: string;
    /** Group (of ours) that Dovecot gives the mail processes: only it may reach the learn services. */
    learn: string;
    /** Group that owns the TLS private keys' directory. */
    root: string;
    wheel: string;
  };
  /** The platform's names for each daemon. */
  services: Record<Daemon, string>;
  /** Packages to install, by purpose. */
  packages: string[];
  bin: Programs;
  /** Dovecot's password database for UNIX accounts. */
  dovecotPassdb: 'bsdauth' | 'pam';
  /**
   * Whether redis-server forks itself. Both platforms' start commands wait for the command to
   * return (OpenBSD's rc.subr without rc_bg, Debian's init script), so both need `yes`.
   */
  redisDaemonize: boolean;
  /** redis.conf maxclients where the daemon's file limit is small (OpenBSD's login class); else Redis's default. */
  redisMaxClients?: number;
  /** Dovecot version assumed until the probe reads the real one (OpenBSD ships 2.3, trixie 2.4). */
  defaultDovecotVersion: string;
  /** argv that exits 0 when a package is installed. */
  packageQuery(name: string): string[];
  /** argv that installs; it never removes a package unless `removals` says it may. */
  install(names: string[], removals?: 'allowed'): { argv: string[]; env?: Record<string, string> };
  service(daemon: Daemon, op: ServiceAction['op'], facts: Facts): string[];
  /** The commands that restart a daemon, in order (one, unless its restart is unreliable). */
  restart(daemon: Daemon, facts: Facts): { op: ServiceAction['op']; argv: string[] }[];
  /**
   * How to tell the daemon runs: a command that exits 0 when it does, or its pid file (Debian's
   * init scripts answer `status` with exit 0 even when the daemon is down).
   */
  serviceCheck(daemon: Daemon, facts: Facts): { argv: string[] } | { pidFile: string };
  /**
   * How to tell the daemon starts at boot: a command that exits 0 when it does, or (SysV init,
   * no command for it) the runlevel directory whose S* links name it.
   */
  serviceEnabledCheck(daemon: Daemon, facts: Facts): { argv: string[] } | { rcDir: string; name: string };
  /** argv that adds a system group with no members. */
  addGroup(group: string): string[];
  /** argv that adds an existing user to a further (secondary) group, keeping its other groups. */
  addToGroup(user: string, group: string): string[];
  /** argv that adds a local user with a home directory. */
  addUser(name: string): string[];
  /** argv that removes a local user; `purgeHome` removes the home directory (the mail in it) too. */
  removeUser(name: string, purgeHome: boolean): string[];
  /**
   * How to set a user's password: an argv that reads the secret from standard input (never from
   * its arguments) and the exact text to feed it. The text is secret: see RunAction.secret.
   */
  setPassword(name: string, password: string): { argv: string[]; input: string };
  /** argv that checks a firewall config file without loading it, then the one that loads it. */
  firewallCheck(path: string): string[];
  firewallLoad(path: string): string[];
  /**
   * argv that lists the mail rules as the kernel has them loaded now (exit ≠ 0 when there are none);
   * `whole`: pf.conf is ours as a whole (it was the stock one), so the rules are the main ruleset.
   */
  firewallLoaded(whole: boolean): string[];
  /** How the package lists are refreshed before an install, when they are older than `maxAgeMs`. */
  packageLists?: { dir: string; refresh: { argv: string[]; env?: Record<string, string> }; maxAgeMs: number };
  /** argv that shows what installing would do without doing it (apt-get -s); none: no removals. */
  simulateInstall?(names: string[]): { argv: string[]; env?: Record<string, string> };
}
