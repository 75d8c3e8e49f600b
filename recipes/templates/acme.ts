/**
 * Certificates from ACME, and their renewal.
 *
 * OpenBSD: acme-client(1) with the domain block from /etc/examples/acme-client.conf, and httpd(8)
 * answering the HTTP-01 challenges from /var/www/acme. Both config files may already serve the
 * admin's website, so each gets one marked block with an `include` of a file that is wholly ours
 * (httpd.conf(5) and acme-client.conf(5): "Additional configuration files can be included with the
 * include keyword"). daily.local gets a block with the renewal: acme-client exits 0 when the
 * certificate changed, 2 when it is still valid, 1 on failure, so the daemons restart only on 0.
 *
 * Debian: certbot runs every program in /etc/letsencrypt/renewal-hooks/deploy/ after a renewal,
 * with RENEWED_LINEAGE set to the certificate's live directory; ours restarts smtpd (it reads its
 * certificate only at start) and reloads dovecot.
 */
import { LETSENCRYPT_DIRECTORY, acmeDirectory, type TlsChoice } from '../../src/answers/schema.js';
import type { Platform } from '../../src/platform/types.js';
import type { Facts } from '../../src/engine/types.js';
import { insideBlock, outsideBlock, withBlock } from '../lib/marked-block.js';
import { header, tlsPaths, type TemplateInput } from './input.js';
import { webNames } from '../../src/published/web-names.js';
import { servesWeb } from '../../src/published/mta-sts.js';

/** The file of ours that a shared config file includes: /etc/httpd.conf → /etc/httpd.mail-wizard.conf. */
export function ownInclude(sharedPath: string): string {
  return sharedPath.replace(/(\.conf)?$/, '.mail-wizard.conf');
}

