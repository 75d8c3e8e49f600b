/** `check dns` and `records` from the command line: answers + the local DKIM public key. */
import { dkimPaths } from '../../recipes/templates/input.js';
import { checkDnsCommand } from './check-dns.js';
import { dnsSettings, resolveAnswers, resolveTarget, type CommonOptions } from './options.js';
import { recordsCommand } from './records.js';
import type { Io } from './run.js';

/** The DKIM public key setup made, when there is one (never the private key). */
async function localDkimKey(opts: CommonOptions, io: Io) {
  dnsSettings(opts); // a bad --nameserver is bad input (exit 2) before anything else
  const answers = await resolveAnswers(opts, io.interactive);
  if (opts.demo) return { answers, dkimPublicKeyPem: undefined };
  const target = await resolveTarget(opts, 'check', answers);
  const pem = await target.host.readFile(dkimPaths(target).pub);
  return { answers, dkimPublicKeyPem: pem ?? undefined };
}

export async function checkDnsFromCli(opts: CommonOptions, io: Io): Promise<number> {
  const { answers, dkimPublicKeyPem } = await localDkimKey(opts, io);
  return checkDnsCommand({ answers, nameservers: opts.nameserver, json: opts.json, dkimPublicKeyPem, out: process.stdout });
}

export async function recordsFromCli(opts: CommonOptions, format: 'zone' | 'table' | 'json', io: Io): Promise<number> {
  const { answers, dkimPublicKeyPem } = await localDkimKey(opts, io);
  return recordsCommand({ answers, format, dkimPublicKeyPem, out: process.stdout });
}
