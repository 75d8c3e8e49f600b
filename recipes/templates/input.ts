/** What every template is a pure function of: the answers and the platform (with probed facts). */
import type { Answers } from '../../src/answers/schema.js';
import type { Facts } from '../../src/engine/types.js';
import type { Platform } from '../../src/platform/types.js';

export interface TemplateInput {
  answers: Answers;
  platform: Platform;
  facts: Facts;
}

/** Where the certificate and its key live for the chosen TLS mode. */
export function tlsPaths({ answers, platform }: Pick<TemplateInput, 'answers' | 'platform'>): { cert: string; key: string } {
  const tls = answers.tls;
  if (tls.mode === 'existing') return { cert: tls.cert, key: tls.key };
  if (tls.mode === 'acme' && platform.name === 'debian') {
    return { cert: `/etc/letsencrypt/live/${answers.hostname}/fullchain.pem`, key: `/etc/letsencrypt/live/${answers.hostname}/privkey.pem` };
  }
  return {
    cert: `${platform.paths.certDir}/${answers.hostname}.fullchain.pem`,
    key: `${platform.paths.privateKeyDir}/${answers.hostname}.key`,
  };
}

/** The DKIM private key and its public half; the selector is in the name so keys can be rotated. */
export function dkimPaths({ answers, platform }: Pick<TemplateInput, 'answers' | 'platform'>): { key: string; pub: string } {
  const base = `${platform.paths.dkimDir}/${answers.domain}.${answers.dkimSelector}`;
  return { key: `${base}.key`, pub: `${base}.pub` };
}

/** The header every generated file starts with (comment syntax varies). */
export function header(file: string, what: string, comment = '#'): string {
  return [
    `${comment} ${file}: ${what}`,
    `${comment} Written by mail-wizard. Rerun \`mail-wizard repair\` rather than editing by hand;`,
    `${comment} the previous version of this file is kept under /var/backups/mail-wizard/.`,
  ].join('\n');
}
