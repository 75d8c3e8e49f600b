/**
 * Plain lines for the setup flow's DNS step: each expected record, then how each authoritative
 * server publishes it, and how long caches may keep an old answer. The Ink view can use the same
 * snapshot (doctor.ts recordsByServer) and draw it its own way.
 */
import type { PublishedSnapshot } from './doctor.js';
import { recordOneLine } from './zone-export.js';

const STATE: Record<string, string> = { ok: 'ok', different: 'DIFFERENT', missing: 'MISSING', 'no-answer': 'NO ANSWER' };

export function formatSnapshot(snap: PublishedSnapshot): string[] {
  const out: string[] = [];
  const width = Math.max(10, ...snap.records.flatMap((r) => r.servers.map((s) => s.server.length)));
  for (const r of snap.records) {
    const mark = r.ok ? '✓' : r.expected.placeholder ? '?' : '✗';
    out.push(`${mark} ${recordOneLine(r.expected)}${r.agree ? '' : '   (servers disagree)'}`);
    for (const s of r.servers) {
      const wait = s.state !== 'ok' && s.cacheTtl !== undefined ? `   caches may keep this for up to ${s.cacheTtl} s` : '';
      out.push(`    ${s.server.padEnd(width)}  ${(STATE[s.state] ?? s.state).padEnd(9)}  ${s.seen.join(' | ')}${wait}`);
    }
  }
  for (const p of snap.problems) out.push(`! ${p}`);
  if (snap.allAgree && snap.allOk) out.push('All servers publish what this server needs.');
  else if (snap.maxCacheTtl > 0) out.push(`Resolvers that asked before the change may keep old answers for up to ${snap.maxCacheTtl} s after it is fixed.`);
  return out;
}
