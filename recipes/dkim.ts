/**
 * The DKIM key: 2048-bit RSA (RFC 8301), readable by rspamd's group only, with its public half
 * beside it for the DNS record. Verification proves the two halves belong together.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { octal } from '../src/engine/actions.js';
import { publicKeyPemFromPrivate, spkiBase64 } from '../src/dkim/keys.js';
import { GRACE_DAYS, retiredSelectors } from '../src/dkim/rotation.js';
import { dkimPaths } from './templates/input.js';

export const DKIM_BITS = 2048;
const KEY_MODE = 0o440;

interface DkimProbe {
  keyExists: boolean;
  pubExists: boolean;
  /** Owner, group or mode of the private key differ from root:rspamd 0440. */
  keyModeDrifted: boolean;
  /** The public file is not the half of the private key (false when either cannot be read: dry-run). */
  pubMismatch: boolean;
}

async function keyModeDrifted(ctx: Context, key: string): Promise<boolean> {
  const stat = await ctx.host.stat(key);
  if (!stat) return false;
  const gid = await ctx.host.groupId(ctx.platform.users.rspamd);
  return stat.uid !== 0 || stat.mode !== KEY_MODE || (gid !== null && stat.gid !== gid);
}

async function halvesDiffer(privatePem: string | null, publicPem: string | null): Promise<boolean> {
  if (privatePem === null || publicPem === null) return false;
  try {
    return spkiBase64(await publicKeyPemFromPrivate(privatePem)) !== spkiBase64(publicPem);
  } catch {
    return false; // an unreadable private key is the person's to look at (see verify)
  }
}

export const dkimStep: Step<DkimProbe> = {
  id: 'dkim',
  title: 'DKIM key',
  why: 'Rspamd signs your mail with this key; receivers check it against the public half in DNS.',
  needs: ['packages'],
  async probe(ctx) {
    const { key, pub } = dkimPaths(ctx);
    const [keyExists, pubExists] = [(await ctx.host.stat(key)) !== null, (await ctx.host.stat(pub)) !== null];
    const [privatePem, publicPem] = keyExists && pubExists ? await Promise.all([ctx.host.readFile(key), ctx.host.readFile(pub)]) : [null, null];
    return { keyExists, pubExists, keyModeDrifted: await keyModeDrifted(ctx, key), pubMismatch: await halvesDiffer(privatePem, publicPem) };
  },
  plan(ctx, probed) {
    const { key, pub } = dkimPaths(ctx);
    if (probed.keyExists) {
      // Never replace a key that may already be published: put its mode back, derive its public half.
      const actions: Action[] = [];
      if (probed.keyModeDrifted) {
        actions.push(
          { type: 'run', argv: ['chown', `root:${ctx.platform.users.rspamd}`, key], timeoutMs: 30_000 },
          { type: 'run', argv: ['chmod', octal(KEY_MODE), key], timeoutMs: 30_000 },
        );
      }
      if (!probed.pubExists || probed.pubMismatch) {
        actions.push({ type: 'run', argv: ['openssl', 'pkey', '-in', key, '-pubout', '-out', pub], timeoutMs: 30_000 });
      }
      if (probed.pubMismatch) {
        actions.push({ type: 'manual', title: 'the public key changed: publish the DKIM record again', lines: ['mail-wizard records', 'mail-wizard check dns --wait 600'] });
      }
      return actions.length ? { actions } : { actions, reason: `the key ${key} exists, root:${ctx.platform.users.rspamd} ${octal(KEY_MODE)}, with its public half` };
    }
    return {
      actions: [
        { type: 'mkdir', path: ctx.platform.paths.dkimDir, mode: 0o750, owner: 'root', group: ctx.platform.users.rspamd },
        { type: 'generateKey', path: key, publicPath: pub, bits: DKIM_BITS, mode: KEY_MODE, owner: 'root', group: ctx.platform.users.rspamd },
      ],
    };
  },
  verify: verifyDkimKey,
};

export async function verifyDkimKey(ctx: Context): Promise<Finding[]> {
  const { key, pub } = dkimPaths(ctx);
  const group = ctx.platform.users.rspamd;
  const stat = await ctx.host.stat(key);
  if (!stat) return [{ status: 'fail', check: 'dkim.key', summary: `no DKIM key at ${key}`, fix: 'Run `mail-wizard repair` to create it.' }];
  const findings: Finding[] = retiredKeyFindings(ctx, stat.mtimeMs);
  const gid = await ctx.host.groupId(group);
  if (stat.uid !== 0 || stat.mode !== KEY_MODE || (gid !== null && stat.gid !== gid)) {
    findings.push({
      status: 'fail',
      check: 'dkim.key-mode',
      summary: `${key} must be owned by root:${group} with mode ${octal(KEY_MODE)}`,
      evidence: `mode ${octal(stat.mode)}, uid ${stat.uid}, gid ${stat.gid}`,
      fix: `chown root:${group} ${key} && chmod ${octal(KEY_MODE)} ${key}`,
    });
  } else {
    findings.push({ status: 'pass', check: 'dkim.key-mode', summary: `${key}: root:${group}, mode ${octal(KEY_MODE)}` });
  }
  const [privatePem, publicPem] = await Promise.all([ctx.host.readFile(key), ctx.host.readFile(pub)]);
  if (privatePem === null) return findings;
  let derived: string;
  try {
    derived = await publicKeyPemFromPrivate(privatePem);
  } catch (err) {
    findings.push({ status: 'fail', check: 'dkim.key-match', summary: `${key} is not a readable RSA private key`, evidence: (err as Error).message, fix: `Move it away and run \`mail-wizard repair\` to make a new one (then publish the new record).` });
    return findings;
  }
  if (publicPem === null) {
    findings.push({ status: 'fail', check: 'dkim.key-match', summary: `no public key at ${pub}`, fix: `openssl pkey -in ${key} -pubout -out ${pub}` });
  } else if (spkiBase64(derived) !== spkiBase64(publicPem)) {
    findings.push({
      status: 'fail',
      check: 'dkim.key-match',
      summary: `${pub} is not the public half of ${key}: the DNS record would not match the signatures`,
      fix: `openssl pkey -in ${key} -pubout -out ${pub}, then publish the record again (mail-wizard records).`,
    });
  } else {
    findings.push({ status: 'pass', check: 'dkim.key-match', summary: `${pub} is the public half of ${key}` });
  }
  return findings;
}

/**
 * After `dkim rotate`, the old key's record stays published for a grace period; past it, a
 * reminder (the daily report carries it once). The switch was no earlier than the active key's
 * file was made.
 */
function retiredKeyFindings(ctx: Context, activeMadeMs: number | undefined): Finding[] {
  return retiredSelectors(ctx.answers).map((old): Finding => {
    const days = activeMadeMs === undefined ? GRACE_DAYS : Math.floor((Date.now() - activeMadeMs) / 86_400_000);
    if (days < GRACE_DAYS) {
      return { status: 'pass', check: 'dkim.retired', summary: `the retired key ${old} stays published for its grace period (${GRACE_DAYS - days} more days)` };
    }
    return {
      status: 'warn',
      check: 'dkim.retired',
      summary: `the retired key ${old} is past its ${GRACE_DAYS}-day grace period`,
      fix: `mail-wizard dkim retire ${old}, then delete ${old}._domainkey.${ctx.answers.domain} from the zone.`,
    };
  });
}

