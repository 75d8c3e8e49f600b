/**
 * /etc/hosts: `localhost` must be loopback (a wildcard DNS record plus a search domain can otherwise
 * send daemons to the public address: the story behind this project), and the host name maps to
 * the public addresses. Other lines are kept as they are.
 */
import type { Answers } from '../../src/answers/schema.js';

const LOOPBACK = new Set(['127.0.0.1', '::1']);

function fields(line: string): { ip?: string; names: string[] } {
  const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
  return { ip: ip || undefined, names };
}

export function renderHosts(existing: string | null, answers: Answers): string {
  const short = answers.hostname.split('.')[0]!;
  const kept = (existing ?? '').split('\n').filter((line) => {
    const { ip, names } = fields(line);
    if (!ip) return true;
    if (names.includes('localhost') && !LOOPBACK.has(ip)) return false; // the seed story's bug
    return !names.includes(answers.hostname); // rewritten below with the right addresses
  });
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const has = (ip: string) => kept.some((l) => {
    const f = fields(l);
    return f.ip === ip && f.names.includes('localhost');
  });
  const added: string[] = [];
  if (!has('127.0.0.1')) added.push('127.0.0.1\tlocalhost');
  if (!has('::1')) added.push('::1\t\tlocalhost');
  added.push(`${answers.ipv4}\t${answers.hostname} ${short}`);
  if (answers.ipv6) added.push(`${answers.ipv6}\t${answers.hostname} ${short}`);
  return `${[...kept, ...added].join('\n')}\n`;
}
