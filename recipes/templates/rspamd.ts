/**
 * Rspamd's local.d overrides (the package's own files stay untouched, as its README asks): workers
 * on 127.0.0.1, Redis on 127.0.0.1, Bayes in Redis, DKIM signing for the mail domain.
 */
import { dkimPaths, header, type TemplateInput } from './input.js';

export interface RenderedFile {
  path: string;
  content: string;
}

export function renderRspamdLocalD(input: TemplateInput): RenderedFile[] {
  const dir = input.platform.paths.rspamdLocalD;
  const { answers } = input;
  const file = (name: string, what: string, body: string): RenderedFile => ({
    path: `${dir}/${name}`,
    content: `${header(`${dir}/${name}`, what)}\n\n${body}`,
  });
  return [
    // The stock workers bind "localhost": with no /etc/hosts entry, or a wildcard DNS record,
    // that name is not loopback and rspamd fails to start (see the seed story).
    file('worker-normal.inc', 'the scanner smtpd talks to', 'bind_socket = "127.0.0.1:11333";\n'),
    file(
      'worker-controller.inc',
      'the controller (web UI, learning)',
      // rspamd trusts every connection on a unix socket (controller.c, check_password: "allow
      // unauthorized connection from a unix socket"), and the stock config trusts 127.0.0.1 too.
      `# No TCP port: on 127.0.0.1 every local user could train, reconfigure and read rspamd.
# A socket only ${input.platform.users.rspamd} (and root) can open; Dovecot's learn service runs as ${input.platform.users.rspamd}.
# Use it as root: rspamc -h ${input.platform.paths.rspamdController} stat
bind_socket = "${input.platform.paths.rspamdController} mode=0600 owner=${input.platform.users.rspamd}";
`,
    ),
    file('worker-proxy.inc', 'the milter proxy (unused by OpenSMTPD)', 'bind_socket = "127.0.0.1:11332";\n'),
    file(
      'redis.conf',
      'Redis for all modules',
      `# Redis's socket (no TCP port): open to the ${input.platform.users.redis} group, which _rspamd is in.\nservers = "${input.platform.paths.redisSocket}";\n`,
    ),
    file(
      'classifier-bayes.conf',
      'the Bayes classifier',
      '# Tokens in Redis; learn automatically from very clear spam and ham.\nbackend = "redis";\nautolearn = true;\n',
    ),
    file(
      'milter_headers.conf',
      'headers added to scanned mail',
      '# Show the verdict to users and their filters.\nuse = ["x-spamd-bar", "x-spam-level", "authentication-results"];\nauthenticated_headers = ["authentication-results"];\n',
    ),
    file('dkim_signing.conf', `DKIM signing for ${answers.domain}`, renderDkimSigning(input)),
  ];
}

function renderDkimSigning(input: TemplateInput): string {
  const { answers } = input;
  const { key } = dkimPaths(input);
  return `# Sign mail whose From is @${answers.domain} when it comes from a logged-in user or this machine.
# Users log in with their UNIX name (alice), not their address: allow that mismatch.
allow_username_mismatch = true;
sign_authenticated = true;
# Mail from sendmail(8) reaches rspamd through smtpd's socket listener, which filter-rspamd
# reports as coming from 127.0.0.1 (filter-rspamd.go): sign mail from loopback. Not sign_local,
# which also signs mail from any private network (rspamd's local_addrs, lua_dkim_tools.lua): a
# NAT or load balancer in front of this server can make strangers' mail come from one.
# The envelope sender of local mail is user@<this host's mail name> (smtpd's enqueue.c), which
# need not match the From a script writes: sign it all the same.
sign_local = false;
sign_networks = ["127.0.0.1", "::1"];
allow_hdrfrom_mismatch_sign_networks = true;
use_domain = "header";

domain {
  ${answers.domain} {
    path = "${key}";
    selector = "${answers.dkimSelector}";
  }
}
`;
}
