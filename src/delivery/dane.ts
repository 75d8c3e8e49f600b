/**
 * DANE on the wire: the key port 25 serves after STARTTLS, against the TLSA record a sending server
 * finds at `_25._tcp.<host>` (RFC 7672). Part of `tls.25`: run daily by `watch`, it is what
 * catches a renewal that changed the key while the TLSA still names the old one.
 */
import { recordsOf } from '../dns/client.js';
import { pemCertificates, spkiSha256, tlsaMatches, tlsaName, tlsaText } from '../dns/dane.js';
import type { FindingStatus } from '../engine/types.js';
import type { DeliveryContext } from './index.js';

export interface DaneComparison {
  /** Set when the served key matches no published TLSA. */
  problem?: { status: FindingStatus; text: string; fix: string };
  evidence: string[];
  /** The served key matches the TLSA. */
  matched: boolean;
}

/** null when no TLSA is published (DANE is not in use: nothing to compare). */
export async function compareServedKey(ctx: DeliveryContext, chainPems: readonly string[]): Promise<DaneComparison | null> {
  const name = tlsaName(ctx.answers.hostname);
  const r = await ctx.dns.ask(name, 'TLSA');
  const tlsa = recordsOf(r, 'TLSA').filter((t) => t.name === name);
  if (tlsa.length === 0) return null;
  const chain = chainPems.flatMap((p) => pemCertificates(p));
  const leaf = chain[0];
  if (!leaf) return null;
  const served = `3 1 1 ${spkiSha256(leaf)}`;
  const evidence = [`TLSA at ${name} (${ctx.dns.label}): ${tlsa.map(tlsaText).join('; ')}`, `served key: ${served}`];
  if (tlsa.some((t) => tlsaMatches(t, chain))) return { evidence, matched: true };
  return {
    evidence,
    matched: false,
    problem: {
      status: 'fail',
      text: `the key it serves (${served}) matches no TLSA at ${name} (${tlsa.map(tlsaText).join('; ')}): servers that use DANE will not deliver`,
      fix: `Publish the TLSA of the served key first (${name}. IN TLSA ${served}), keep the old one for a TTL, then remove it; or serve the key the TLSA names. Renewals keep the key when told to (certbot --reuse-key; acme-client keeps its key file).`,
    },
  };
}
