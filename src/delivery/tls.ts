/**
 * `tls.25`, `tls.143`, `tls.465`, `tls.587`, `tls.993`: the certificate each port *serves* (not the
 * file: a daemon keeps the one it loaded at start): it names the host, its chain verifies (unless
 * self-signed was chosen), it is not expired (a warning 14 days before), it is the certificate on
 * disk (else it was renewed and the daemon never reloaded), and the protocol is TLS 1.2 or newer.
 */
import { X509Certificate } from 'node:crypto';
import { tlsPaths } from '../../recipes/templates/input.js';
import type { FindingStatus } from '../engine/types.js';
import type { Daemon } from '../platform/types.js';
import type { DeliveryCheck, DeliveryContext } from './index.js';
import { connectToServer, finding, NOT_PROBED } from './common.js';
import { compareServedKey } from './dane.js';

export const EXPIRY_WARN_DAYS = 14;
const DAY_MS = 86_400_000;

interface Port {
  port: number;
  protocol: 'smtp' | 'imap';
  tls: 'implicit' | 'starttls';
  daemon: Daemon;
  what: string;
}

const PORTS: readonly Port[] = [
  { port: 25, protocol: 'smtp', tls: 'starttls', daemon: 'smtpd', what: 'SMTP from other servers (STARTTLS)' },
  { port: 143, protocol: 'imap', tls: 'starttls', daemon: 'dovecot', what: 'IMAP (STARTTLS)' },
  { port: 465, protocol: 'smtp', tls: 'implicit', daemon: 'smtpd', what: 'SMTP submission (TLS)' },
  { port: 587, protocol: 'smtp', tls: 'starttls', daemon: 'smtpd', what: 'SMTP submission (STARTTLS)' },
  { port: 993, protocol: 'imap', tls: 'implicit', daemon: 'dovecot', what: 'IMAP (TLS)' },
];

interface Problem {
  status: FindingStatus;
  text: string;
  fix?: string;
}

/** The command that makes the daemon load the certificate on disk. */
function reloadCommand(ctx: DeliveryContext, daemon: Daemon): string {
  // smtpd has no reload of its certificates: a restart. Dovecot re-reads them on a reload.
  if (daemon === 'smtpd') return ctx.platform.restart('smtpd', ctx.facts).map((c) => c.argv.join(' ')).join('; ');
  return ctx.platform.service('dovecot', 'reload', ctx.facts).join(' ');
}

function firstPem(text: string): string | null {
  return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0] ?? null;
}

