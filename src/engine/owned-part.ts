/**
 * Of a file shared with the admin (/etc/hosts, the aliases, httpd.conf, daily.local, nftables.conf)
 * mail-wizard owns only its marked blocks (recipes/lib/marked-block.ts writes them). Whether such a
 * file was edited by hand is decided on those blocks alone: the admin's lines around them are
 * theirs to change, and an alias they add must not stop the next run from updating ours.
 */

export const BLOCK_BEGIN = '# BEGIN mail-wizard';
export const BLOCK_END = '# END mail-wizard';

/** The part of a file that is ours: its marked blocks, markers included; the whole file when it has none (a file wholly ours). */
export function ownedPart(content: string): string {
  const lines = content.split('\n');
  if (!lines.some((l) => l.startsWith(BLOCK_BEGIN))) return content;
  const ours: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith(BLOCK_BEGIN)) inside = true;
    if (inside) ours.push(line);
    if (line.trimEnd().startsWith(BLOCK_END)) inside = false;
  }
  return ours.join('\n');
}
