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
      '# Only reachable from this machine; rspamc learns through it without a password.\nbind_socket = "127.0.0.1:11334";\n',
    ),
    file('worker-proxy.inc', 'the milter proxy (unused by OpenSMTPD)', 'bind_socket = "127.0.0.1:11332";\n'),
    file('redis.conf', 'Redis for all modules', 'servers = "127.0.0.1:6379";\n'),
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
sign_local = true;
use_domain = "header";

domain {
  ${answers.domain} {
    path = "${key}";
    selector = "${answers.dkimSelector}";
  }
}
`;
}
