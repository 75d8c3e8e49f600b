/**
 * dovecot.conf, whole (no conf.d includes, so nothing the package ships can contradict it):
 * IMAP over TLS for the UNIX users, LMTP for smtpd, Maildir in ~/Maildir, and spam learning when a
 * message is moved into or out of Junk (imapsieve → rspamc). Dovecot 2.3 and 2.4 have different
 * grammars; the probed `dovecot --version` picks one.
 */
import { header, tlsPaths, type TemplateInput } from './input.js';

export function dovecotMajorMinor(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [2, 3];
}

export function usesDovecot24(version: string): boolean {
  const [major, minor] = dovecotMajorMinor(version);
  return major > 2 || (major === 2 && minor >= 4);
}

/**
 * The Dovecot version a dovecot.conf was written for, from the header mail-wizard writes into it
 * ("# /etc/dovecot/dovecot.conf: Dovecot 2.3.21 for example.org"); null for a file without one.
 */
export function renderedForDovecot(conf: string): string | null {
  return /^# \S+: Dovecot (\d+\.\d+\S*) for /m.exec(conf)?.[1] ?? null;
}

/** The grammar a version reads: 2.4 changed most setting names (doc.dovecot.org, "Upgrading 2.3 to 2.4"). */
export function dovecotGrammar(version: string): '2.3' | '2.4' {
  return usesDovecot24(version) ? '2.4' : '2.3';
}

export function renderDovecotConf(input: TemplateInput): string {
  const version = input.facts.dovecotVersion ?? input.platform.defaultDovecotVersion;
  return usesDovecot24(version) ? renderDovecot24(input, version) : renderDovecot23(input, version);
}

const MAILBOXES: [string, string, string?][] = [
  ['Drafts', '\\Drafts'],
  ['Junk', '\\Junk', '30d'],
  ['Sent', '\\Sent'],
  ['Trash', '\\Trash', '30d'],
  ['Archive', '\\Archive'],
];

/** Where the imapsieve scripts find the learn services' sockets (under base_dir). */
export const PIPE_SOCKET_DIR = 'sieve-pipe';

/** The listeners and the learn services: the same in both grammars. */
function services(input: TemplateInput): string {
  const { platform } = input;
  const learn = (what: 'spam' | 'ham') => `service learn-${what} {
  executable = script ${platform.paths.sieveDir}/learn-${what}.sh
  user = ${platform.users.rspamd}
  unix_listener ${PIPE_SOCKET_DIR}/learn-${what} {
    mode = 0660
    group = ${platform.users.learn}
  }
}`;
  return `service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}

# LMTP: smtpd forks its delivery as the action's user (smtpd.conf: lmtp ... user "${platform.users.smtpd}";
# smtpd.c forkmda() drops to that user with setgroups(1, its gid): no supplementary groups). So
# only that user may connect, and no local account can drop mail into a mailbox past smtpd and
# rspamd. Without "user", smtpd delivers as each recipient and the socket would need 0666.
service lmtp {
  unix_listener lmtp {
    mode = 0600
    user = ${platform.users.smtpd}
  }
}

# Spam learning runs as ${platform.users.rspamd}, never as the mail user: the imapsieve scripts (run by
# the user's imap process) pipe the message to these services (Dovecot's "script" runs the program
# as the service's user), and only ${platform.users.rspamd} can open rspamd's controller socket. The
# services' sockets are for the ${platform.users.learn} group, which only Dovecot's mail processes get
# (mail_access_groups): a user's shell cannot reach them.
${learn('spam')}
${learn('ham')}
`;
}

function mailboxes(indent: string): string {
  return MAILBOXES.map(([name, use, expunge]) =>
    [
      `${indent}mailbox ${name} {`,
      `${indent}  special_use = ${use}`,
      `${indent}  auto = subscribe`,
      ...(expunge ? [`${indent}  autoexpunge = ${expunge}`] : []),
      `${indent}}`,
    ].join('\n'),
  ).join('\n');
}

function intro(input: TemplateInput, version: string): string {
  return `${header(input.platform.paths.dovecotConf, `Dovecot ${version.split(' ')[0]} for ${input.answers.domain}`)}
#
# IMAP (993 with TLS, 143 with STARTTLS; logins only over TLS) for the local users, LMTP for
# OpenSMTPD, mail in ~/Maildir. Moving a message into Junk teaches Rspamd it is spam; moving it
# out of Junk teaches it is ham.`;
}

