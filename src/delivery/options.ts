/**
 * The options of `check delivery` (checked before anything is probed) and the run for a target,
 * shared by the command, `check` and setup's final verification.
 */
import net from 'node:net';
import { InputError } from '../answers/input-error.js';
import type { Answers } from '../answers/schema.js';
import type { DnsServer } from '../dns/client.js';
import { parseNameserverArg } from '../dns/discovery.js';
import type { Facts } from '../engine/types.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import { DELIVERY_CHECKS, runDeliveryChecks, type DeliveryReport, type Endpoint } from './index.js';
import { DEFAULT_PROBES } from './outbound.js';
import { DEFAULT_DNSBL, DEFAULT_DNSBL_DOMAIN } from './blocklist.js';
import { dnsView } from './common.js';

export interface DeliveryOptions {
  /** `--probe HOST[:PORT]`; empty: the defaults (two large receivers' MX hosts). */
  probe: string[];
  /** `--dnsbl ZONE`, `--dnsbl-domain ZONE`; empty: Spamhaus ZEN and DBL. */
  dnsbl: string[];
  dnsblDomain: string[];
  /** Time budget of the whole run in ms. */
  timeoutMs?: number;
  /** false: leave out the checks that send a real message (`check` without --send-test). */
  sendMail?: boolean;
}

const ZONE = /^(?=.{1,253}\.?$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)+\.?$/i;

/** The options checked before anything is probed: one line per bad value (exit 2). */
export function parseDeliveryOptions(o: DeliveryOptions, nameservers: readonly string[]): { probes: Endpoint[]; dnsbl: string[]; dnsblDomain: string[]; errors: string[] } {
  const errors: string[] = [];
  const probes: Endpoint[] = [];
  for (const v of o.probe) {
    const p = parseNameserverArg(v, 25);
    if (p.ok) probes.push({ host: p.spec.host, port: p.spec.port });
    else errors.push(p.error.replace(/--nameserver/g, '--probe'));
  }
  for (const [flag, list] of [['--dnsbl', o.dnsbl], ['--dnsbl-domain', o.dnsblDomain]] as const) {
    for (const z of list) if (!ZONE.test(z) || net.isIP(z)) errors.push(`${flag} ${JSON.stringify(z)} is not a DNS zone name (like zen.spamhaus.org)`);
  }
  for (const v of nameservers) {
    const p = parseNameserverArg(v);
    if (!p.ok) errors.push(p.error);
  }
  return { probes, dnsbl: o.dnsbl, dnsblDomain: o.dnsblDomain, errors };
}

export interface DeliveryTarget {
  answers: Answers;
  platform: Platform;
  facts: Facts;
  host: Host;
  nameservers: readonly string[];
}

/** Runs the checks for a target; options already parsed. The defaults fill what is not given. */
export async function deliveryReport(t: DeliveryTarget, o: DeliveryOptions): Promise<DeliveryReport> {
  const parsed = parseDeliveryOptions(o, t.nameservers);
  if (parsed.errors.length) throw new InputError(parsed.errors);
  const servers: DnsServer[] = [];
  for (const v of t.nameservers) {
    const p = parseNameserverArg(v);
    if (!p.ok) continue;
    if (net.isIP(p.spec.host)) servers.push({ host: p.spec.host, port: p.spec.port });
    else {
      // A name is looked up through the box's resolver, as the box itself would.
      const r = await t.host.resolve(p.spec.host, 'A');
      const a = r.kind === 'answer' ? r.records.find((x) => x.type === 'A') : undefined;
      if (!a || a.type !== 'A') throw new InputError([`--nameserver ${v}: the name has no address`]);
      servers.push({ host: a.address, port: p.spec.port, name: p.spec.host });
    }
  }
  const ctrl = new AbortController();
  return runDeliveryChecks({
    answers: t.answers,
    platform: t.platform,
    facts: t.facts,
    host: t.host,
    dns: dnsView(t.host, servers, ctrl.signal),
    nameservers: t.nameservers,
    probes: parsed.probes.length ? parsed.probes : [...DEFAULT_PROBES],
    dnsbl: parsed.dnsbl.length ? parsed.dnsbl : DEFAULT_DNSBL,
    dnsblDomain: parsed.dnsblDomain.length ? parsed.dnsblDomain : DEFAULT_DNSBL_DOMAIN,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.sendMail === false ? { checks: DELIVERY_CHECKS.filter((c) => !c.sendsMail) } : {}),
  }).finally(() => ctrl.abort());
}

