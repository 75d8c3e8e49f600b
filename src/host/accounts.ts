/** Parsing of /etc/passwd and /etc/group text: the host's own accounts, not this process's. */
import type { Account } from './host.js';

export function findUser(passwd: string | null, name: string): Account | null {
  for (const line of (passwd ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 6) {
      return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
    }
  }
  return null;
}

/** The secondary members of a group (the last field of its /etc/group line); null when there is no such group. */
export function findGroupMembers(group: string | null, name: string): string[] | null {
  for (const line of (group ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return f[3]!.split(',').map((m) => m.trim()).filter(Boolean);
  }
  return null;
}

export function findGroupId(group: string | null, name: string): number | null {
  for (const line of (group ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3) return Number(f[2]);
  }
  return null;
}
