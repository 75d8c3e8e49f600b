/**
 * The TLS certificate for the host name: acme (acme-client + httpd on OpenBSD, certbot on
 * Debian), self-signed (made here), or existing files. smtpd refuses a key that is not owned by
 * root or is readable by others (mode above 0740), so the key's mode is checked too.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { octal } from '../src/engine/actions.js';
import { acmeDirectory } from '../src/answers/schema.js';
import { planFiles, probeFiles, verifyFiles, type FileState, type ManagedFile } from './lib/managed-files.js';
import {
  CERTBOT_DEPLOY_HOOK,
  certbotRenews,
  ownInclude,
  renderAcmeClientConf,
  renderAcmeClientOwn,
  renderCertbotDeployHook,
  renderDailyLocal,
  renderHttpdConf,
  renderHttpdOwn,
} from './templates/acme.js';
import { tlsPaths } from './templates/input.js';
import { ACME_WEBROOT, HTTPD_WEB_BLOCK, NGINX_ACME_CONF, NGINX_CONF, WEB_ROOT, renderNginxAcme, writtenByUs } from './templates/web.js';
import { withoutBlock } from './lib/marked-block.js';
import { certificateNames, webNames } from '../src/published/web-names.js';
import { servesWeb } from '../src/published/mta-sts.js';
import { daemonRunning } from './lib/daemon-state.js';

interface TlsProbe {
  certExists: boolean;
  keyExists: boolean;
  files: FileState[];
  /** The certificate is there but unusable (not PEM, another name, expired, not of the key); null if fine. */
  certProblem: string | null;
  /** The key is not root's or others may read it (smtpd refuses it). */
  keyModeBad: boolean;
  /** acme: the directory the certificate on disk was asked from, as its renewal files say; null if they do not. */
  issuedFrom: string | null;
  /** Names the answers want on the certificate (the web names) that it lacks. */
  missingNames: string[];
  /** The certificate signs itself: made here (or by hand), never issued by an ACME CA. */
  selfSigned: boolean;
  /** Debian acme: what certbot's renewal file says (null: no renewal file). */
  renewal: CertbotRenewal | null;
  /** Debian acme: certbot answers the challenges through nginx (certbot --webroot). */
  webroot: boolean;
  /** Debian acme with nginx serving the challenges: whether nginx runs. */
  nginxRunning: boolean;
  /** Debian acme, no certificate: the web step's nginx file of ours names it (see httpsServerOut). */
  nginxHttpsOut: boolean;
}

/** What certbot keeps in /etc/letsencrypt/renewal/<name>.conf that the next renewal depends on. */
export interface CertbotRenewal {
  /** `authenticator = standalone | webroot`. */
  authenticator: string | null;
  /** `reuse_key = True`: renewals keep the key (DANE's TLSA record names it). */
  reuseKey: boolean;
}

export function parseCertbotRenewal(text: string): CertbotRenewal {
  return {
    authenticator: /^authenticator\s*=\s*(\S+)\s*$/m.exec(text)?.[1] ?? null,
    reuseKey: /^reuse_key\s*=\s*True\s*$/m.test(text),
  };
}

/** The names of `names` the certificate does not carry (hostname checks also read the subject, as clients do). */
export function namesMissing(certPem: string | null, names: string[]): string[] {
  if (certPem === null) return [];
  try {
    const x509 = new X509Certificate(certPem);
    return names.filter((n) => !x509.checkHost(n));
  } catch {
    return [];
  }
}

/**
 * Debian's ACME flow: certbot's standalone server binds port 80 itself, which it cannot once nginx
 * (installed to serve the MTA-STS policy; its package enables a default site on port 80) holds
 * port 80: then nginx answers the challenges from a webroot of ours (NGINX_ACME_CONF) and certbot
 * writes them there (certbot --webroot -w). nginx stays installed when MTA-STS is turned off, so
 * its presence keeps the webroot too.
 */
