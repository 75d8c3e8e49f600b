/**
 * Where `watch run` takes its findings from: the same checks as the commands a person runs. Each
 * source is one entry here; a new check command is one more entry in SOURCES.
 */
import { STEPS } from '../../recipes/index.js';
import { dkimPaths, tlsPaths } from '../../recipes/templates/input.js';
import type { Answers } from '../answers/schema.js';
import { MAIL_TEST_ID } from '../commands/check.js';
import type { Target } from '../commands/options.js';
import { otherDkimKeys } from '../dkim/local-keys.js';
import { runDnsChecks } from '../dns/doctor.js';
import { createContext } from '../engine/context.js';
import { RunState } from '../engine/journal.js';
import { verifyAll } from '../engine/runner.js';
import type { Finding } from '../engine/types.js';

export interface SourceInput {
  answers: Answers;
  target: Target;
  nameservers: string[];
}

export interface Source {
  /** The first part of each check's key, and the command a person runs to see it. */
  id: string;
  command: string;
  run(input: SourceInput): Promise<Finding[]>;
}

/** `mail-wizard check`: every step's verification, without the mail test (watch must not send test mail). */
const steps: Source = {
  id: 'steps',
  command: 'mail-wizard check',
  async run({ answers, target }) {
    const state = await RunState.load(target.host, target.platform.paths.stateDir);
    const ctx = createContext({ answers, platform: target.platform, host: target.host, mode: 'repair', facts: target.facts, dns: target.dns, state });
    const results = await verifyAll(
      STEPS.filter((s) => s.id !== MAIL_TEST_ID),
      ctx,
    );
    // What a receiver sees is the delivery source's, as in `check`.
    return results.flatMap((r) => r.findings).filter((f) => !f.check.startsWith('delivery.'));
  },
};

/** `mail-wizard check dns`: the records at every authoritative server, the rotation's keys too. */
const dns: Source = {
  id: 'dns',
  command: 'mail-wizard check dns',
  async run({ answers, target, nameservers }) {
    const pem = await target.host.readFile(dkimPaths(target).pub);
    // The certificate's key: a TLSA record (DANE) must name it, after every renewal.
    const certPath = tlsPaths(target).cert;
    const certPem = await target.host.readFile(certPath);
    const report = await runDnsChecks({
      answers,
      nameservers,
      ...(pem ? { dkimPublicKeyPem: pem } : {}),
      ...(certPem ? { tlsCertificate: { path: certPath, pem: certPem } } : {}),
      otherDkim: await otherDkimKeys(target.host, answers, target.platform),
    });
    return report.checks;
  },
};

/** `mail-wizard check delivery`: the server as a receiver sees it (outbound 25, blocklists, TLS, banner, PTR), with its defaults. */
const delivery: Source = {
  id: 'delivery',
  command: 'mail-wizard check delivery',
  async run({ target, nameservers }) {
    const { deliveryReport } = await import('../delivery/options.js');
    // As in `check`: the verdict sends a real message, which would land in postmaster's inbox daily.
    return (await deliveryReport({ ...target, nameservers }, { probe: [], dnsbl: [], dnsblDomain: [], sendMail: false })).checks;
  },
};

export const SOURCES: readonly Source[] = [steps, dns, delivery];
