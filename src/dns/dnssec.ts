/**
 * Is the zone DNSSEC-signed, and is the chain from its parent there? DANE (RFC 7672) holds only
 * then: a TLSA record in an unsigned zone, or in a signed zone without a DS at the parent, is
 * ignored by every sender. What is looked at, at each authoritative server with the DO bit: the
 * DNSKEY RRset at the apex and the RRSIGs over SOA, DNSKEY and MX; at the parent's servers: the
 * DS of the zone, matched against the keys (RFC 4034 key tag, RFC 4509 SHA-256 digest).
 *
 * Signatures are not verified cryptographically: what is checked is that they are there and not
 * expired, which is what goes wrong with a zone signed by hand (a signer that stopped running).
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../engine/types.js';
import { describeResult, recordsOf, serverLabel, type DnsServer, type QueryResult } from './client.js';
import { normalizeName, type RecordOf } from './records.js';

export type Dnskey = Pick<RecordOf<'DNSKEY'>, 'flags' | 'algorithm' | 'key'>;

/** The algorithm numbers of the IANA registry that zones use today (RFC 8624). */
const ALGORITHMS: Record<number, string> = {
  5: 'RSASHA1',
  7: 'RSASHA1-NSEC3-SHA1',
  8: 'RSASHA256',
  10: 'RSASHA512',
  13: 'ECDSAP256SHA256',
  14: 'ECDSAP384SHA384',
  15: 'ED25519',
  16: 'ED448',
};

export function algorithmName(n: number): string {
  return ALGORITHMS[n] ? `${n} ${ALGORITHMS[n]}` : String(n);
}

/** The DNSKEY RDATA on the wire: flags, protocol 3, algorithm, the key (RFC 4034 §2.1). */
function dnskeyRdata(k: Dnskey): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(k.flags, 0);
  head[2] = 3;
  head[3] = k.algorithm;
  return Buffer.concat([head, Buffer.from(k.key, 'base64')]);
}

/** An owner name in canonical wire form (RFC 4034 §6.2: lower case, uncompressed). */
function nameWire(name: string): Buffer {
  const n = normalizeName(name);
  const labels = n === '' ? [] : n.split('.');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0])]);
}

