/**
 * The web server for MTA-STS (RFC 8461 §3.3: the policy at https://mta-sts.<domain>/.well-known/
 * mta-sts.txt, text/plain, no redirect) and mail client autoconfig (autoconfig.<domain>/mail/
 * config-v1.1.xml), over HTTPS on port 443 with the server's certificate, which names both.
 *
 * OpenBSD: httpd(8) from base, with a file of ours included from a named block of /etc/httpd.conf
 * (the ACME challenge server on port 80 is the tls step's own include, see acme.ts).
 * Debian: nginx, with files of ours in /etc/nginx/conf.d/ (Debian's nginx.conf includes
 * /etc/nginx/conf.d/*.conf inside its http block): mail-wizard.conf, the HTTPS servers (this step),
 * and mail-wizard-acme.conf, the port-80 ACME challenges for certbot's webroot (the tls step, which
 * must answer them before there is a certificate for the HTTPS servers to load).
 */
import type { Answers } from '../../src/answers/schema.js';
import { AUTOCONFIG_PATH, autoconfigHost, autoconfigXml } from '../../src/published/autoconfig.js';
import { MTA_STS_PATH, mtaStsHost, mtaStsPolicy } from '../../src/published/mta-sts.js';
import { certificateNames } from '../../src/published/web-names.js';
import { withBlock } from '../lib/marked-block.js';
import { header, tlsPaths, type TemplateInput } from './input.js';

/** Where our files are served from: under httpd's chroot /var/www (httpd.conf(5), "chroot": "it defaults to /var/www"); Debian keeps web content there too. */
export const WEB_ROOT = '/var/www/mail-wizard';
/** certbot's --webroot directory on Debian: it writes the challenges to <it>/.well-known/acme-challenge/. */
export const ACME_WEBROOT = `${WEB_ROOT}/acme`;

export const NGINX_CONF = '/etc/nginx/conf.d/mail-wizard.conf';
export const NGINX_ACME_CONF = '/etc/nginx/conf.d/mail-wizard-acme.conf';
export const HTTPD_WEB_BLOCK = 'web';

/** The file of ours /etc/httpd.conf includes for the HTTPS servers. */
export function httpdWebInclude(httpdConf: string): string {
  return httpdConf.replace(/(\.conf)?$/, '.mail-wizard-web.conf');
}

export interface ServedFile {
  /** The name it is served for. */
  host: string;
  /** The URL path. */
  urlPath: string;
  /** Its directory's root (the server's document root). */
  root: string;
  /** The file on disk. */
  path: string;
  content: string;
  contentType: 'text/plain' | 'text/xml';
}

/** The two files the web server serves; empty when MTA-STS is off. */
export function servedFiles(answers: Answers): ServedFile[] {
  const policy = mtaStsPolicy(answers);
  if (policy === null) return [];
  const file = (host: string, dir: string, urlPath: string, content: string, contentType: ServedFile['contentType']): ServedFile => ({
    host,
    urlPath,
    root: `${WEB_ROOT}/${dir}`,
    path: `${WEB_ROOT}/${dir}${urlPath}`,
    content,
    contentType,
  });
  return [
    file(mtaStsHost(answers.domain), 'mta-sts', MTA_STS_PATH, policy, 'text/plain'),
    file(autoconfigHost(answers.domain), 'autoconfig', AUTOCONFIG_PATH, autoconfigXml(answers), 'text/xml'),
  ];
}

/** A path inside httpd's chroot, as httpd.conf names it. */
function inChroot(path: string): string {
  return path.replace(/^\/var\/www(?=\/)/, '');
}

/**
 * OpenBSD: the HTTPS servers. httpd.conf(5) (openbsd/src usr.sbin/httpd/httpd.conf.5):
 * "listen on address [tls] port number" (twice: "*" is 0.0.0.0 only, host() in usr.sbin/httpd/parse.y,
 * so IPv6 needs "::"); "tls certificate file", "tls key file" (the key "should
 * ... reside outside of the chroot(2) root directory"); "root directory: a pathname within the
 * chroot(2) root directory"; `location` rules: "the first matching location statement will be put
 * into effect"; "block return code": 404 for everything else, never a redirect (RFC 8461 §3.3);
 * built-in media types include text/plain (.txt) but not xml, so the autoconfig location sets
 * "default type" (for a location, "overwriting the global setting").
 */
export function renderHttpdWeb(input: TemplateInput): string {
  const { answers, platform } = input;
  const { cert, key } = tlsPaths(input);
  const blocks = servedFiles(answers).map((f) => `server "${f.host}" {
	listen on * tls port 443
	listen on :: tls port 443
	tls certificate "${cert}"
	tls key "${key}"
	root "${inChroot(f.root)}"
	location "${f.urlPath}" {
${f.contentType === 'text/plain' ? '' : `		default type ${f.contentType}\n`}		pass
	}
	location * {
		block return 404
	}
}
`);
  return `${header(httpdWebInclude(platform.paths.httpdConf), `serves the MTA-STS policy and the mail client autoconfig file (included by ${platform.paths.httpdConf})`)}

${blocks.join('\n')}`;
}

/** httpd.conf with our named block including the HTTPS servers (the tls step's block is left alone). */
export function renderHttpdConfWeb(existing: string | null, platform: TemplateInput['platform']): string {
  return withBlock(existing, { name: HTTPD_WEB_BLOCK, what: 'the MTA-STS policy and mail client autoconfig over HTTPS', lines: [`include "${httpdWebInclude(platform.paths.httpdConf)}"`] });
}

/**
 * Debian: nginx's HTTPS servers. `location =` is an exact match; `types {}` with `default_type`
 * sets the Content-Type whatever mime.types says; every other path is a 404 (no redirect: RFC 8461
 * §3.3). Both IPv4 and IPv6, like the mail ports.
 */
export function renderNginxWeb(input: TemplateInput): string {
  const { cert, key } = tlsPaths(input);
  const blocks = servedFiles(input.answers).map((f) => `server {
	listen 443 ssl;
	listen [::]:443 ssl;
	server_name ${f.host};
	ssl_certificate ${cert};
	ssl_certificate_key ${key};
	root ${f.root};
	location = ${f.urlPath} {
		types { }
		default_type ${f.contentType};
	}
	location / {
		return 404;
	}
}
`);
  return `${header(NGINX_CONF, 'serves the MTA-STS policy and the mail client autoconfig file')}

${blocks.join('\n')}`;
}

/**
 * Debian: the ACME http-01 challenges on port 80 for every certificate name, from certbot's webroot
 * (certbot --webroot writes them to <webroot>/.well-known/acme-challenge/). The distribution's
 * default site stays the default for every other name. The web names are answered even with
 * MTA-STS off: a certificate that got them earlier keeps them until it is asked for anew, and its
 * renewals validate every name on it.
 */
export function renderNginxAcme(answers: Answers): string {
  return `${header(NGINX_ACME_CONF, 'answers ACME challenges for the certificate (certbot --webroot)')}

server {
	listen 80;
	listen [::]:80;
	server_name ${certificateNames({ ...answers, mtaSts: 'testing' }).join(' ')};
	location /.well-known/acme-challenge/ {
		root ${ACME_WEBROOT};
		default_type text/plain;
	}
	location / {
		return 404;
	}
}
`;
}

/** Whether a file there is one of ours (its header), so that we may remove it when MTA-STS is turned off. */
export function writtenByUs(content: string | null): boolean {
  return content !== null && /^# Written by mail-wizard\./m.test(content.split('\n').slice(0, 3).join('\n'));
}