export async function certbotWebroot(ctx: Context): Promise<boolean> {
  if (ctx.platform.name !== 'debian' || ctx.answers.tls.mode !== 'acme') return false;
  return servesWeb(ctx.answers) || (await ctx.host.stat(NGINX_BIN)) !== null;
}

const NGINX_BIN = '/usr/sbin/nginx';

/**
 * `certbot certonly` for our lineage: every certificate name (-d each, the host name first, so
 * --cert-name keeps the lineage's path /etc/letsencrypt/live/<host>/), --expand to add names to it,
 * and --reuse-key so renewals keep the key (certbot then writes reuse_key = True in the renewal
 * file: DANE's TLSA record names the key). certbot keeps the authenticator and --server in the
 * renewal file, so `certbot renew` does the same.
 */
export function certbotCertonly(ctx: Pick<Context, 'answers'>, force: boolean, webroot: boolean): string[] {
  const { answers } = ctx;
  const email = answers.postmaster.includes('@') ? answers.postmaster : `postmaster@${answers.domain}`;
  const auth = webroot ? ['--webroot', '-w', ACME_WEBROOT] : ['--standalone'];
  return [
    'certbot', 'certonly', ...auth, '--non-interactive', '--agree-tos', '-m', email, '--server', acmeDirectory(answers.tls),
    ...(force ? ['--force-renewal'] : []),
    '--reuse-key', '--expand', '--cert-name', answers.hostname,
    ...certificateNames(answers).flatMap((n) => ['-d', n]),
  ];
}

/** Whether a certificate signs itself (issuer = subject, and its own key verifies it). */
export function isSelfSigned(certPem: string | null): boolean {
  if (certPem === null) return false;
  try {
    const x509 = new X509Certificate(certPem);
    return x509.issuer === x509.subject && x509.verify(x509.publicKey);
  } catch {
    return false;
  }
}

/** Why a certificate on disk cannot serve (the key is compared only when it can be read: not in a dry-run). */
function certificateProblem(certPem: string | null, keyPem: string | null, hostname: string): string | null {
  if (certPem === null) return null;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    return 'not a PEM certificate';
  }
  if (!x509.checkHost(hostname)) return `does not name ${hostname}`;
  if (new Date(x509.validTo).getTime() < Date.now()) return `expired on ${x509.validTo}`;
  if (keyPem !== null) {
    try {
      if (!x509.checkPrivateKey(createPrivateKey(keyPem))) return 'is not of the key beside it';
    } catch {
      return null; // an unreadable key: verify names it, a person looks
    }
  }
  return null;
}

const DAILY_LOCAL = '/etc/daily.local';

/**
 * The ACME directory the current certificate came from: certbot keeps it as `server = URL` in the
 * lineage's renewal file; on OpenBSD our acme-client include names it (`api url "URL"`) unless the
 * admin's own "letsencrypt" authority is used. null when neither says.
 */
async function certbotRenewalOnDisk(ctx: Context): Promise<CertbotRenewal | null> {
  const text = await ctx.host.readFile(`/etc/letsencrypt/renewal/${ctx.answers.hostname}.conf`);
  return text === null ? null : parseCertbotRenewal(text);
}

async function directoryOnDisk(ctx: Context): Promise<string | null> {
  if (ctx.platform.name === 'openbsd') {
    const own = await ctx.host.readFile(ownInclude(ctx.platform.paths.acmeClientConf));
    return own === null ? null : (/^\s*api url\s+"([^"]+)"/m.exec(own)?.[1] ?? null);
  }
  const renewal = await ctx.host.readFile(`/etc/letsencrypt/renewal/${ctx.answers.hostname}.conf`);
  return renewal === null ? null : (/^server\s*=\s*(\S+)\s*$/m.exec(renewal)?.[1] ?? null);
}

/**
 * The web step's HTTPS server names the certificate: while there is none, nginx -t and httpd
 * refuse their whole configuration (httpd: "failed to load public/private keys", parse.y), so the
 * web server could not start to answer the challenges for a new one ("delete it and run repair"
 * would never work). Our HTTPS server is taken out first (Debian: our conf.d file; OpenBSD: the
 * web block of httpd.conf); the web step, after this one, puts it back with the new certificate.
 */
