/**
 * ACME on OpenBSD: acme-client(1) with the domain block from /etc/examples/acme-client.conf, and
 * httpd(8) answering the HTTP-01 challenges from /var/www/acme. acme-client exits 0 when the
 * certificate changed, 2 when it is still valid, 1 on failure: the renewal line restarts the
 * daemons only on 0.
 */
import { header, tlsPaths, type TemplateInput } from './input.js';

export function renderAcmeClientConf(input: TemplateInput): string {
  const { answers, platform } = input;
  const { cert, key } = tlsPaths(input);
  return `${header(platform.paths.acmeClientConf, `certificates for ${answers.hostname}`)}

authority letsencrypt {
	api url "https://acme-v02.api.letsencrypt.org/directory"
	account key "/etc/acme/letsencrypt-privkey.pem"
}

domain ${answers.hostname} {
	domain key "${key}"
	domain full chain certificate "${cert}"
	sign with letsencrypt
}
`;
}

export function renderHttpdConf(input: TemplateInput): string {
  const { answers, platform } = input;
  return `${header(platform.paths.httpdConf, 'answers ACME challenges for the certificate')}

server "${answers.hostname}" {
	listen on * port 80
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

/** The line in /etc/daily.local that renews the certificate and restarts what uses it. */
export function acmeRenewLine({ answers }: Pick<TemplateInput, 'answers'>): string {
  return `acme-client ${answers.hostname} && rcctl restart smtpd dovecot`;
}

/** daily.local with the renewal line added (other lines kept). */
export function renderDailyLocal(existing: string | null, input: Pick<TemplateInput, 'answers'>): string {
  const line = acmeRenewLine(input);
  const lines = (existing ?? '').split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
  if (lines.includes(line)) return `${lines.join('\n')}\n`;
  return `${[...lines, '# Renew the TLS certificate (mail-wizard); exit 2 = still valid, no restart.', line].join('\n')}\n`;
}
