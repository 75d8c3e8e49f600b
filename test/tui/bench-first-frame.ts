/**
 * Start-up figures for the report (not a test): time from spawn to the TUI's first frame and to
 * the checklist (the demo dry-run in a pty made by script(1)), and whole runs of
 * `mail-wizard --help` and `node -e 0`, for the unbundled build (dist/). Medians over N runs.
 * `npm run bench` measures the release file with firstFrame().
 *   npx tsc -p . && node dist/test/tui/bench-first-frame.js [N]
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const N = Number(process.argv[2] ?? 15);
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const DRY_RUN = ['dist/src/cli.js', '--dry-run', '--demo'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * ms from spawning `node …args` in a pty (script(1), 80×24) until its output shows each marker;
 * then it is sent q until it leaves. Also used by `npm run bench` (test/bench/run.ts).
 */
export function firstFrame(args: readonly string[], markers: readonly string[], cwd = REPO): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // Without CI: Ink would draw only its last frame.
    const { CI: _ci, CONTINUOUS_INTEGRATION: _cont, ...rest } = process.env;
    const env = { ...rest, TERM: 'xterm-256color' };
    const child = spawn('script', ['-qfec', `stty cols 80 rows 24; exec node ${args.map(quote).join(' ')}`, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
    const seen: number[] = [];
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      while (seen.length < markers.length && out.includes(markers[seen.length]!)) seen.push(performance.now() - t0);
    });
    // q until it leaves: a key typed before Ink turns on raw mode is lost in the tty's line buffer.
    const quit = setInterval(() => seen.length === markers.length && child.stdin.write('q'), 100);
    // A q typed as it leaves finds the pipe closed (EPIPE): that is the end we waited for.
    child.stdin.on('error', () => undefined);
    child.on('exit', () => {
      clearInterval(quit);
      if (seen.length === markers.length) resolve(seen);
      else reject(new Error(`markers not seen:\n${out}`));
    });
  });
}

function wholeRun(argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: REPO, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const frame: number[] = [];
  const checklist: number[] = [];
  for (let i = 0; i < N; i++) {
    const [f, c] = await firstFrame(DRY_RUN, ['mail-wizard', 'Host names']);
    frame.push(f!);
    if (process.env.BENCH_DEBUG) console.error(`run ${i}: ${f} ${c}`);
    checklist.push(c!);
  }
  const times = (argv: string[]) => Array.from({ length: N }, () => wholeRun(argv));
  const scriptOnly = times(['script', '-qec', 'true', '/dev/null']);
  const nodeE0 = times(['node', '-e', '0']);
  const help = times(['node', 'dist/src/cli.js', '--help']);
  const version = times(['node', 'dist/src/cli.js', '--version']);

  console.log(`node ${process.version}, ${N} runs each`);
  console.log(`TUI first frame (spawn → first Ink frame, in script(1)):  ${fmt(frame)}`);
  console.log(`TUI checklist   (spawn → "Host names" row drawn):         ${fmt(checklist)}`);
  console.log(`script(1) alone (pty overhead, included above):           ${fmt(scriptOnly)}`);
  console.log(`node dist/src/cli.js --help (whole run):                  ${fmt(help)}`);
  console.log(`node dist/src/cli.js --version (whole run):               ${fmt(version)}`);
  console.log(`node -e 0 (whole run):                                    ${fmt(nodeE0)}`);
}

// `node dist/test/tui/bench-first-frame.js [N]`: the unbundled build's figures by themselves.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