async function httpsServerOut(ctx: Context): Promise<boolean> {
  return ctx.answers.tls.mode === 'acme' && (await ctx.host.stat(tlsPaths(ctx).cert)) === null;
}

/**
 * The renewal's files. OpenBSD acme: our own acme-client and httpd files, and a marked block in
 * each shared file (acme-client.conf, httpd.conf, daily.local) that the admin may already use.
 * Debian with a certificate certbot renews: the deploy hook that makes the daemons pick it up.
 */
async function renewalFiles(ctx: Context): Promise<ManagedFile[]> {
  const { platform } = ctx;
  const input = { answers: ctx.answers, platform, facts: ctx.facts };
  if (certbotRenews(input)) {
    const hook: ManagedFile = { path: CERTBOT_DEPLOY_HOOK, content: renderCertbotDeployHook(input, ctx.facts), mode: 0o755, owner: 'root' };
    return (await certbotWebroot(ctx)) ? [hook, { path: NGINX_ACME_CONF, content: renderNginxAcme(ctx.answers), mode: 0o644, owner: 'root' }] : [hook];
  }
  if (ctx.answers.tls.mode !== 'acme' || platform.name !== 'openbsd') return [];
  const read = (path: string) => ctx.host.readFile(path);
  const acmeConf = await read(platform.paths.acmeClientConf);
  const file = (path: string, content: string, shared = false): ManagedFile => ({ path, content, mode: 0o644, owner: 'root', shared });
  let httpdConf = await read(platform.paths.httpdConf);
  if (await httpsServerOut(ctx)) httpdConf = withoutBlock(httpdConf, HTTPD_WEB_BLOCK);
  return [
    file(ownInclude(platform.paths.acmeClientConf), renderAcmeClientOwn(input, acmeConf)),
    file(platform.paths.acmeClientConf, renderAcmeClientConf(acmeConf, platform), true),
    file(ownInclude(platform.paths.httpdConf), renderHttpdOwn(input)),
    file(platform.paths.httpdConf, renderHttpdConf(httpdConf, platform), true),
    file(DAILY_LOCAL, renderDailyLocal(await read(DAILY_LOCAL), input), true),
  ];
}

