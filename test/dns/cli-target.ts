/**
 * What `mail-wizard check dns` needs to pass as a whole process: a real NSD serving a correct zone
 * (with its reverse zone), and a tree that holds the answers and the DKIM public key where setup
 * puts them on OpenBSD. Used by the release test and the benchmark (so no vitest import here).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLATFORMS } from '../../src/platform/detect.js';
import { dkimPaths } from '../../recipes/templates/input.js';
import type { Answers } from '../../src/answers/schema.js';
import { startNsd, type Nsd } from './nsd.js';
import { answersFor, makeKeys, reverseZones, zoneFor } from './zones.js';

export interface CheckDnsTarget {
  nsd: Nsd;
  answers: Answers;
  dkimPublicKeyPem: string;
  /** The arguments after `check dns`. */
  args: string[];
  stop(): Promise<void>;
}

export async function startCheckDnsTarget(): Promise<CheckDnsTarget> {
  const keys = makeKeys();
  // no web server here: DNS only (test/dns/published-fetch.test.ts fetches the policy)
  const answers = answersFor('example.org', 10, { ipv6: '2001:db8::10', mtaSts: 'off' });
  const zone = zoneFor(answers, keys.main);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'check-dns-'));
  const pub = path.join(root, dkimPaths({ answers, platform: PLATFORMS.openbsd }).pub);
  await fs.mkdir(path.dirname(pub), { recursive: true });
  await fs.writeFile(pub, keys.main);
  await fs.writeFile(path.join(root, 'answers.json'), JSON.stringify(answers));
  let nsd: Nsd;
  try {
    nsd = await startNsd([zone, ...reverseZones({ good: { answers, zone } })]);
  } catch (err) {
    await fs.rm(root, { recursive: true, force: true });
    throw err;
  }
  return {
    nsd,
    answers,
    dkimPublicKeyPem: keys.main,
    args: ['--root', root, '--platform', 'openbsd', '--answers', path.join(root, 'answers.json'), '--nameserver', nsd.address],
    async stop() {
      await nsd.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
