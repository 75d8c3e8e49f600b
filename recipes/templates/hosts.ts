/**
 * /etc/hosts: `localhost` must be loopback (a wildcard DNS record plus a search domain can otherwise
 * send daemons to the public address: the story behind this project), and the host name maps to
 * the public addresses. The file is the admin's: our lines live in a marked block; an admin's line
 * that contradicts them (localhost on another address, the host name on another address) is
 * commented out with a note, every other line is kept as it is.
 */
import type { Answers } from '../../src/answers/schema.js';
import { outsideBlock, withBlock } from '../lib/marked-block.js';

const LOOPBACK = new Set(['127.0.0.1', '::1']);

function fields(line: string): { ip?: string; names: string[] } {
  const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
  return { ip: ip || undefined, names };
}

export function renderHosts(existing: string | null, answers: Answers): string {
  const short = answers.hostname.split('.')[0]!;
  const conflict = (line: string): string | null => {
    const { ip, names } = fields(line);
    if (!ip) return null;
    if (names.includes('localhost') && !LOOPBACK.has(ip)) return 'localhost must be loopback';
    if (names.includes(answers.hostname)) return `${answers.hostname} is set in the mail-wizard block`;
    return null;
  };
  // The admin's lines that stay in force: when they already map localhost, we do not repeat it.
  const kept = outsideBlock(existing).filter((l) => conflict(l) === null);
  const keptHas = (ip: string) => kept.some((l) => {
    const f = fields(l);
    return f.ip === ip && f.names.includes('localhost');
  });
  const lines: string[] = [];
  if (!keptHas('127.0.0.1')) lines.push('127.0.0.1\tlocalhost');
  if (!keptHas('::1')) lines.push('::1\t\tlocalhost');
  lines.push(`${answers.ipv4}\t${answers.hostname} ${short}`);
  if (answers.ipv6) lines.push(`${answers.ipv6}\t${answers.hostname} ${short}`);
  return withBlock(existing, { what: 'localhost is loopback; the host name is this server', lines, conflict });
}