export const tlsStep: Step<TlsProbe> = {
  id: 'tls',
  title: 'TLS certificate',
  why: 'Mail servers and clients talk over TLS; the certificate must name the host name.',
  needs: ['packages'],
  async probe(ctx) {
    const { cert, key } = tlsPaths(ctx);
    const keyStat = await ctx.host.stat(key);
    const certPem = await ctx.host.readFile(cert);
    return {
      certExists: (await ctx.host.stat(cert)) !== null,
      keyExists: keyStat !== null,
      files: await probeFiles(ctx, await renewalFiles(ctx)),
      certProblem: certificateProblem(certPem, certPem === null ? null : await ctx.host.readFile(key), ctx.answers.hostname),
      keyModeBad: keyStat !== null && (keyStat.uid !== 0 || (keyStat.mode & 0o037) !== 0),
      issuedFrom: ctx.answers.tls.mode === 'acme' ? await directoryOnDisk(ctx) : null,
      missingNames: namesMissing(certPem, webNames(ctx.answers)),
      selfSigned: isSelfSigned(certPem),
      renewal: ctx.answers.tls.mode === 'acme' && ctx.platform.name === 'debian' ? await certbotRenewalOnDisk(ctx) : null,
      webroot: await certbotWebroot(ctx),
      nginxRunning: (await certbotWebroot(ctx)) ? (await daemonRunning(ctx, 'httpd')).ok : false,
      nginxHttpsOut: ctx.platform.name === 'debian' && (await httpsServerOut(ctx)) && writtenByUs(await ctx.host.readFile(NGINX_CONF)),
    };
  },
  plan(ctx, probed) {
    const { answers, platform } = ctx;
    const { cert, key } = tlsPaths(ctx);
    const actions: Action[] = [];
    if (answers.tls.mode === 'existing') {
      actions.push(...planFiles(probed.files)); // certbot's deploy hook, when certbot renews it
      // The admin's certificate and key: named, never changed.
      const yours: string[] = [];
      if (probed.certProblem) yours.push(`${cert} ${probed.certProblem}: put a valid certificate for ${answers.hostname} there`);
      if (!probed.certProblem && probed.missingNames.length) yours.push(`${cert} does not name ${probed.missingNames.join(', ')} (the MTA-STS and autoconfig web server serves them): add them to your certificate`);
      if (probed.keyModeBad) yours.push(`chown root ${key} && chmod 0600 ${key}`);
      if (yours.length) actions.push({ type: 'manual', title: 'fix the certificate you gave (mail-wizard leaves your files alone)', lines: yours });
      return actions.length ? { actions } : { actions, reason: `using the existing certificate ${cert}` };
    }
    // A key of ours that smtpd would refuse: root's, 0600 (an existing key is the admin's: see above).
    if (probed.keyModeBad) {
      actions.push({ type: 'run', argv: ['chown', 'root', key], timeoutMs: 30_000 }, { type: 'run', argv: ['chmod', '0600', key], timeoutMs: 30_000 });
    }
    if (answers.tls.mode === 'self-signed') {
      const altNames = webNames(answers);
      if (!probed.certExists) {
        actions.push({ type: 'mkdir', path: platform.paths.privateKeyDir, mode: 0o700, owner: 'root' });
        actions.push({ type: 'selfSignedCert', certPath: cert, keyPath: key, hostname: answers.hostname, altNames, days: 825 });
      } else if (probed.certProblem || probed.missingNames.length) {
        // Ours to remake, from the same key (the old certificate is backed up).
        actions.push({ type: 'selfSignedCert', certPath: cert, keyPath: key, hostname: answers.hostname, altNames, days: 825 });
      }
      return actions.length ? { actions } : { actions, reason: `a certificate exists at ${cert}` };
    }
    // ACME
    const writes = planFiles(probed.files);
    actions.push(...writes);
    const { webroot } = probed;
    if (webroot && (writes.some((w) => w.path === NGINX_ACME_CONF) || !probed.nginxRunning || !probed.certExists)) {
      // nginx answers the challenges from our webroot before certbot asks (its config checked first).
      if (probed.nginxHttpsOut) actions.push({ type: 'run', argv: ['rm', '-f', NGINX_CONF], timeoutMs: 30_000 });
      actions.push(
        { type: 'mkdir', path: WEB_ROOT, mode: 0o755, owner: 'root' },
        { type: 'mkdir', path: ACME_WEBROOT, mode: 0o755, owner: 'root' },
        { type: 'run', argv: ['nginx', '-t'], timeoutMs: 30_000 },
        { type: 'service', name: platform.services.httpd, op: 'enable', argv: platform.service('httpd', 'enable', ctx.facts), timeoutMs: 30_000 },
        { type: 'service', name: platform.services.httpd, op: 'restart', argv: platform.service('httpd', 'restart', ctx.facts), timeoutMs: 60_000 },
      );
    }
    if (probed.certExists && probed.certProblem) {
      // acme-client -F: "Force updating the certificate signature even if it's too soon" (openbsd/src usr.sbin/acme-client/acme-client.1).
      const renew = platform.name === 'openbsd'
        ? `acme-client -Fv ${answers.hostname}`
        : certbotCertonly(ctx, true, probed.webroot).join(' ');
      actions.push({ type: 'manual', title: `the certificate ${probed.certProblem}: get a new one`, lines: [renew, 'mail-wizard repair'] });
    }
    const directory = acmeDirectory(answers.tls);
    const port = new URL(directory).port;
    if (platform.name === 'openbsd' && port !== '' && port !== '443') {
      // acme-client speaks TLS only to port 443; any other port gets plain HTTP (http_alloc():
      // `if (port != 443)` in openbsd/src usr.sbin/acme-client/http.c). A CA there cannot work.
      actions.push({
        type: 'manual',
        title: `acme-client cannot use ${directory}: it speaks TLS only to port 443`,
        lines: ['Ask your CA for its ACME directory on port 443 (https://HOST/...) and put that in the answers\' tls.directory.', 'mail-wizard repair'],
      });
      return { actions };
    }
    // Why the certificate on disk must be asked for again now, not at the next renewal.
    const again: string[] = [];
    if (probed.certExists && !probed.certProblem) {
      // The answers name another CA than the one the certificate came from (staging, then production).
      if (probed.issuedFrom !== null && probed.issuedFrom !== directory) again.push('ca');
      // The web server's names are new (MTA-STS turned on).
      if (probed.missingNames.length) again.push('names');
      // A box set up self-signed, then switched to ACME: on OpenBSD both modes use the same path
      // (tlsPaths), and acme-client keeps a valid certificate there until 30 days before its end
      // ("certificate valid: N days left": revokeproc() in openbsd/src
      // usr.sbin/acme-client/revokeproc.c), so without -F it would never ask the CA.
      if (probed.selfSigned) again.push('self-signed');
      // certbot renews the way its renewal file says: standalone cannot bind port 80 once nginx
      // holds it; and without reuse_key a renewal makes a new key (DANE's TLSA names the key).
      if (platform.name === 'debian' && probed.renewal) {
        if (probed.renewal.authenticator !== (webroot ? 'webroot' : 'standalone')) again.push('authenticator');
        if (!probed.renewal.reuseKey) again.push('reuse-key');
      }
    }
    if (again.length) {
      actions.push(
        platform.name === 'openbsd'
          // A changed name list forces a new certificate by itself ("domain list changed, forcing
          // renewal": revokeproc() in openbsd/src usr.sbin/acme-client/revokeproc.c); -F for another
          // CA, or over a self-signed certificate (same names, valid for long: see above).
          ? { type: 'run', argv: ['acme-client', ...(again.includes('ca') || again.includes('self-signed') ? ['-F'] : []), '-v', answers.hostname], timeoutMs: 5 * 60_000 }
          // certbot rewrites the lineage's renewal file (server, authenticator, reuse_key) when it issues.
          : { type: 'run', argv: certbotCertonly(ctx, true, probed.webroot), timeoutMs: 5 * 60_000 },
      );
    }
    if (!probed.certExists) {
      if (platform.name === 'openbsd') {
        actions.push(
          { type: 'mkdir', path: platform.paths.acmeChallengeDir, mode: 0o755, owner: 'root' },
          { type: 'service', name: 'httpd', op: 'enable', argv: platform.service('httpd', 'enable', ctx.facts), timeoutMs: 30_000 },
          { type: 'service', name: 'httpd', op: 'restart', argv: platform.service('httpd', 'restart', ctx.facts), timeoutMs: 30_000 },
          // 0 = new certificate, 2 = a valid one was already there.
          { type: 'run', argv: ['acme-client', '-v', answers.hostname], timeoutMs: 5 * 60_000, okExitCodes: [0, 2] },
        );
      } else {
        // --server: the ACME directory (certbot(1)); certbot keeps it in the lineage's renewal
        // file, so `certbot renew` asks the same CA. A test CA's TLS is trusted through
        // REQUESTS_CA_BUNDLE in the wizard's environment, which certbot inherits (README).
        actions.push({ type: 'run', argv: certbotCertonly(ctx, false, probed.webroot), timeoutMs: 5 * 60_000 });
      }
    }
    return actions.length ? { actions } : { actions, reason: `a certificate exists at ${cert} and renewal is set up` };
  },
  async verify(ctx) {
    return [...(await verifyCertificate(ctx)), ...(await verifyFiles(ctx, 'tls.renewal', await renewalFiles(ctx)))];
  },
};

