/**
 * DNS records as the doctor sees them: a small union decoupled from dns-packet's shapes, with the
 * one presentation format (zone-file like) used in evidence, comparisons and the setup screen.
 */

export type RecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'NS' | 'SOA' | 'CNAME' | 'CAA' | 'SRV' | 'TLSA' | 'DNSKEY' | 'DS' | 'RRSIG';

interface Base {
  /** Owner name, lower case, no trailing dot. */
  name: string;
  ttl: number;
}

export type DnsRecord =
  | (Base & { type: 'A' | 'AAAA'; address: string })
  | (Base & { type: 'CNAME' | 'PTR' | 'NS' | 'DNAME'; target: string })
  | (Base & { type: 'MX'; preference: number; exchange: string })
  /** strings: the character-strings of one TXT record, bytes kept as latin1 so nothing is lost. */
  | (Base & { type: 'TXT'; strings: string[] })
  | (Base & {
      type: 'SOA';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    })
  | (Base & { type: 'CAA'; flags: number; tag: string; value: string })
  | (Base & { type: 'SRV'; priority: number; weight: number; port: number; target: string })
  /** data: the certificate association, lower-case hex. */
  | (Base & { type: 'TLSA'; usage: number; selector: number; matchingType: number; data: string })
  /** key: base64, as in a zone file. */
  | (Base & { type: 'DNSKEY'; flags: number; algorithm: number; key: string })
  /** digest: lower-case hex. */
  | (Base & { type: 'DS'; keyTag: number; algorithm: number; digestType: number; digest: string })
  /** Only what tells who signed what: the signature itself is not kept. */
  | (Base & { type: 'RRSIG'; typeCovered: string; algorithm: number; keyTag: number; signersName: string; expiration: number })
  | (Base & { type: 'OTHER'; rrtype: string });

/** The records of one type (the union member narrowed to it). */
export type RecordOf<T extends DnsRecord['type']> = DnsRecord & { type: T };

/** Lower case, no trailing dot: the one form names are compared in. */
export function normalizeName(name: string): string {
  const n = name.toLowerCase();
  // The root is '' so that `${name}.` prints it as '.'.
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

export function sameName(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

/** The value of a TXT record as receivers read it: the strings concatenated without spaces. */
export function txtValue(r: { strings: string[] }): string {
  return r.strings.join('');
}

/** Zone-file quoting of one character-string. */
export function quoteTxtString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) out += `\\${String(code).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The record data in presentation format (what follows the type in a zone file). */
export function recordData(r: DnsRecord): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return r.address;
    case 'CNAME':
    case 'PTR':
    case 'NS':
    case 'DNAME':
      return `${r.target}.`;
    case 'MX':
      return `${r.preference} ${r.exchange}.`;
    case 'TXT':
      return r.strings.map(quoteTxtString).join(' ');
    case 'SOA':
      return `${r.mname}. ${r.rname}. ${r.serial} ${r.refresh} ${r.retry} ${r.expire} ${r.minimum}`;
    case 'CAA':
      return `${r.flags} ${r.tag} ${quoteTxtString(r.value)}`;
    case 'SRV':
      return `${r.priority} ${r.weight} ${r.port} ${r.target}.`;
    case 'TLSA':
      return `${r.usage} ${r.selector} ${r.matchingType} ${r.data}`;
    case 'DNSKEY':
      return `${r.flags} 3 ${r.algorithm} ${r.key}`;
    case 'DS':
      return `${r.keyTag} ${r.algorithm} ${r.digestType} ${r.digest}`;
    case 'RRSIG':
      return `${r.typeCovered} ${r.algorithm} (key ${r.keyTag}, signed by ${r.signersName}., expires ${new Date(r.expiration * 1000).toISOString()})`;
    case 'OTHER':
      return '(not decoded)';
  }
}

export function recordTypeName(r: DnsRecord): string {
  return r.type === 'OTHER' ? r.rrtype : r.type;
}

/** One line, like dig prints it: `example.org. 300 IN MX 10 mail.example.org.` */
export function formatRecord(r: DnsRecord): string {
  return `${r.name}. ${r.ttl} IN ${recordTypeName(r)} ${recordData(r)}`;
}

/** The same without the TTL: what two servers must agree on. */
export function recordKey(r: DnsRecord): string {
  return `${r.name} ${recordTypeName(r)} ${recordData(r)}`;
}