/** RFC 4034 Appendix B (every algorithm but the retired RSAMD5). */
export function keyTag(k: Dnskey): number {
  const rdata = dnskeyRdata(k);
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

const DIGESTS: Record<number, string> = { 1: 'sha1', 2: 'sha256', 4: 'sha384' };

/** The DS digest of a key (RFC 4034 §5.1.4: digest over owner name | DNSKEY RDATA), hex; null for an unknown digest type. */
export function dsDigest(zone: string, k: Dnskey, digestType = 2): string | null {
  const alg = DIGESTS[digestType];
  if (!alg) return null;
  return createHash(alg).update(Buffer.concat([nameWire(zone), dnskeyRdata(k)])).digest('hex');
}

/** The DS to publish at the parent for a key, as a zone line (SHA-256, RFC 4509). */
export function dsLine(zone: string, k: Dnskey, ttl = 3600): string {
  return `${normalizeName(zone)}. ${ttl} IN DS ${keyTag(k)} ${k.algorithm} 2 ${dsDigest(zone, k, 2)}`;
}

/** The SEP bit (257): the key signing key, the one the parent's DS points at. */
export function isKsk(k: Dnskey): boolean {
  return (k.flags & 1) === 1;
}

function describeKey(k: Dnskey): string {
  return `${keyTag(k)} (${isKsk(k) ? 'KSK' : 'ZSK'}, algorithm ${algorithmName(k.algorithm)})`;
}

/** One authoritative server's answers, asked with the DO bit. */
export interface SignedView {
  server: DnsServer;
  dnskey: QueryResult;
  /** SOA at the apex, MX at the mail domain (and whatever else is worth a signature). */
  signed: QueryResult[];
}

export interface ParentDs {
  /** The parent zone's name, for people. */
  parent: string;
  /** What the parent's server said, or why it could not be asked. */
  result: QueryResult | { error: string };
}

export interface DnssecAssessment {
  /** Every server gives DNSKEY and signed answers. */
  signed: boolean;
  /** And the parent's DS matches one of the keys: validating resolvers (and DANE senders) trust it. */
  secure: boolean;
  findings: Finding[];
}

const DAY = 86_400;
/** Signatures that expire within this many days are worth a warning: the signer should have run. */
export const SIGNATURE_WARN_DAYS = 3;

const F = (status: Finding['status'], summary: string, more: { evidence?: string; fix?: string } = {}): Finding => ({ status, check: 'dnssec', summary, ...more });

function answered(r: QueryResult): boolean {
  return r.kind === 'answer' || r.kind === 'nodata' || r.kind === 'nxdomain';
}

function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

export const NEEDS_DNSSEC = 'DANE needs DNSSEC';

/**
 * The findings of the `dnssec` check from each server's view and the parent's DS. `now` in
 * seconds (tests may pass their own).
 */
export function assessDnssec(zone: string, views: readonly SignedView[], parentDs: () => ParentDs | undefined, now = Math.floor(Date.now() / 1000)): DnssecAssessment {
  const z = normalizeName(zone);
  const notAnswered = views.filter((v) => !answered(v.dnskey));
  if (views.length === 0 || notAnswered.length === views.length) {
    const why = notAnswered[0] ? `${serverLabel(notAnswered[0].server)} gave ${describeResult(notAnswered[0].dnskey)}` : 'no authoritative server answered';
    return { signed: false, secure: false, findings: [F('warn', `could not check DNSSEC of ${z}: ${why}`, { fix: 'run the check again; if it persists, see the ns check' })] };
  }
  const withKeys = views.filter((v) => recordsOf(v.dnskey, 'DNSKEY').some((k) => k.name === z));
  if (withKeys.length === 0) {
    return {
      signed: false,
      secure: false,
      findings: [
        // Informational, like an optional record left out: most zones are unsigned, and nothing is broken.
        F('pass', `${NEEDS_DNSSEC}: ${z} is not signed (no DNSKEY at its servers), so no TLSA record is offered`, {
          fix: `to use DANE, sign ${z} (most DNS providers have a DNSSEC switch) and publish the DS at your registrar; \`mail-wizard check dns\` then offers the TLSA record`,
        }),
      ],
    };
  }
  const findings: Finding[] = [];
  const unsignedAt = views.filter((v) => !withKeys.includes(v));
  if (unsignedAt.length > 0) {
    findings.push(
      F('fail', `${z} is signed at ${withKeys.map((v) => serverLabel(v.server)).join(', ')} but not at ${unsignedAt.map((v) => serverLabel(v.server)).join(', ')}`, {
        evidence: unsignedAt.map((v) => `${serverLabel(v.server)}: ${z}. DNSKEY: ${describeResult(v.dnskey)}`).join('\n'),
        fix: 'serve the signed zone from every name server (a secondary that transfers the zone gets the signatures with it)',
      }),
    );
  }
  // the keys as the first signed server publishes them
  const keys = recordsOf(withKeys[0]!.dnskey, 'DNSKEY').filter((k) => k.name === z);
  // RRSIGs: present over each signed answer, and not expired
  const evidence: string[] = [];
  const missing: string[] = [];
  let soonest: { exp: number; what: string } | undefined;
  for (const v of withKeys) {
    for (const r of [v.dnskey, ...v.signed]) {
      if (r.kind !== 'answer') continue;
      const types = [...new Set(r.records.filter((x) => x.type !== 'RRSIG').map((x) => x.type))];
      const sigs = recordsOf(r, 'RRSIG');
      for (const t of types) {
        const over = sigs.filter((s) => s.typeCovered === t);
        if (over.length === 0) {
          missing.push(`${serverLabel(v.server)}: ${r.name}. ${t}`);
          continue;
        }
        const exp = Math.max(...over.map((s) => s.expiration));
        if (!soonest || exp < soonest.exp) soonest = { exp, what: `${r.name}. ${t} at ${serverLabel(v.server)}` };
      }
    }
  }
  if (missing.length > 0) {
    findings.push(
      F('fail', `answers of the signed zone ${z} come without signatures (RRSIG): validating resolvers reject them`, {
        evidence: missing.join('\n'),
        fix: 'sign the zone again after every change (ldns-signzone or dnssec-signzone, or your provider\'s signer) and reload the name server',
      }),
    );
  }
  if (soonest && soonest.exp <= now) {
    findings.push(
      F('fail', `the signatures of ${z} expired on ${isoDate(soonest.exp)} (${soonest.what}): validating resolvers reject its answers, so mail to it fails for them`, {
        fix: 'sign the zone again now and reload the name server; re-signing must run regularly (a daily job), before the signatures expire',
      }),
    );
  } else if (soonest && soonest.exp - now < SIGNATURE_WARN_DAYS * DAY) {
    findings.push(
      F('warn', `the signatures of ${z} expire on ${isoDate(soonest.exp)} (${soonest.what}), in less than ${SIGNATURE_WARN_DAYS} days`, {
        fix: 'sign the zone again and reload the name server; re-signing must run regularly (a daily job)',
      }),
    );
  }
  evidence.push(`${z}. DNSKEY: ${keys.map(describeKey).join(', ')}`);
  if (soonest) evidence.push(`first signature to expire: ${soonest.what}, ${isoDate(soonest.exp)}`);

  // the chain: a DS at the parent that matches one of the keys
  const ds = parentDs();
  const wanted = (keys.some(isKsk) ? keys.filter(isKsk) : keys).map((k) => dsLine(z, k));
  const publishDs = `publish the DS at your registrar (the parent zone): ${wanted.join('; ')}`;
  const signedAll = unsignedAt.length === 0;
  if (!ds || 'error' in ds.result || !answered(ds.result)) {
    const why = !ds ? 'the parent zone was not found' : 'error' in ds.result ? ds.result.error : `${serverLabel(ds.result.server)} gave ${describeResult(ds.result)}`;
    findings.push(F('warn', `${z} is signed, but its DS at the parent could not be checked: ${why}`, { evidence: evidence.join('\n'), fix: `if it is not there yet, ${publishDs}` }));
    return { signed: signedAll, secure: false, findings };
  }
  const dsRecords = recordsOf(ds.result, 'DS').filter((d) => d.name === z);
  evidence.push(...dsRecords.map((d) => `DS at ${ds.parent}: ${d.keyTag} ${d.algorithm} ${d.digestType} ${d.digest}`));
  if (dsRecords.length === 0) {
    findings.push(
      F('warn', `${z} is signed (keys ${keys.map((k) => keyTag(k)).join(', ')}) but ${ds.parent || 'the root'} has no DS for it: resolvers treat it as unsigned, so DANE cannot hold`, {
        evidence: evidence.join('\n'),
        fix: publishDs,
      }),
    );
    return { signed: signedAll, secure: false, findings };
  }
  const matching = dsRecords.filter((d) => keys.some((k) => keyTag(k) === d.keyTag && k.algorithm === d.algorithm && dsDigest(z, k, d.digestType) === d.digest.toLowerCase()));
  if (matching.length === 0) {
    findings.push(
      F('fail', `the DS of ${z} at ${ds.parent || 'the root'} (key ${dsRecords.map((d) => d.keyTag).join(', ')}) matches none of its keys (${keys.map((k) => keyTag(k)).join(', ')}): validating resolvers reject every answer of the zone, and mail to it fails for them`, {
        evidence: evidence.join('\n'),
        fix: `replace the DS at your registrar: ${wanted.join('; ')}`,
      }),
    );
    return { signed: signedAll, secure: false, findings };
  }
  // The chain goes DS → a key → the DNSKEY set signed by that key: a set signed by other keys only is bogus.
  const chainTags = new Set(matching.map((d) => d.keyTag));
  const unchained = withKeys.filter((v) => !recordsOf(v.dnskey, 'RRSIG').some((sig) => sig.typeCovered === 'DNSKEY' && chainTags.has(sig.keyTag)));
  if (unchained.length > 0) {
    findings.push(
      F('fail', `the DNSKEY set of ${z} is not signed by key ${[...chainTags].join(', ')}, the one the DS at ${ds.parent || 'the root'} names (at ${unchained.map((v) => serverLabel(v.server)).join(', ')}): validating resolvers reject every answer of the zone`, {
        fix: `sign the zone again with that key as the key signing key, or replace the DS at your registrar: ${wanted.join('; ')}`,
      }),
    );
  }
  const secure = signedAll && !findings.some((f) => f.status === 'fail');
  if (findings.length === 0) {
    findings.push(
      F('pass', `${z} is signed and delegated securely: DS at ${ds.parent || 'the root'} for key ${matching.map((d) => `${d.keyTag} (algorithm ${algorithmName(d.algorithm)})`).join(', ')}; keys ${keys.map(describeKey).join(', ')}`, {
        evidence: evidence.join('\n'),
      }),
    );
  } else {
    for (const f of findings) if (!f.evidence) f.evidence = evidence.join('\n');
  }
  return { signed: signedAll, secure, findings };
}

/** The parent zone's name: the zone without its first label ('' is the root). */
export function parentName(zone: string): string {
  const z = normalizeName(zone);
  const dot = z.indexOf('.');
  return dot < 0 ? '' : z.slice(dot + 1);
}

/** A DS answer that came from the zone itself (a server that is not the parent's): SOA of the zone in authority. */
export function answeredByChild(r: QueryResult, zone: string): boolean {
  if (r.kind !== 'nodata' && r.kind !== 'nxdomain') return false;
  return r.authority.some((x) => x.type === 'SOA' && x.name === normalizeName(zone));
}
