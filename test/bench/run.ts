/**
 * `npm run bench`: the release file's start-up next to node's own, printed, never asserted. All
 * figures come from one run, in interleaved rounds (each round runs every case once), so a busy
 * machine slows them alike and the ratios hold. Each case is a whole process, run from an empty
 * folder with only release/mail-wizard.mjs, as on the server:
 *   --help, plan --demo       vs `node -e 0`
 *   first TUI frame           of `--dry-run --demo` in a pty (script(1)), vs `node -e 0`
 *   check dns                 against a local NSD, vs the same questions asked with dig, one
 *                             process per question (as a person or a shell loop would)
 * `npm run bench -- N` sets the number of rounds (default 11).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDnsChecks, type AskedQuestion } from '../../src/dns/doctor.js';
import { startCheckDnsTarget } from '../dns/cli-target.js';
import { dig } from './dns-bench.js';
import { firstFrame } from '../tui/bench-first-frame.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const RELEASE = path.join(REPO, 'release/mail-wizard.mjs');
const ROUNDS = Number(process.argv[2] ?? 11);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms for one whole process; it must succeed. */
function wholeRun(argv: readonly string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

async function digLoop(questions: readonly AskedQuestion[]): Promise<number> {
  const t0 = performance.now();
  for (const q of questions) await dig(q);
  return performance.now() - t0;
}

interface Goal {
  label: string;
  ms: number[];
  /** What the ratio is taken against. */
  base: { label: string; ms: number[] };
  max: number;
}

async function main(): Promise<void> {
  await fs.access(RELEASE).catch(() => {
    throw new Error(`${RELEASE} is missing: run npm run bundle`);
  });
  if (spawnSync('dig', ['-v'], { stdio: 'ignore' }).status !== 0) throw new Error('dig is not installed (Debian: bind9-dnsutils)');
  // The release alone in an empty folder: nothing beside it to find.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-release-'));
  const wizard = path.join(dir, 'mail-wizard.mjs');
  await fs.copyFile(RELEASE, wizard);
  const target = await startCheckDnsTarget();
  try {
    const checkDns = ['node', wizard, 'check', 'dns', ...target.args];
    // The questions check dns asks (the same options as the command), and proof that it passes.
    const report = await runDnsChecks({ answers: target.answers, nameservers: [target.nsd.address], dkimPublicKeyPem: target.dkimPublicKeyPem });
    const cli = spawnSync(checkDns[0]!, checkDns.slice(1), { cwd: dir, encoding: 'utf8' });
    const asked = /\((\d+) ms, (\d+) questions\)/.exec(cli.stdout);
    if (cli.status !== 0 || !asked) throw new Error(`check dns should pass against the bench zone:\n${cli.stdout}${cli.stderr}`);
    if (Number(asked[2]) !== report.questions.length) throw new Error(`check dns asked ${asked[2]} questions, the in-process check ${report.questions.length}`);

    const t = { node: [] as number[], help: [] as number[], plan: [] as number[], frame: [] as number[], script: [] as number[], check: [] as number[], dig: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      t.node.push(wholeRun(['node', '-e', '0'], dir));
      t.help.push(wholeRun(['node', wizard, '--help'], dir));
      t.plan.push(wholeRun(['node', wizard, 'plan', '--demo'], dir));
      t.script.push(wholeRun(['script', '-qec', 'true', '/dev/null'], dir));
      t.frame.push((await firstFrame([wizard, '--dry-run', '--demo'], ['mail-wizard'], dir))[0]!);
      t.check.push(wholeRun(checkDns, dir));
      t.dig.push(await digLoop(report.questions));
    }

    const node = { label: 'node -e 0', ms: t.node };
    const dig = { label: `the dig loop (${report.questions.length} questions)`, ms: t.dig };
    const goals: Goal[] = [
      { label: '--help', ms: t.help, base: node, max: 1.3 },
      { label: 'plan --demo', ms: t.plan, base: node, max: 2 },
      { label: 'first TUI frame (--dry-run --demo, pty)', ms: t.frame, base: node, max: 3 },
      { label: `check dns against NSD (${report.questions.length} questions)`, ms: t.check, base: dig, max: 0.5 },
    ];
    const { size } = await fs.stat(wizard);
    console.log(`release/mail-wizard.mjs (${(size / 1024).toFixed(0)} KiB), node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}; medians of ${ROUNDS} interleaved rounds`);
    console.log(`  ${'node -e 0'.padEnd(48)} ${median(t.node).toFixed(0).padStart(5)} ms`);
    console.log(`  ${'script(1) alone (pty overhead, in the frame)'.padEnd(48)} ${median(t.script).toFixed(0).padStart(5)} ms`);
    console.log(`  ${dig.label.padEnd(48)} ${median(t.dig).toFixed(0).padStart(5)} ms`);
    let met = 0;
    for (const g of goals) {
      const ratio = median(g.ms) / median(g.base.ms);
      const ok = ratio <= g.max;
      if (ok) met++;
      console.log(`  ${g.label.padEnd(48)} ${median(g.ms).toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}× ${g.base.label}  (goal ≤ ${g.max}×: ${ok ? 'met' : 'NOT met'})`);
    }
    console.log(`${met} of ${goals.length} goals met`);
  } finally {
    await target.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
