/**
 * A person who does exactly what a DNS finding's fix says, and nothing else: the fix is read as
 * text, and each instruction in it is carried out on the published zone (or the reverse zone, the
 * hosts file, the second server). An instruction this reader does not understand is an error: a
 * fix must name what to publish, where, or what to delete.
 */
import { reverseName } from '../../src/dns/expected.js';

/** What "the world" holds: the lines of the zones as published, and the machine's hosts file. */
export interface Published {
  /** Forward zone lines, absolute owner names (header lines included). */
  forward: string[];
  /** Reverse zone lines (PTR), absolute owner names. */
  reverse: string[];
  /** The hosts file of the machine that runs the check. */
  hosts: string;
  /** A second server's forward zone (the consistency case), when there is one. */
  secondary?: string[];
}

const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
/** A zone line inside a fix: `name. [TTL] [IN] TYPE data`, data shaped by the type. */
const RECORD = new RegExp(
  [
    '(\\S+\\.)\\s+(?:\\d+\\s+)?(?:IN\\s+)?',
    '(?:',
    `(TXT)\\s+(\\(\\s*${QUOTED}(?:\\s+${QUOTED})*\\s*\\)|${QUOTED}(?:\\s+${QUOTED})*)`,
    `|(CAA)\\s+(\\d+\\s+\\w+\\s+${QUOTED})`,
    '|(MX)\\s+(\\d+\\s+\\S+\\.)',
    '|(SRV)\\s+(\\d+\\s+\\d+\\s+\\d+\\s+\\S*\\.)',
    '|(A|AAAA|CNAME|NS|PTR)\\s+([0-9A-Za-z:._-]*[0-9A-Za-z:.])',
    ')',
  ].join(''),
  'g',
);

interface Rec {
  owner: string;
  type: string;
  data: string;
}

/** A zone line's owner, type and data (null for lines that are not records: $TTL, comments). */
export function parseLine(line: string): Rec | null {
  const tokens = line.trim().split(/\s+/);
  if (!tokens[0] || tokens[0].startsWith('$') || tokens[0].startsWith(';')) return null;
  let i = 1;
  while (i < tokens.length && (/^\d+$/.test(tokens[i]!) || tokens[i] === 'IN')) i++;
  const type = tokens[i];
  if (!type) return null;
  return { owner: tokens[0].toLowerCase(), type, data: tokens.slice(i + 1).join(' ') };
}

/** The records named in a fix, as zone lines. */
export function recordsIn(fix: string): Rec[] {
  const out: Rec[] = [];
  for (const m of fix.matchAll(RECORD)) {
    const type = m[2] ?? m[4] ?? m[6] ?? m[8] ?? m[10]!;
    const data = (m[3] ?? m[5] ?? m[7] ?? m[9] ?? m[11]!).replace(/\s+/g, ' ');
    out.push({ owner: m[1]!.toLowerCase(), type, data });
  }
  return out;
}

