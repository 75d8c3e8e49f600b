/**
 * The DKIM records of a key rotation's other selectors (src/dkim/rotation.ts), checked like the
 * active one. A retired key's record is still valid while published: mail signed with it in the
 * last days is still checked against it. Once gone early, that mail fails DKIM, which is worth a
 * warning, not a failure (new mail is signed with the active key). The next key's record is what
 * `dkim rotate` waits for: missing, it fails.
 */
import { checkDkim } from './checks/dkim.js';
import type { CheckInput } from './checks/types.js';
import { dkimRecordValue } from '../dkim/keys.js';
import { GRACE_DAYS } from '../dkim/rotation.js';
import type { Finding } from '../engine/types.js';
import { DEFAULT_TTL, dkimName, type ExpectedRecord } from './expected.js';
import type { Answers } from '../answers/schema.js';

export interface OtherDkimKey {
  selector: string;
  role: 'retired' | 'next';
  /** The public half on this server (absent: not compared). */
  publicKeyPem?: string;
}

export async function checkOtherDkim(input: CheckInput, others: readonly OtherDkimKey[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const other of others) {
    const sub: CheckInput = { ...input, answers: { ...input.answers, dkimSelector: other.selector } };
    if (other.publicKeyPem) sub.dkimPublicKeyPem = other.publicKeyPem;
    else delete sub.dkimPublicKeyPem;
    for (const f of await checkDkim(sub)) {
      const role = other.role === 'retired' ? 'retired key, still published' : 'next key (dkim rotate)';
      const tagged: Finding = { ...f, summary: `${f.summary} [${role}]` };
      if (other.role === 'retired' && f.status === 'fail') {
        tagged.status = 'warn';
        tagged.fix = `Mail signed with ${other.selector} in the last ${GRACE_DAYS} days fails DKIM without it: ${f.fix ?? 'publish it again'}; after the grace period, \`mail-wizard dkim retire ${other.selector}\`.`;
      }
      out.push(tagged);
    }
  }
  return out;
}

/** The records of the other selectors, for `records` (the same shape as the active one's). */
export function otherDkimRecords(answers: Answers, others: readonly OtherDkimKey[], ttl = DEFAULT_TTL): ExpectedRecord[] {
  return others.flatMap((o): ExpectedRecord[] => {
    if (!o.publicKeyPem) return [];
    const name = dkimName({ ...answers, dkimSelector: o.selector });
    const note =
      o.role === 'retired'
        ? `retired DKIM key: keep it ${GRACE_DAYS} days after the switch, then \`mail-wizard dkim retire ${o.selector}\` and delete it`
        : 'next DKIM key: publish it; `mail-wizard dkim rotate` moves signing to it once every server has it';
    return [{ check: 'dkim', name, type: 'TXT', value: dkimRecordValue(o.publicKeyPem), ttl, where: 'zone', note }];
  });
}
