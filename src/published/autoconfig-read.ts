/**
 * A small exact reader of the autoconfig fields a mail client acts on: each incomingServer and
 * outgoingServer with its type, hostname, port, socketType and authentication. Not a general XML
 * parser: enough to say which field of a served file differs from ours (autoconfigXml).
 */

export interface ClientServer {
  /** "incomingServer imap", "outgoingServer smtp". */
  kind: string;
  hostname?: string;
  port?: string;
  socketType?: string;
  authentication?: string;
}

export const SERVER_FIELDS = ['hostname', 'port', 'socketType', 'authentication'] as const;

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').trim();
}

/** The servers in document order, or null when the text is not a clientConfig file. */
export function readClientServers(xml: string): ClientServer[] | null {
  if (!/<clientConfig\b[^>]*>[\s\S]*<\/clientConfig>/.test(xml)) return null;
  const out: ClientServer[] = [];
  for (const m of xml.matchAll(/<(incomingServer|outgoingServer)\b([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const type = /\btype\s*=\s*["']([^"']*)["']/.exec(m[2] ?? '')?.[1] ?? '?';
    const s: ClientServer = { kind: `${m[1]} ${type}` };
    for (const field of SERVER_FIELDS) {
      const v = new RegExp(`<${field}>([\\s\\S]*?)</${field}>`).exec(m[3] ?? '')?.[1];
      if (v !== undefined) s[field] = unescape(v);
    }
    out.push(s);
  }
  return out;
}

/** What differs between the served servers and ours, one line each ("incomingServer imap #1: port 143, expected 993"). */
export function serverDifferences(served: readonly ClientServer[], expected: readonly ClientServer[]): string[] {
  const lines: string[] = [];
  const kinds = [...new Set([...expected, ...served].map((s) => s.kind))];
  for (const kind of kinds) {
    const want = expected.filter((s) => s.kind === kind);
    const got = served.filter((s) => s.kind === kind);
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      const label = `${kind} #${i + 1}`;
      const w = want[i];
      const g = got[i];
      if (!g) {
        lines.push(`${label}: missing (expected ${w!.hostname}:${w!.port} ${w!.socketType})`);
        continue;
      }
      if (!w) {
        lines.push(`${label}: ${g.hostname}:${g.port} ${g.socketType} is not ours`);
        continue;
      }
      for (const field of SERVER_FIELDS) {
        if (g[field] !== w[field]) lines.push(`${label}: ${field} ${g[field] ?? '(none)'}, expected ${w[field]}`);
      }
    }
  }
  return lines;
}