async function checkPort(ctx: DeliveryContext, p: Port) {
  const id = `tls.${p.port}`;
  const host = ctx.answers.hostname;
  const { result, address, note } = await connectToServer(ctx, { port: p.port, protocol: p.protocol, tls: p.tls, servername: host, ...(p.protocol === 'smtp' ? { ehlo: host } : {}) });
  if (result.notProbed) return finding(id, 'warn', NOT_PROBED);
  const where = `${address}:${p.port}`;
  if (!result.ok || !result.tls) {
    const summary = result.connected ? `no TLS on port ${p.port} (${p.what})` : `nothing answers on port ${p.port} (${p.what})`;
    return finding(id, 'fail', summary, {
      evidence: [result.error ?? 'no certificate', note].filter(Boolean).join('\n'),
      fix: `Check that ${ctx.platform.services[p.daemon]} runs and listens on ${p.port} with the certificate (\`mail-wizard check\` names what stops it).`,
    });
  }
  const tls = result.tls;
  const leafPem = tls.chain[0];
  if (!leafPem) return finding(id, 'fail', `port ${p.port} showed no certificate`, { evidence: where });
  const leaf = new X509Certificate(leafPem);
  const problems: Problem[] = [];
  const evidence = [
    `${where} ${tls.protocol}`,
    // subject (and issuer) are undefined when empty: ACME CAs may name the host in the SAN only (pebble does).
    `subject: ${(leaf.subject ?? '').replace(/\n/g, ', ')}; ${leaf.subjectAltName ?? 'no subjectAltName'}`,
    `issuer: ${(leaf.issuer ?? '').replace(/\n/g, ', ')}`,
    `valid until ${leaf.validTo}; sha256 ${leaf.fingerprint256}`,
  ];
  if (note) evidence.push(note);

  if (leaf.checkHost(host) === undefined) {
    problems.push({ status: 'fail', text: `the certificate does not name ${host}`, fix: `Point ${ctx.platform.services[p.daemon]} at the certificate for ${host}.` });
  }
  if (ctx.answers.tls.mode !== 'self-signed' && !tls.authorized) {
    problems.push({
      status: 'fail',
      text: `its chain does not verify (${tls.authorizationError ?? 'unknown reason'})`,
      fix: 'Serve the full chain (the fullchain file, not the certificate alone), from a CA receivers trust.',
    });
  }
  const daysLeft = Math.floor((Date.parse(leaf.validTo) - Date.now()) / DAY_MS);
  if (daysLeft < 0) problems.push({ status: 'fail', text: `it expired on ${leaf.validTo}`, fix: 'Renew it (`mail-wizard repair`), then reload the daemon.' });
  else if (daysLeft < EXPIRY_WARN_DAYS) problems.push({ status: 'warn', text: `it expires in ${daysLeft} days (${leaf.validTo})`, fix: 'Renew it now: the renewal job should have; see its log.' });

  const file = tlsPaths(ctx).cert;
  const onDisk = await ctx.host.readFile(file);
  const diskPem = onDisk === null ? null : firstPem(onDisk);
  if (diskPem === null) {
    problems.push({ status: 'warn', text: `${file} holds no certificate to compare with` });
  } else {
    const disk = new X509Certificate(diskPem);
    evidence.push(`${file}: valid until ${disk.validTo}; sha256 ${disk.fingerprint256}`);
    if (disk.fingerprint256 !== leaf.fingerprint256) {
      const renewed = Date.parse(disk.validFrom) > Date.parse(leaf.validFrom);
      problems.push({
        status: 'fail',
        text: renewed
          ? `it is not the certificate in ${file}: renewed but not reloaded (the daemon still serves the old one)`
          : `it is not the certificate in ${file}: the daemon serves another certificate than the file`,
        fix: `Reload ${ctx.platform.services[p.daemon]}: ${reloadCommand(ctx, p.daemon)}`,
      });
    }
  }
  // port 25 with DANE: the served key must be one a published TLSA names
  const dane = p.port === 25 ? await compareServedKey(ctx, tls.chain) : null;
  if (dane) {
    evidence.push(...dane.evidence);
    if (dane.problem) problems.push(dane.problem);
  }
  if (!/^TLSv1\.[23]$/.test(tls.protocol)) {
    problems.push({ status: 'fail', text: `the protocol is ${tls.protocol}, older than TLS 1.2`, fix: `Allow TLS 1.2 and 1.3 only in ${ctx.platform.services[p.daemon]}'s configuration.` });
  }

  const worst = problems.find((x) => x.status === 'fail') ?? problems.find((x) => x.status === 'warn');
  if (!worst) {
    return finding(id, 'pass', `${p.what}: ${tls.protocol}, certificate for ${host}, ${daysLeft} days left, the one in ${file}${dane?.matched ? `, its key in the TLSA (DANE)` : ''}`, { evidence: evidence.join('\n') });
  }
  const shown = problems.filter((x) => x.status !== 'pass');
  return finding(id, worst.status, `port ${p.port}: ${shown.map((x) => x.text).join('; ')}`, {
    evidence: evidence.join('\n'),
    fix: [...new Set(shown.map((x) => x.fix).filter(Boolean))].join(' '),
  });
}

export const TLS_CHECKS: readonly DeliveryCheck[] = PORTS.map((p) => ({ id: `tls.${p.port}`, run: (ctx) => checkPort(ctx, p) }));
