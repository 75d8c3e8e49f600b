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

# Rspamd scores incoming mail and signs outgoing mail with DKIM.
filter "rspamd" proc-exec "filter-rspamd"

# 25: other mail servers (STARTTLS offered). 465 (TLS) and 587 (STARTTLS required): your mail
# clients, which must log in; mask-src keeps their addresses out of the Received headers;
# senders/masquerade refuse a MAIL FROM that is not the login's and set From to match it.
${listen(`port 25 tls ${common} filter "rspamd"`)}
${listen(`port 465 smtps ${common} auth senders <allowed_senders> masquerade mask-src filter "rspamd"`)}
${listen(`port 587 tls-require ${common} auth senders <allowed_senders> masquerade mask-src filter "rspamd"`)}

action "local_mail" lmtp "${platform.paths.lmtpSocket}" rcpt-to alias <aliases> user "${platform.users.smtpd}"
action "outbound" relay helo "${host}"

match from any for domain "${answers.domain}" action "local_mail"
match from local for local action "local_mail"
match from local for any action "outbound"
match from any auth for any action "outbound"
`;
}
