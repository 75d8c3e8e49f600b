/** smtpd.conf for OpenSMTPD 7.x (smtpd.conf(5)); the same grammar on OpenBSD and Debian. */
import { header, tlsPaths, type TemplateInput } from './input.js';

export function renderSmtpdConf(input: TemplateInput): string {
  const { answers, platform } = input;
  const host = answers.hostname;
  const { cert, key } = tlsPaths(input);
  const common = `pki "${host}" hostname "${host}"`;
  // Wildcard addresses, not the OpenBSD-only interface group "all" (portable smtpd rejects it)
  // and not an interface's own address (bound at start, lost when it changes).
  const addresses = answers.ipv6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
  const listen = (rest: string) => addresses.map((a) => `listen on ${a} ${rest}`).join('\n');
  return `${header(platform.paths.smtpdConf, `OpenSMTPD for ${answers.domain} on ${host}`)}
#
# Mail for ${answers.domain} goes to Dovecot over LMTP. Only mail from this machine and from
# users who logged in (465/587) is relayed to other domains: this server is no open relay.

pki "${host}" cert "${cert}"
pki "${host}" key "${key}"

table aliases file:${platform.paths.aliases}
# Each login may send only as its own addresses and the aliases that reach it.
table allowed_senders file:${platform.paths.senders}
# The addresses of ${answers.domain} that take mail: the users and the aliases.
table recipients file:${platform.paths.recipients}

# Rspamd scores incoming mail and signs outgoing mail with DKIM. Its address is given: the
# filter's default, http://localhost:11333 (filter-rspamd -h), is a name a DNS wildcard can move.
filter "rspamd" proc-exec "filter-rspamd -url http://127.0.0.1:11333"

# Mail submitted on this machine with sendmail(8) (cron, daily(8), scripts, DMARC reports): the
# implicit socket listener has no filter, so name it, or that mail leaves unsigned
# (opensmtpd-filter-rspamd's pkg/README in the ports tree says so).
listen on socket filter "rspamd"

# 25: other mail servers (STARTTLS offered). 465 (TLS) and 587 (STARTTLS required): your mail
# clients, which must log in; mask-src keeps their addresses out of the Received headers;
# senders/masquerade refuse a MAIL FROM that is not the login's and set From to match it.
${listen(`port 25 tls ${common} filter "rspamd"`)}
${listen(`port 465 smtps ${common} auth senders <allowed_senders> masquerade mask-src filter "rspamd"`)}
${listen(`port 587 tls-require ${common} auth senders <allowed_senders> masquerade mask-src filter "rspamd"`)}

# Aliases are expanded first; Dovecot is handed the local user they end at (mail.lmtp -u: the
# recipient's name even when "user" runs the delivery as another account, mda_unpriv.c), not the
# original recipient ("rcpt-to" would hand it postmaster@domain, which is no user: parse.y,
# lka_session.c). An alias to an address elsewhere counts as local mail (ruleset.c), so
# "from local for any" below relays it.
action "local_mail" lmtp "${platform.paths.lmtpSocket}" alias <aliases> user "${platform.users.smtpd}"
${outboundAction(answers.relayHost, host)}

# Any other address of ${answers.domain} (a system account such as www-data, a typo) is refused
# at RCPT, before anything is queued: no bounce to a forged sender, no mail in an account's home.
match from any for domain "${answers.domain}" rcpt-to <recipients> action "local_mail"
match from any for domain "${answers.domain}" reject
match from local for local action "local_mail"
match from local for any action "outbound"
match from any auth for any action "outbound"
`;
}

/**
 * To each recipient's MX, or through the relay host of the answers (for a provider that blocks
 * outbound 25): smtpd.conf(5), "relay host relay-url", smtp+tls is SMTP with mandatory STARTTLS.
 */
function outboundAction(relayHost: string | undefined, host: string): string {
  if (!relayHost) return `action "outbound" relay helo "${host}"`;
  return `# Outgoing mail goes through the relay host of the answers (relayHost), not to each MX.
action "outbound" relay host "smtp+tls://${relayHost}" helo "${host}"`;
}
