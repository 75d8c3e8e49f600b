/**
 * The DNS records to publish: A/AAAA, MX, SPF, DKIM (from the real key), DMARC, and the PTR the
 * hosting provider sets. Publishing is the admin's job (a manual action); verifying asks the
 * domain's authoritative servers.
 */
import type { Context, Step } from '../src/engine/types.js';
import { expectedRecords } from '../src/dns/expected.js';
import { dkimPaths } from './templates/input.js';

interface DnsProbe {
  dkimPublicKeyPem: string | null;
}

export async function localDkimPublicKey(ctx: Context): Promise<string | null> {
  return ctx.host.readFile(dkimPaths(ctx).pub);
}

export const dnsStep: Step<DnsProbe> = {
  id: 'dns',
  title: 'DNS records',
  why: 'Other servers find you (MX, A), trust your mail (SPF, DKIM, DMARC) and your address (PTR) through DNS.',
  async probe(ctx) {
    return { dkimPublicKeyPem: await localDkimPublicKey(ctx) };
  },
  plan(ctx, probed) {
    const records = expectedRecords(ctx.answers, probed.dkimPublicKeyPem ?? undefined);
    const zone = records.filter((r) => r.where === 'zone');
    const ptr = records.filter((r) => r.where === 'provider');
    return {
      actions: [
        {
          type: 'manual',
          title: `publish these records in the DNS zone of ${ctx.answers.domain}`,
          lines: zone.map((r) => `${r.name}. ${r.ttl} IN ${r.type} ${r.type === 'TXT' ? JSON.stringify(r.value) : r.value}`),
        },
        {
          type: 'manual',
          title: 'ask your hosting provider for reverse DNS (PTR)',
          lines: ptr.map((r) => `${r.name}. IN PTR ${r.value}`),
        },
      ],
    };
  },
  async verify() {
    return [];
  },
};
