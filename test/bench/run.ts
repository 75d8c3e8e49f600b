/**
 * `npm run bench`: performance figures, printed, never asserted. Each benchmark starts its own
 * servers on loopback.
 */
import { benchDns } from './dns-bench.js';

async function main(): Promise<void> {
  console.log('== check dns against local NSD vs the same questions asked one by one with dig');
  await benchDns();
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
