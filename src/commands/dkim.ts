/**
 * `dkim rotate` and `dkim retire SELECTOR`: a new DKIM key under a new selector, without a moment
 * at which mail is signed with a key receivers cannot find.
 *
 *   1. make the next key (its selector is dated: mw20261201) and list it in the answers
 *      (dkimPublished), print its record; rspamd keeps signing with the current key;
 *   2. ask every authoritative server until each serves the new record (nobody has asked caches
 *      for the new name, since nothing was signed with it: no negative answer can be cached);
 *   3. only then make it the dkimSelector and let repair render rspamd's dkim_signing.conf and
 *      restart rspamd; the old record stays published for the grace period (mail signed with
 *      it is still in queues and re-checked), and `dkim retire OLD` removes the key afterwards.
 *
 * Interrupted or out of time at step 2, nothing changes for the mail; `dkim rotate` again waits
 * for the same key.
 */
import * as path from 'node:path';
import { rspamdStep } from '../../recipes/rspamd.js';
import { servicesStep } from '../../recipes/services.js';
import { DKIM_BITS } from '../../recipes/dkim.js';
import { dkimPaths } from '../../recipes/templates/input.js';
import { DEFAULT_ANSWERS_PATH, InputError } from '../answers/load.js';
import type { Answers } from '../answers/schema.js';
import { otherDkimRecords } from '../dns/dkim-selectors.js';
import { recordsByServer } from '../dns/doctor.js';
import { zoneLines } from '../dns/zone-export.js';
import { GRACE_DAYS, activated, newSelectorName, nextSelector, publishedSelectors, retired, retiredSelectors, withNext } from '../dkim/rotation.js';
import { applyAction } from '../engine/actions.js';
import { localHost } from '../host/local.js';
import { acquireLock, LockedError } from '../engine/lock.js';
import { lockPath, resolveAnswers, resolveTarget, type CommonOptions, type Target } from './options.js';
import { runCommand, type Io } from './run.js';

export interface DkimOptions extends CommonOptions {
  /** rotate: how long to wait for the record, in seconds. */
  waitSeconds?: number;
  /** Seconds between two rounds of questions (tests: shorter). */
  intervalMs?: number;
}

const DAY_MS = 86_400_000;

function answersFile(opts: CommonOptions): string {
  if (opts.answers) return opts.answers;
  return opts.root ? path.join(path.resolve(opts.root), DEFAULT_ANSWERS_PATH) : DEFAULT_ANSWERS_PATH;
}

async function load(opts: CommonOptions, io: Io): Promise<{ answers: Answers; target: Target; file: string }> {
  if (opts.demo) throw new InputError(['dkim: --demo has no key to rotate; give --answers FILE']);
  const answers = await resolveAnswers(opts, io.interactive);
  const target = await resolveTarget(opts, 'repair', answers);
  return { answers, target, file: answersFile(opts) };
}

/**
 * The answers file is a path on this machine (also with --root): written atomically, the previous
 * version kept under /var/backups/mail-wizard/, like every file a run replaces.
 */
async function saveAnswers(file: string, answers: Answers): Promise<void> {
  await localHost().writeFile(path.resolve(file), `${JSON.stringify(answers, null, 2)}\n`, { mode: 0o600 });
}

const keyPaths = (target: Target, answers: Answers, selector: string) => dkimPaths({ answers: { ...answers, dkimSelector: selector }, platform: target.platform });

export async function dkimRotate(opts: DkimOptions, io: Io): Promise<number> {
  let { answers, target, file } = await load(opts, io);
  const { host } = target;
  let next = nextSelector(answers);
  if (next) {
    io.out(`The next key ${next} was made earlier and is not signing yet: waiting for its record again.`);
  } else {
    // The key and the answers change together: not while a setup or repair is running.
    const release = await lock(opts);
    try {
      answers = await makeNextKey(target, answers, file, io);
    } finally {
      await release();
    }
    next = nextSelector(answers)!;
  }
  const pem = await host.readFile(keyPaths(target, answers, next).pub);
  if (!pem) throw new Error(`the public half of the next key is missing (${keyPaths(target, answers, next).pub}): \`mail-wizard dkim retire ${next}\`, then rotate again`);
  io.out('');
  io.out('Publish this record in the zone of your domain (keep the current one):');
  for (const line of zoneLines(otherDkimRecords(answers, [{ selector: next, role: 'next', publicKeyPem: pem }]))) io.out(`  ${line}`);
  io.out('');

  const seconds = opts.waitSeconds ?? 600;
  const published = await waitForKey(answers, next, pem, opts, seconds, io);
  if (!published) {
    io.out(`Not published at every authoritative server after ${seconds} s. Mail is still signed with ${answers.dkimSelector}, which receivers find.`);
    io.out('Run `mail-wizard dkim rotate` again once the record is published: it waits for this same key.');
    return 1;
  }

  const old = answers.dkimSelector;
  answers = activated(answers, next);
  await saveAnswers(file, answers);
  io.out(`Every authoritative server serves ${next}: rspamd signs with it from now on.`);
  const code = await runCommand({ ...opts, answers: file, mode: 'repair', format: 'text', yes: true, plain: true, steps: [rspamdStep, servicesStep] }, io);
  if (code !== 0) {
    io.out(`Repair did not finish; \`mail-wizard repair\` puts rspamd on the selector ${next}.`);
    return code;
  }
  const until = new Date(Date.now() + GRACE_DAYS * DAY_MS).toISOString().slice(0, 10);
  io.out('');
  io.out(`Keep the old record ${old}._domainkey.${answers.domain} published until ${until} (${GRACE_DAYS} days: mail signed with it is still`);
  io.out(`on its way or checked again). Then: \`mail-wizard dkim retire ${old}\`, and delete the record from the zone.`);
  return 0;
}