function renderDovecot23(input: TemplateInput, version: string): string {
  const { platform } = input;
  const { cert, key } = tlsPaths(input);
  const sieve = platform.paths.sieveDir;
  return `${intro(input, version)}

protocols = imap lmtp
listen = *, ::
mail_location = maildir:~/Maildir
first_valid_uid = 1000
# The mail processes (not the users' shells) may reach the spam-learning services.
mail_access_groups = ${platform.users.learn}

ssl = required
ssl_cert = <${cert}
ssl_key = <${key}
ssl_min_protocol = TLSv1.2
ssl_prefer_server_ciphers = yes

disable_plaintext_auth = yes
auth_mechanisms = plain login
# smtpd hands LMTP the UNIX user an address or alias ends at (alice: Dovecot's LMTP takes a
# recipient without a domain, lmtp-client.c); a full address is looked up by its local part.
auth_username_format = %Ln

passdb {
  driver = ${platform.dovecotPassdb}
}
userdb {
  driver = passwd
}

namespace inbox {
  inbox = yes
${mailboxes('  ')}
}

${services(input)}
protocol lmtp {
  mail_plugins = $mail_plugins sieve
}

protocol imap {
  mail_plugins = $mail_plugins imap_sieve
}

plugin {
  sieve_plugins = sieve_imapsieve sieve_extprograms
  sieve_global_extensions = +vnd.dovecot.pipe +vnd.dovecot.environment
  sieve_pipe_socket_dir = ${PIPE_SOCKET_DIR}

  imapsieve_mailbox1_name = Junk
  imapsieve_mailbox1_causes = COPY
  imapsieve_mailbox1_before = file:${sieve}/report-spam.sieve

  imapsieve_mailbox2_name = *
  imapsieve_mailbox2_from = Junk
  imapsieve_mailbox2_causes = COPY
  imapsieve_mailbox2_before = file:${sieve}/report-ham.sieve
}
`;
}

function renderDovecot24(input: TemplateInput, version: string): string {
  const { platform } = input;
  const { cert, key } = tlsPaths(input);
  const sieve = platform.paths.sieveDir;
  return `dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0

${intro(input, version)}

protocols = imap lmtp
listen = *, ::
mail_driver = maildir
mail_path = ~/Maildir
first_valid_uid = 1000
# The mail processes (not the users' shells) may reach the spam-learning services.
mail_access_groups = ${platform.users.learn}

ssl = required
ssl_server_cert_file = ${cert}
ssl_server_key_file = ${key}
ssl_min_protocol = TLSv1.2
ssl_server_prefer_ciphers = server

auth_allow_cleartext = no
auth_mechanisms = plain login
# smtpd hands LMTP the UNIX user an address or alias ends at (alice: Dovecot's LMTP takes a
# recipient without a domain, lmtp-client.c); a full address is looked up by its local part.
auth_username_format = %{user | username | lower}

passdb ${platform.dovecotPassdb} {
}
userdb passwd {
}

namespace inbox {
  inbox = yes
${mailboxes('  ')}
}

# Spam learning: a message copied (moved) into Junk, or out of it.
mailbox Junk {
  sieve_script report-spam {
    type = before
    cause = copy
    path = ${sieve}/report-spam.sieve
  }
}
imapsieve_from Junk {
  sieve_script report-ham {
    type = before
    cause = copy
    path = ${sieve}/report-ham.sieve
  }
}

${services(input)}
protocol lmtp {
  mail_plugins {
    sieve = yes
  }
}

protocol imap {
  mail_plugins {
    imap_sieve = yes
  }
}

sieve_plugins {
  sieve_imapsieve = yes
  sieve_extprograms = yes
}
sieve_global_extensions {
  vnd.dovecot.pipe = yes
  vnd.dovecot.environment = yes
}
sieve_pipe_socket_dir = ${PIPE_SOCKET_DIR}
`;
}

/** The imapsieve scripts and the programs they pipe the message to. */
export function renderSieveFiles(input: TemplateInput): { name: string; content: string; mode: number }[] {
  const { rspamc } = input.platform.bin;
  const learn = (what: 'spam' | 'ham') =>
    `#!/bin/sh
# Run by Dovecot's learn-${what} service as ${input.platform.users.rspamd} (see dovecot.conf): teaches Rspamd,
# through its controller socket, that the message on stdin is ${what}. No arguments are used.
exec ${rspamc} -h ${input.platform.paths.rspamdController} learn_${what}
`;
  return [
    {
      name: 'report-spam.sieve',
      mode: 0o644,
      content: `# A message moved into Junk: learn it as spam.
require ["vnd.dovecot.pipe", "copy", "imapsieve"];
pipe :copy "learn-spam";
`,
    },
    {
      name: 'report-ham.sieve',
      mode: 0o644,
      content: `# A message moved out of Junk (not into Trash): learn it as ham.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];
if environment :matches "imap.mailbox" "*" {
  set "mailbox" "\${1}";
}
if string "\${mailbox}" "Trash" {
  stop;
}
pipe :copy "learn-ham";
`,
    },
    { name: 'learn-spam.sh', mode: 0o755, content: learn('spam') },
    { name: 'learn-ham.sh', mode: 0o755, content: learn('ham') },
  ];
}
