/**
 * The OpenBSD rendering laid out in a temp root, for the Debian builds of the same daemons to read.
 * Where a rendered setting only OpenBSD's build of a daemon accepts, the Debian build gets the
 * nearest one it has: each such swap is listed here with the OpenBSD file that explains it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import type { Answers } from '../../src/answers/schema.js';
import type { Facts } from '../../src/engine/types.js';
import { debian } from '../../src/platform/debian.js';
import { openbsd } from '../../src/platform/openbsd.js';
import type { Platform } from '../../src/platform/types.js';
import { generateRsaKeyPair } from '../../src/dkim/keys.js';
import { selfSignedCertificatePem } from '../../src/tls/certificate.js';
import { renderAliases } from '../../recipes/templates/aliases.js';
import { renderDovecotConf, renderSieveFiles } from '../../recipes/templates/dovecot.js';
import { dkimPaths, tlsPaths } from '../../recipes/templates/input.js';
import { renderRedisConf } from '../../recipes/templates/redis.js';
import { renderRspamdLocalD } from '../../recipes/templates/rspamd.js';
import { renderRecipients } from '../../recipes/templates/recipients.js';
import { renderSenders } from '../../recipes/templates/senders.js';
import { renderSmtpdConf } from '../../recipes/templates/smtpd.js';

/** Self-signed TLS: what the templates render for a box without ACME. */
export const OPENBSD_ANSWERS: Answers = { ...DEMO_ANSWERS, tls: { mode: 'self-signed' } };
export const OPENBSD_FACTS: Facts = { dovecotVersion: '2.3.21' };

export async function put(file: string, content: string, mode = 0o644): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content, { mode });
}

/**
 * OpenBSD's Redis accepts `syslog-facility daemon` through a port patch
 * (databases/redis/bsd/patches/patch-src_config_c); Debian's Redis knows only user and local0-7.
 */
export function forDebianRedis(conf: string): string {
  return conf.replace(/^syslog-facility daemon$/m, 'syslog-facility user');
}

/**
 * Dovecot's bsdauth passdb exists only in OpenBSD's build (ports: mail/dovecot,
 * patches/patch-src_auth_passdb-bsdauth_c); Debian's build has PAM in its place. OpenBSD's smtpd
 * runs as _smtpd (src: usr.sbin/smtpd/smtpd.h SMTPD_USER), Debian's as opensmtpd. The learn
 * group is made by the users step, which these tests do not run on this machine: Dovecot's own
 * group stands in for it.
 */
export function forDebianDovecot(conf: string): string {
  return conf
    .replace(/driver = bsdauth/, 'driver = pam')
    .replace(/\b_smtpd\b/g, debian.users.smtpd)
    .replace(new RegExp(`\\b${openbsd.users.learn}\\b`, 'g'), 'dovecot');
}

/**
 * Writes every file the openbsd profile renders for the daemons (platform: the profile mapped
 * under the root), plus what setup makes before them: TLS certificate and key, DKIM key, aliases
 * senders and recipients.
 * rspamd's own tree is Debian's /etc/rspamd with our local.d on top, as the package would have it.
 */
export async function writeOpenbsdTree(platform: Platform, answers: Answers = OPENBSD_ANSWERS): Promise<void> {
  const input = { answers, platform, facts: OPENBSD_FACTS };
  const { cert, key } = tlsPaths(input);
  const pair = await generateRsaKeyPair(2048);
  await put(key, pair.privateKeyPem, 0o600);
  await put(cert, selfSignedCertificatePem(pair.privateKeyPem, answers.hostname, [], 1));
  await put(dkimPaths(input).key, pair.privateKeyPem, 0o640);
  await put(platform.paths.aliases, renderAliases(null, answers));
  await put(platform.paths.senders, renderSenders(answers, renderAliases(null, answers), platform.paths.senders));
  await put(platform.paths.recipients, renderRecipients(answers, renderAliases(null, answers), platform.paths.recipients));
  await put(platform.paths.smtpdConf, renderSmtpdConf(input));
  await put(platform.paths.dovecotConf, forDebianDovecot(renderDovecotConf(input)));
  for (const f of renderSieveFiles(input)) await put(path.join(platform.paths.sieveDir, f.name), f.content, f.mode);
  await put(platform.paths.redisConf, forDebianRedis(renderRedisConf(input)));
  const rspamdDir = path.dirname(platform.paths.rspamdLocalD);
  await fs.cp('/etc/rspamd', rspamdDir, { recursive: true });
  for (const f of renderRspamdLocalD(input)) await put(f.path, f.content);
}
