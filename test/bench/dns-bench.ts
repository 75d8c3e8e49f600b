/**
 * Benchmark: a full `check dns` against a local NSD, next to the same questions asked one by one
 * with dig (one process per question, as a person or a shell script would). Prints both and the
 * ratio. Compiled by tsc to dist/test/bench and run with node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { runDnsChecks, type AskedQuestion } from '../../src/dns/doctor.js';
import { startNsd } from '../dns/nsd.js';
import { answersFor, makeKeys, reverseZones, zoneFor } from '../dns/zones.js';

export interface DnsBenchResult {
  questions: number;
  /** Median wall time of one full check, ms. */
  checkMs: number;
  /** Median wall time of the same questions through dig, sequentially, ms (null without dig). */
  digMs: number | null;
  /** digMs / checkMs. */
  ratio: number | null;
  runs: { check: number; dig: number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One question through dig, as its own process. */
export function dig(q: AskedQuestion): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('dig', [`@${q.host}`, '-p', String(q.port), '+norecurse', '+time=2', '+tries=1', q.name, q.type], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(0) : reject(new Error(`dig ${q.name} ${q.type} exited ${code}: ${err}`))));
  });
}

function hasDig(): boolean {
  return spawnSync('dig', ['-v'], { stdio: 'ignore' }).status === 0;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

export async function benchDns(opts: { checkRuns?: number; digRuns?: number; log?: (line: string) => void } = {}): Promise<DnsBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const checkRuns = opts.checkRuns ?? 9;
  const digRuns = opts.digRuns ?? 3;
  const keys = makeKeys();
  const answers = answersFor('example.org', 10, { ipv6: '2001:db8::10' });
  const zone = zoneFor(answers, keys.main);
  const nsd = await startNsd([zone, ...reverseZones({ good: { answers, zone } })]);
  try {
    const once = () =>
      runDnsChecks({ answers, nameservers: [nsd.address], dkimPublicKeyPem: keys.main, local: false, timeoutMs: 10_000 });
    const warm = await once();
    const failed = warm.checks.filter((c) => c.status === 'fail');
    if (failed.length > 0) throw new Error(`the bench zone should pass, but: ${failed.map((c) => c.summary).join('; ')}`);
    const questions = warm.questions;

    const checkTimes: number[] = [];
    for (let i = 0; i < checkRuns; i++) {
      const t = performance.now();
      await once();
      checkTimes.push(performance.now() - t);
    }
    const checkMs = median(checkTimes);

    let digMs: number | null = null;
    if (hasDig()) {
      const digTimes: number[] = [];
      for (let i = 0; i < digRuns; i++) {
        const t = performance.now();
        for (const q of questions) await dig(q);
        digTimes.push(performance.now() - t);
      }
      digMs = median(digTimes);
    }
    const ratio = digMs === null ? null : digMs / checkMs;
    log(`DNS check against a local NSD (${nsd.address}), ${questions.length} questions:`);
    log(`  check dns (parallel, one process)     ${fmt(checkMs).padStart(10)}   median of ${checkRuns}`);
    log(digMs === null ? '  dig: not installed, skipped' : `  dig, one process per question         ${fmt(digMs).padStart(10)}   median of ${digRuns}`);
    if (ratio !== null) log(`  ratio dig / check dns                  ${ratio.toFixed(1).padStart(7)}×`);
    return { questions: questions.length, checkMs, digMs, ratio, runs: { check: checkRuns, dig: digRuns } };
  } finally {
    await nsd.stop();
  }
}

// `node dist/test/bench/dns-bench.js` runs it by itself too.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchDns().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
