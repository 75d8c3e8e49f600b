/**
 * The DNS records to publish: A/AAAA, MX, SPF, DKIM (from the real key), DMARC, and the PTR the
 * hosting provider sets; then MTA-STS, TLS-RPT and what lets mail clients configure themselves
 * (SRV, autoconfig), listed apart since mail flows without them. Publishing is the admin's job (a manual action, shown only while a check
 * fails); verifying asks the domain's authoritative servers (or --nameserver) and names each
 * mistake. The demo (offline) asks nobody.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import type { DoctorReport } from '../src/dns/doctor.js';
import { expectedRecords, type ExpectedRecord } from '../src/dns/expected.js';
import { recordLine } from '../src/dns/zone-export.js';
import { withTlsa, type LocalCertificate } from '../src/dns/dane.js';
import { dkimPaths, tlsPaths } from './templates/input.js';

interface DnsProbe {
  dkimPublicKeyPem?: string;
  /** The certificate on the box: the key of the TLSA record, offered when the zone is DNSSEC-signed. */
  tlsCertificate?: LocalCertificate;
  /** null when offline. */
  report: DoctorReport | null;
}

async function localDkimPublicKey(ctx: Context): Promise<string | undefined> {
  return (await ctx.host.readFile(dkimPaths(ctx).pub)) ?? undefined;
}

async function localCertificate(ctx: Context): Promise<LocalCertificate | undefined> {
  const path = tlsPaths(ctx).cert;
  const pem = await ctx.host.readFile(path);
  return pem ? { path, pem } : undefined;
}

async function askDns(ctx: Context, dkimPublicKeyPem: string | undefined, tlsCertificate: LocalCertificate | undefined): Promise<DoctorReport> {
  // The DNS doctor loads when servers are asked: an offline plan (the demo) never does.
  const { runDnsChecks } = await import('../src/dns/doctor.js');
  return runDnsChecks({
    answers: ctx.answers,
    nameservers: ctx.dns.nameservers,
    ...(dkimPublicKeyPem ? { dkimPublicKeyPem } : {}),
    ...(tlsCertificate ? { tlsCertificate } : {}),
    // How this machine resolves localhost is checked by the hosts step, on the host's own files.
    local: false,
  });
}

/** The records mail flows without: listed after the ones it needs. */
const EXTRAS: ReadonlySet<string> = new Set(['mta-sts', 'tls-rpt', 'srv', 'autoconfig']);

export const dnsStep: Step<DnsProbe> = {
  id: 'dns',
  title: 'DNS records',
  why: 'Other servers find you (MX, A), trust your mail (SPF, DKIM, DMARC) and your address (PTR) through DNS.',
  async probe(ctx) {
    const dkimPublicKeyPem = await localDkimPublicKey(ctx);
    const tlsCertificate = await localCertificate(ctx);
    return { dkimPublicKeyPem, tlsCertificate, report: ctx.dns.offline ? null : await askDns(ctx, dkimPublicKeyPem, tlsCertificate) };
  },
  plan(ctx, { dkimPublicKeyPem, tlsCertificate, report }) {
    // The TLSA record (DANE) only when the doctor saw the zone signed and delegated securely.
    const records = withTlsa(expectedRecords(ctx.answers, dkimPublicKeyPem), { answers: ctx.answers, tlsCertificate }, report?.dnssec?.secure === true);
    // A record is to publish unless its check passed (a check that could not ask counts as not passed).
    const passed = (id: string) => {
      const found = report?.checks.filter((c) => c.id === id) ?? [];
      return found.length > 0 && found.every((c) => c.status === 'pass');
    };
    const needed = (r: ExpectedRecord) => report === null || !passed(r.check);
    const zone = records.filter((r) => r.where === 'zone' && needed(r) && !EXTRAS.has(r.check));
    const extras = records.filter((r) => r.where === 'zone' && needed(r) && EXTRAS.has(r.check));
    const ptr = records.filter((r) => r.where === 'provider' && needed(r));
    const actions: Action[] = [];
    if (zone.length) actions.push({ type: 'manual', title: `publish these records in the DNS zone of ${ctx.answers.domain}`, lines: zone.map(recordLine) });
    if (extras.length) {
      actions.push({ type: 'manual', title: 'and these: MTA-STS, TLS-RPT, and mail client setup (SRV, autoconfig)', lines: extras.map(recordLine) });
    }
    if (ptr.length) actions.push({ type: 'manual', title: 'ask your hosting provider for reverse DNS (PTR)', lines: ptr.map(recordLine) });
    const otherFailures = report?.checks.filter((c) => c.status === 'fail' && !records.some((r) => r.check === c.id)) ?? [];
    if (otherFailures.length) {
      actions.push({ type: 'manual', title: 'fix these DNS mistakes', lines: otherFailures.map((c) => `${c.id}: ${c.summary}${c.fix ? ` (${c.fix})` : ''}`) });
    }
    if (actions.length) {
      actions.push({ type: 'manual', title: 'then watch them arrive at every server, and continue', lines: ['mail-wizard check dns --wait 600', 'mail-wizard repair'] });
    }
    const servers = report?.servers.length ?? 0;
    return actions.length ? { actions } : { actions, reason: `every record is published and the ${servers} servers asked agree` };
  },
  async verify(ctx): Promise<Finding[]> {
    const report = await askDns(ctx, await localDkimPublicKey(ctx), await localCertificate(ctx));
    return report.checks;
  },
};