const AUTHORITY = /^\s*authority\s+"?letsencrypt"?\s*\{/;

/**
 * Earlier versions wrote httpd.conf and acme-client.conf whole: such a file (our header, no block)
 * holds nothing of the admin's, and keeping it would define our server and domain twice.
 */
function withoutOurOldWholeFile(existing: string | null): string | null {
  if (existing === null || insideBlock(existing) !== null) return existing;
  return /^# Written by mail-wizard\./m.test(existing.split('\n').slice(0, 3).join('\n')) ? null : existing;
}

/**
 * Our part of acme-client.conf: the authority and our domain. Let's Encrypt's production directory
 * is the authority "letsencrypt" of /etc/examples/acme-client.conf (unless the admin already
 * defines it); another directory (staging, another CA, a test CA) gets an authority of ours, with
 * its own account key, so an admin's "letsencrypt" block is never redefined. acme-client.conf(5):
 * "api url url: Specify the url under which the ACME API is reachable" (openbsd/src
 * usr.sbin/acme-client/acme-client.conf.5).
 */
export function renderAcmeClientOwn(input: TemplateInput, sharedConf: string | null): string {
  const { answers, platform } = input;
  const { cert, key } = tlsPaths(input);
  const directory = acmeDirectory(answers.tls);
  const name = acmeAuthority(answers.tls);
  const adminAuthority = name === 'letsencrypt' && outsideBlock(withoutOurOldWholeFile(sharedConf)).some((l) => AUTHORITY.test(l));
  const authority = adminAuthority
    ? '# The authority "letsencrypt" is defined in acme-client.conf itself.\n'
    : `authority ${name} {
	api url "${directory}"
	account key "/etc/acme/${name}-privkey.pem"
}
`;
  return `${header(ownInclude(platform.paths.acmeClientConf), `certificates for ${answers.hostname} (included by ${platform.paths.acmeClientConf})`)}

${authority}
domain ${answers.hostname} {
${alternativeNames(answers)}	domain key "${key}"
	domain full chain certificate "${cert}"
	sign with ${name}
}
`;
}

/**
 * The web server's names on the same certificate: acme-client.conf(5), "alternative names { ... }:
 * Specify a list of alternative names the certificate will be valid for". A changed list makes the
 * next run ask for a new certificate by itself (revokeproc.c: "domain list changed, forcing
 * renewal"), and the domain key stays: keyproc() opens the "domain key" file read-only and loads
 * it (rsa_key_load) unless told to make a new one, which acme-client does only when the file is
 * missing (openbsd/src usr.sbin/acme-client/keyproc.c, main.c), so the key (DANE) is stable.
 */
function alternativeNames(answers: TemplateInput['answers']): string {
  const names = webNames(answers);
  return names.length ? `\talternative names { ${names.join(' ')} }\n` : '';
}

/** The acme-client.conf authority the certificate is signed with. */
export function acmeAuthority(tls: TlsChoice): string {
  return acmeDirectory(tls) === LETSENCRYPT_DIRECTORY ? 'letsencrypt' : 'mail-wizard';
}

/** acme-client.conf (the admin's, or a new one) with our include in a marked block. */
export function renderAcmeClientConf(existing: string | null, platform: Platform): string {
  return withBlock(withoutOurOldWholeFile(existing), { what: 'the mail server\'s certificate', lines: [`include "${ownInclude(platform.paths.acmeClientConf)}"`] });
}

/**
 * OpenBSD: httpd answers the http-01 challenges on port 80, on IPv4 ("*" is 0.0.0.0 only: host()
 * in openbsd/src usr.sbin/httpd/parse.y) and IPv6 ("::"), since a CA may validate over either
 * address the host name has.
 */
export function renderHttpdOwn(input: TemplateInput): string {
  const { answers, platform } = input;
  return `${header(ownInclude(platform.paths.httpdConf), `answers ACME challenges for the certificate (included by ${platform.paths.httpdConf})`)}

server "${answers.hostname}" {
${webNames(answers).map((n) => `\talias "${n}"\n`).join('')}	listen on * port 80
	listen on :: port 80
	location "/.well-known/acme-challenge/*" {
		root "/acme"
		request strip 2
	}
	location * {
		block return 302 "https://$HTTP_HOST$REQUEST_URI"
	}
}
`;
}

/** httpd.conf (the admin's website, or a new one) with our include in a marked block. */
export function renderHttpdConf(existing: string | null, platform: Platform): string {
  return withBlock(withoutOurOldWholeFile(existing), { what: 'ACME challenges for the mail server\'s certificate', lines: [`include "${ownInclude(platform.paths.httpdConf)}"`] });
}

/** The line in /etc/daily.local that renews the certificate and restarts what uses it. */
export function acmeRenewLine({ answers }: Pick<TemplateInput, 'answers'>): string {
  // httpd re-reads its certificates when it reloads (rcctl reload sends SIGHUP; its handler calls
  // parent_reload(CONFIG_RELOAD), which runs load_config() again: openbsd/src usr.sbin/httpd/httpd.c).
  return `acme-client ${answers.hostname} && rcctl restart smtpd dovecot${servesWeb(answers) ? ' && rcctl reload httpd' : ''}`;
}

/** daily.local (the admin's lines kept) with the renewal in a marked block. */
export function renderDailyLocal(existing: string | null, input: Pick<TemplateInput, 'answers'>): string {
  const renew = new RegExp(`^\\s*acme-client\\s+(-\\S+\\s+)*${input.answers.hostname.replace(/\./g, '\\.')}(\\s|$)`);
  return withBlock(existing, {
    what: 'renew the TLS certificate',
    lines: [
      '# acme-client exits 0 when it renewed, 2 when the certificate is still valid, 1 on failure',
      `# (acme-client(1)): smtpd and dovecot restart${servesWeb(input.answers) ? ', and httpd reloads,' : ''} only after a renewal.`,
      acmeRenewLine(input),
    ],
    conflict: (line) => (renew.test(line) ? 'the renewal is in the mail-wizard block' : null),
  });
}

/** Where certbot keeps the certificates it renews. */
export const CERTBOT_LIVE = '/etc/letsencrypt/live/';
export const CERTBOT_DEPLOY_HOOK = '/etc/letsencrypt/renewal-hooks/deploy/mail-wizard';

/** Whether certbot renews the certificate in use (Debian acme, or an existing certbot lineage). */
export function certbotRenews(input: Pick<TemplateInput, 'answers' | 'platform'>): boolean {
  return input.platform.name === 'debian' && tlsPaths(input).cert.startsWith(CERTBOT_LIVE);
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** certbot's deploy hook: after our certificate's renewal, smtpd restarts and dovecot reloads. */
export function renderCertbotDeployHook(input: TemplateInput, facts: Facts): string {
  const { platform } = input;
  const lineage = tlsPaths(input).cert.slice(0, -'/fullchain.pem'.length);
  const restartSmtpd = platform.restart('smtpd', facts).map((c) => c.argv.map(shellWord).join(' '));
  const reloadDovecot = platform.service('dovecot', 'reload', facts).map(shellWord).join(' ');
  // nginx (the MTA-STS policy over HTTPS) re-reads its certificates on reload.
  const reloadWeb = servesWeb(input.answers) ? `${platform.service('httpd', 'reload', facts).map(shellWord).join(' ')}\n` : '';
  return `#!/bin/sh
${header(CERTBOT_DEPLOY_HOOK, 'picks up a renewed certificate')}
#
# certbot runs this after each renewal, with RENEWED_LINEAGE set to the renewed certificate's
# directory. smtpd reads its certificate only when it starts; dovecot (and nginx) re-read it on reload.
set -e
[ "$RENEWED_LINEAGE" = ${shellWord(lineage)} ] || exit 0
${restartSmtpd.join('\n')}
${reloadDovecot}
${reloadWeb}`;
}
