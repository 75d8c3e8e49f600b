/**
 * `npm run bench`: performance figures, printed, never asserted. Each benchmark starts its own
 * servers on loopback.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchDns } from './dns-bench.js';

async function main(): Promise<void> {
  console.log('== check dns against local NSD vs the same questions asked one by one with dig');
  await benchDns();
  console.log('\n== start-up: first TUI frame, --help, node -e 0');
  const script = fileURLToPath(new URL('../tui/bench-first-frame.js', import.meta.url));
  spawnSync('node', [script, '9'], { stdio: 'inherit' });
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