export async function verifyCertificate(ctx: Context): Promise<Finding[]> {
  const { cert, key } = tlsPaths(ctx);
  const host = ctx.answers.hostname;
  const findings: Finding[] = [];
  const certPem = await ctx.host.readFile(cert);
  if (certPem === null) {
    return [{ status: 'fail', check: 'tls.certificate', summary: `no certificate at ${cert}`, fix: 'Run `mail-wizard repair` to get or make one.' }];
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch (err) {
    return [{ status: 'fail', check: 'tls.certificate', summary: `${cert} is not a PEM certificate`, evidence: (err as Error).message, fix: 'Replace it, or delete it and run `mail-wizard repair`.' }];
  }
  if (!x509.checkHost(host)) {
    findings.push({ status: 'fail', check: 'tls.certificate', summary: `the certificate does not name ${host}`, evidence: `subject: ${x509.subject?.replace(/\n/g, ', ') || 'none'}; names: ${x509.subjectAltName ?? 'none'}`, fix: `Get a certificate for ${host}.` });
  } else if (new Date(x509.validTo).getTime() < Date.now()) {
    findings.push({ status: 'fail', check: 'tls.certificate', summary: `the certificate expired on ${x509.validTo}`, fix: 'Renew it (acme-client / certbot renew), then restart smtpd and dovecot.' });
  } else if (ctx.answers.tls.mode === 'acme' && isSelfSigned(certPem)) {
    findings.push({
      status: 'fail',
      check: 'tls.certificate',
      summary: `${cert} is self-signed, but the answers ask for a certificate from the ACME CA`,
      evidence: `issuer: ${x509.issuer.replace(/\n/g, ', ')}`,
      fix: 'Run `mail-wizard repair`: it asks the CA for one (the host name must resolve to this box, and port 80 be reachable).',
    });
  } else if (namesMissing(certPem, webNames(ctx.answers)).length) {
    const missing = namesMissing(certPem, webNames(ctx.answers));
    findings.push({
      status: 'fail',
      check: 'tls.certificate',
      summary: `the certificate does not name ${missing.join(', ')} (the MTA-STS policy and autoconfig are served under those names)`,
      evidence: `names: ${x509.subjectAltName ?? 'none'}`,
      fix: ctx.answers.tls.mode === 'existing' ? `Add ${missing.join(', ')} to your certificate, or set "mtaSts": "off".` : 'Run `mail-wizard repair`: it asks for (or makes) a certificate with every name.',
    });
  } else {
    findings.push({ status: 'pass', check: 'tls.certificate', summary: `certificate for ${host}, valid until ${x509.validTo}` });
  }

  const stat = await ctx.host.stat(key);
  if (!stat) {
    findings.push({ status: 'fail', check: 'tls.key', summary: `no private key at ${key}`, fix: 'Run `mail-wizard repair`.' });
    return findings;
  }
  if (stat.uid !== 0 || (stat.mode & 0o037) !== 0) {
    findings.push({
      status: 'fail',
      check: 'tls.key',
      summary: `${key} must be owned by root with mode 0740 or less: smtpd refuses to load it`,
      evidence: `mode ${octal(stat.mode)}, uid ${stat.uid}`,
      fix: `chown root ${key} && chmod 0600 ${key}`,
    });
    return findings;
  }
  const keyPem = await ctx.host.readFile(key);
  if (keyPem !== null) {
    try {
      const privateKey = createPrivateKey(keyPem);
      if (!x509.checkPrivateKey(privateKey)) {
        findings.push({ status: 'fail', check: 'tls.key', summary: `${key} is not the key of ${cert}`, fix: 'Put the matching key there, or make a new certificate.' });
        return findings;
      }
    } catch (err) {
      findings.push({ status: 'fail', check: 'tls.key', summary: `${key} is not a readable private key`, evidence: (err as Error).message, fix: 'Replace it with the certificate\'s key.' });
      return findings;
    }
  }
  findings.push({ status: 'pass', check: 'tls.key', summary: `${key}: root-owned, mode ${octal(stat.mode)}, matches the certificate` });
  return findings;
}