/** The tag a TXT value starts with (v=spf1, v=DKIM1, v=DMARC1, ...): records of one kind. */
function txtKind(data: string): string {
  const text = data.replace(/^\(\s*|\s*\)$/g, '').replace(/"\s+"/g, '').replace(/^"|"$/g, '').replace(/\\"/g, '"').replace(/^"/, '');
  return /^v=[A-Za-z0-9]+/.exec(text)?.[0]?.toLowerCase() ?? text.slice(0, 10);
}

const sameKind = (a: Rec, b: Rec) => a.owner === b.owner && a.type === b.type && (a.type !== 'TXT' || txtKind(a.data) === txtKind(b.data));

function withoutOwner(lines: string[], owner: string, type?: string): string[] {
  return lines.filter((l) => {
    const r = parseLine(l);
    return !r || r.owner !== owner.toLowerCase() || (type !== undefined && r.type !== type);
  });
}

/**
 * Carries out one fix on what is published. Returns what was done, one line per instruction;
 * throws when the fix holds no instruction this reader can carry out.
 */
export function applyFix(world: Published, fix: string): string[] {
  const done: string[] = [];
  const abs = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();

  // "make every authoritative server serve the same zone": the second server gets the first's zone.
  if (/make every authoritative server serve the same zone|have not loaded the latest zone yet/.test(fix)) {
    if (!world.secondary) throw new Error(`a fix about a second server, and there is none: ${fix}`);
    world.secondary = [...world.forward];
    done.push('the second server now serves the primary\'s zone');
  }
  // "ask whoever owns IP ... to set its PTR to HOST": the owner of the address does so.
  const ptr = /whoever owns (\S+) .*?set its PTR to ([^\s,;()]+)/.exec(fix);
  if (ptr) {
    const owner = `${reverseName(ptr[1]!)}.`;
    world.reverse = [...withoutOwner(world.reverse, owner, 'PTR'), `${owner} 300 IN PTR ${abs(ptr[2]!)}`];
    done.push(`PTR ${owner} → ${abs(ptr[2]!)}`);
  }
  // "HOSTS should map localhost to loopback only: "127.0.0.1 localhost" and "::1 localhost""
  const hosts = /should map localhost to loopback only: "([^"]+)" and "([^"]+)"/.exec(fix);
  if (hosts) {
    const kept = world.hosts.split('\n').filter((l) => l.trim() && !/\blocalhost\b/.test(l.replace(/#.*$/, '')));
    world.hosts = [hosts[1], hosts[2], ...kept, ''].join('\n');
    done.push(`hosts file: ${hosts[1]}; ${hosts[2]}`);
  }
  // "make NAME (ADDR) serve the zone Z, or remove it from the NS records": the second way.
  const lame = /make (\S+) \([^)]*\) serve the zone \S+, or remove it from the NS records/.exec(fix);
  if (lame) {
    const target = abs(lame[1]!);
    const before = world.forward.length;
    world.forward = world.forward.filter((l) => {
      const r = parseLine(l);
      return !(r?.type === 'NS' && abs(r.data) === target);
    });
    if (world.forward.length === before) throw new Error(`no NS record names ${target}`);
    done.push(`NS ${target} removed`);
  }
  // "delete the wildcard (*.D)", "delete the wildcard record (*.D)", "otherwise delete *.D"
  for (const m of fix.matchAll(/delete (?:the wildcard(?: record)? \(|)\*\.([^\s);,]+)/g)) {
    const owner = `*.${abs(m[1]!)}`;
    const before = world.forward.length;
    world.forward = withoutOwner(world.forward, owner);
    if (world.forward.length !== before) done.push(`deleted ${owner}`);
  }
  // "... or the record at NAME": deleted when it is there (the wildcard may have been the one).
  for (const m of fix.matchAll(/delete [^;]*?the record at ([^\s;,]+)/g)) {
    const before = world.forward.length;
    world.forward = withoutOwner(world.forward, abs(m[1]!));
    if (world.forward.length !== before) done.push(`deleted the records at ${abs(m[1]!)}`);
  }
  // "delete the A record(s) 192.0.2.99, 192.0.2.98 of HOST unless they are this server too"
  for (const m of fix.matchAll(/delete the (A|AAAA) record\(s\) (.+?) of (\S+)/g)) {
    const gone = new Set(m[2]!.split(/,\s*/));
    const owner = abs(m[3]!);
    world.forward = world.forward.filter((l) => {
      const r = parseLine(l);
      return !(r && r.owner === owner && r.type === m[1] && gone.has(r.data));
    });
    done.push(`deleted ${m[1]} ${[...gone].join(', ')} of ${owner}`);
  }
  // "(delete the MX at HOST)"
  for (const m of fix.matchAll(/delete the MX at ([^\s)]+)/g)) {
    world.forward = withoutOwner(world.forward, abs(m[1]!), 'MX');
    done.push(`deleted the MX at ${abs(m[1]!)}`);
  }
  // The records named: published; where the fix says the one there is wrong (replace, change,
  // merge, keep one, delete all but one, "should look like"), the records of that kind go first.
  const replaces = /\b(replace|change the|merge|keep one|delete all but one|should look like|delete the null MX)\b/i.test(fix);
  for (const rec of recordsIn(fix)) {
    if (rec.type === 'PTR') continue; // PTRs are the address owner's (handled above)
    if (replaces) {
      world.forward = world.forward.filter((l) => {
        const r = parseLine(l);
        return !r || !sameKind(r, rec);
      });
    }
    world.forward.push(`${rec.owner} 300 IN ${rec.type} ${rec.data}`);
    done.push(`${replaces ? 'replaced by' : 'published'} ${rec.owner} ${rec.type} ${rec.data.slice(0, 60)}`);
  }
  if (done.length === 0) throw new Error(`this fix names nothing to do: ${fix}`);
  return done;
}