async function lock(opts: CommonOptions): Promise<() => Promise<void>> {
  try {
    return await acquireLock(lockPath(opts));
  } catch (err) {
    if (err instanceof LockedError) throw new InputError([err.message]);
    throw err;
  }
}

/** Makes the next key (root:RSPAMD 0440, like the first) and lists it in the answers; signing stays. */
async function makeNextKey(target: Target, answers: Answers, file: string, io: Io): Promise<Answers> {
  const { host, platform } = target;
  const taken = [...publishedSelectors(answers), ...((await host.listDir(platform.paths.dkimDir)) ?? []).map((f) => f.split('.').slice(-2, -1)[0] ?? '')];
  const next = newSelectorName(new Date(), taken);
  const { key, pub } = keyPaths(target, answers, next);
  const made = await applyAction({ type: 'generateKey', path: key, publicPath: pub, bits: DKIM_BITS, mode: 0o440, owner: 'root', group: platform.users.rspamd }, host);
  if (!made.ok) throw new Error(`cannot make the new DKIM key ${key}: ${made.detail ?? 'failed'}`);
  answers = withNext(answers, next);
  await saveAnswers(file, answers);
  io.out(`Made a ${DKIM_BITS}-bit key for the selector ${next} (${key}); rspamd still signs with ${answers.dkimSelector}.`);
  return answers;
}

/** Asks every authoritative server (or --nameserver) until each serves the next key's record. */
async function waitForKey(answers: Answers, selector: string, pem: string, opts: DkimOptions, seconds: number, io: Io): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  for (;;) {
    const snap = await recordsByServer({ answers: { ...answers, dkimSelector: selector }, nameservers: opts.nameserver, dkimPublicKeyPem: pem });
    const rec = snap.records.find((r) => r.expected.check === 'dkim');
    const line = rec ? rec.servers.map((s) => `${s.server}: ${s.state}`).join(', ') : 'no servers';
    if (line !== last) io.out(`${rec?.expected.name ?? selector}: ${line || 'no authoritative server found'}`);
    last = line;
    if (rec?.ok && rec.servers.length > 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(opts.intervalMs ?? 5000, Math.max(0, deadline - Date.now()))));
  }
}

export async function dkimRetire(opts: CommonOptions, selector: string, io: Io): Promise<number> {
  const { answers, target, file } = await load(opts, io);
  if (selector === answers.dkimSelector) throw new InputError([`dkim retire: ${JSON.stringify(selector)} is the key rspamd signs with (dkimSelector); rotate first`]);
  const known = publishedSelectors(answers);
  if (!known.includes(selector)) throw new InputError([`dkim retire: ${JSON.stringify(selector)} is not a published selector (${known.join(', ')})`]);
  if (retiredSelectors(answers).includes(selector)) {
    // The active key's file was made when the rotation started: the switch was no earlier.
    const made = (await target.host.stat(keyPaths(target, answers, answers.dkimSelector).key))?.mtimeMs;
    const days = made === undefined ? Infinity : (Date.now() - made) / DAY_MS;
    if (days < GRACE_DAYS && !opts.yes) {
      throw new InputError([`dkim retire: ${selector} was signing ${Math.floor(days)} days ago; mail signed with it may still be checked (grace period ${GRACE_DAYS} days). Add --yes to retire it now.`]);
    }
  }
  const { key, pub } = keyPaths(target, answers, selector);
  const rm = await target.host.run(['rm', '-f', key, pub], { timeoutMs: 30_000 });
  if (rm.exitCode !== 0) throw new Error(`cannot remove ${key}: ${rm.stderr.trim() || rm.stdout.trim()}`);
  await saveAnswers(file, retired(answers, selector));
  io.out(`Removed the key ${selector} (${key}). Delete its record from the zone: ${selector}._domainkey.${answers.domain} TXT.`);
  return 0;
}
