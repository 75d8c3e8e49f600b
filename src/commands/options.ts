/**
 * Command-line options shared by the commands, and what they resolve to: the answers, the host
 * (local, rooted, or a recorder for dry-runs) and the platform.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_ANSWERS } from '../answers/demo.js';
import { DEFAULT_ANSWERS_PATH, InputError, loadAnswers, saveAnswers } from '../answers/load.js';
import type { Answers } from '../answers/schema.js';
import { parseNameserverArgs } from '../dns/discovery.js';
import type { DnsSettings, Facts, Mode } from '../engine/types.js';
import type { Host } from '../host/host.js';
import { localHost } from '../host/local.js';
import { RecorderHost } from '../host/recorder.js';
import { rootedHost } from '../host/rooted.js';
import { PLATFORMS, detectPlatform, gatherFacts, isPlatformName } from '../platform/detect.js';
import type { Platform } from '../platform/types.js';

export interface CommonOptions {
  answers?: string;
  demo: boolean;
  platform?: string;
  root?: string;
  plain: boolean;
  json: boolean;
  yes: boolean;
  nameserver: string[];
  /** Installed packages the packages step may remove (--allow-remove NAME, repeatable). */
  allowRemove?: string[];
}

export interface Target {
  answers: Answers;
  dns: DnsSettings;
  platform: Platform;
  host: Host;
  facts: Facts;
  /** The host the dry-run reads from (null: a fresh box). */
  recorder?: RecorderHost;
}

/** The answers: --demo, --answers FILE, the saved file, or (in a terminal) the interview. */
export async function resolveAnswers(opts: CommonOptions, canAsk: boolean): Promise<Answers> {
  if (opts.demo) {
    if (opts.answers) throw new InputError(['--demo and --answers: choose one']);
    return DEMO_ANSWERS;
  }
  const file = opts.answers ?? savedAnswersPath(opts);
  if (opts.answers || fs.existsSync(file)) return loadAnswers(file);
  if (!canAsk) {
    throw new InputError([
      `no answers: ${file} does not exist and this is not a terminal to ask in.`,
      'Give --answers FILE (see README for the fields), or --demo to see the plan for example.org.',
    ]);
  }
  const { interview } = await import('../answers/interview.js');
  const answers = await interview();
  await saveAnswers(file, answers);
  process.stderr.write(`answers saved to ${file}; a rerun will not ask again.\n`);
  return answers;
}

/**
 * The run lock of the machine being set up (under --root when there is one). /var/run, not /run:
 * OpenBSD has no /run (hier(7): openbsd/src share/man/man7/hier.7 lists /var/run/ for "information
 * about the system since it was booted"); on Debian /var/run is a symlink to /run.
 */
export function lockPath(opts: CommonOptions): string {
  return path.join(opts.root ? path.resolve(opts.root) : '/', 'var/run/mail-wizard.lock');
}

function savedAnswersPath(opts: CommonOptions): string {
  return opts.root ? path.join(path.resolve(opts.root), DEFAULT_ANSWERS_PATH) : DEFAULT_ANSWERS_PATH;
}

/** --nameserver checked before anything is asked; the demo asks nobody unless servers are given. */
export function dnsSettings(opts: CommonOptions): DnsSettings {
  const { errors } = parseNameserverArgs(opts.nameserver);
  if (errors.length) throw new InputError(errors);
  return { nameservers: opts.nameserver, offline: opts.demo && opts.nameserver.length === 0 };
}

export async function resolveTarget(opts: CommonOptions, mode: Mode | 'check', answers: Answers): Promise<Target> {
  if (opts.root && !fs.existsSync(opts.root)) throw new InputError([`--root: ${JSON.stringify(opts.root)} is not a directory`]);
  if (opts.platform !== undefined && !isPlatformName(opts.platform)) {
    throw new InputError([`--platform: ${JSON.stringify(opts.platform)} is not a platform (openbsd or debian)`]);
  }
  if (opts.demo && mode !== 'dry-run' && !opts.root) {
    throw new InputError([
      '--demo describes example.org: it only plans (mail-wizard plan --demo), unless --root DIR gives it a sandbox to write to.',
    ]);
  }
  // A rooted tree that holds a whole system runs its commands inside it (chroot).
  const base: Host | null = opts.root
    ? rootedHost(opts.root, { exec: fs.existsSync(path.join(opts.root, 'bin/sh')) ? 'chroot' : 'none' })
    : opts.demo
      ? null // --demo plans for a fresh box: nothing of this machine is read
      : localHost();

  let platform: Platform | null = opts.platform && isPlatformName(opts.platform) ? PLATFORMS[opts.platform] : null;
  if (!platform && base) platform = await detectPlatform(base);
  if (!platform && opts.demo) platform = PLATFORMS.openbsd;
  if (!platform) throw new InputError(['cannot tell the platform of this machine: give --platform openbsd or --platform debian']);

  const dns = dnsSettings(opts);
  if (mode === 'dry-run') {
    const recorder = new RecorderHost(base);
    return { answers, dns, platform, host: recorder, recorder, facts: await gatherFacts(recorder, platform) };
  }
  if (!base) throw new InputError(['nothing to work on']);
  return { answers, dns, platform, host: base, facts: await gatherFacts(base, platform) };
}
