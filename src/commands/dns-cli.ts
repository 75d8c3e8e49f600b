/** `check dns` and `records` from the command line: answers + the local DKIM public key and TLS certificate. */
import { dkimPaths, tlsPaths } from '../../recipes/templates/input.js';
import { InputError } from '../answers/input-error.js';
import type { Answers } from '../answers/schema.js';
import { otherDkimKeys } from '../dkim/local-keys.js';
import type { LocalCertificate } from '../dns/dane.js';
import { waitForRecords, zoneSecurity } from '../dns/doctor.js';
import { formatSnapshot } from '../dns/published-view.js';
import { checkDnsCommand } from './check-dns.js';
import { dnsSettings, resolveAnswers, resolveTarget, type CommonOptions } from './options.js';
import { recordsCommand } from './records.js';
import type { Io } from './run.js';

/** The DKIM public key setup made, when there is one (never the private key). */
async function localDkimKey(opts: CommonOptions, io: Io) {
  dnsSettings(opts); // a bad --nameserver is bad input (exit 2) before anything else
  const answers = await resolveAnswers(opts, io.interactive);
  if (opts.demo) return { answers, dkimPublicKeyPem: undefined, otherDkim: [], tlsCertificate: undefined };
  const target = await resolveTarget(opts, 'check', answers);
  const pem = await target.host.readFile(dkimPaths(target).pub);
  // The certificate's key is what a TLSA record names (DANE).
  const certPath = tlsPaths(target).cert;
  const certPem = await target.host.readFile(certPath);
  const tlsCertificate = certPem ? { path: certPath, pem: certPem } : undefined;
  // During a key rotation: the retired and next selectors' keys too.
  return { answers, dkimPublicKeyPem: pem ?? undefined, otherDkim: await otherDkimKeys(target.host, answers, target.platform), tlsCertificate };
}

export async function checkDnsFromCli(opts: CommonOptions, io: Io, waitSeconds?: number): Promise<number> {
  const { answers, dkimPublicKeyPem, otherDkim, tlsCertificate } = await localDkimKey(opts, io);
  if (waitSeconds !== undefined) await waitForPublication(answers, opts.nameserver, dkimPublicKeyPem, waitSeconds, io, tlsCertificate);
  return checkDnsCommand({ answers, nameservers: opts.nameserver, json: opts.json, dkimPublicKeyPem, out: process.stdout, doctor: { otherDkim, ...(tlsCertificate ? { tlsCertificate } : {}) } });
}

/**
 * `check dns --wait SECONDS`: after publishing, watch each record at each authoritative server,
 * every few seconds, until they all serve what is needed (or the time is up), with the TTLs that
 * caches may keep old answers for. The full check follows.
 */
async function waitForPublication(answers: Answers, nameservers: string[], dkimPublicKeyPem: string | undefined, seconds: number, io: Io, tlsCertificate?: LocalCertificate): Promise<void> {
  const started = Date.now();
  const snap = await waitForRecords({
    answers,
    nameservers,
    ...(tlsCertificate ? { tlsCertificate } : {}),
    ...(dkimPublicKeyPem ? { dkimPublicKeyPem } : {}),
    intervalMs: 5000,
    maxWaitMs: seconds * 1000,
    onSnapshot: (s) => {
      io.out(`-- ${Math.round((Date.now() - started) / 1000)} s: ${s.allOk && s.allAgree ? 'published everywhere' : 'not yet published everywhere'}`);
      for (const line of formatSnapshot(s)) io.out(line);
    },
  });
  if (!(snap.allOk && snap.allAgree)) io.out(`still not published everywhere after ${seconds} s; the full check follows.`);
  io.out('');
}

export async function recordsFromCli(opts: CommonOptions, format: 'zone' | 'table' | 'json', io: Io, dane = false): Promise<number> {
  if (dane && opts.demo && opts.nameserver.length === 0) throw new InputError(['records --dane asks the zone\'s DNS servers: give --answers (or --nameserver), not --demo alone']);
  const { answers, dkimPublicKeyPem, otherDkim, tlsCertificate } = await localDkimKey(opts, io);
  // --dane: the one question records asks the DNS: is the zone signed (then the TLSA is listed)?
  const dnssec = dane ? await zoneSecurity({ answers, nameservers: opts.nameserver }) : undefined;
  return recordsCommand({ answers, format, dkimPublicKeyPem, otherDkim, out: process.stdout, ...(dnssec ? { dane: { ...dnssec, tlsCertificate } } : {}) });
}
