/**
 * A server on a network this machine cannot reach (no route at all) is an error result, not a
 * crash: Node's dgram send() throws on a socket whose connect failed. Reproduced in a new network
 * namespace whose loopback is down, so nothing can leave the machine.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const client = fileURLToPath(new URL('../../dist/src/dns/client.js', import.meta.url));
const canUnshare = (() => {
  try {
    execFileSync('unshare', ['--net', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!canUnshare && process.env.CI) throw new Error('unshare --net is needed in CI');

describe.skipIf(!canUnshare)('no route to the server', () => {
  it('UDP and TCP queries end with an error result', () => {
    const script = `
      const { query } = await import(${JSON.stringify(client)});
      const out = [];
      for (const tcp of [false, true]) {
        const r = await query({ host: '127.0.0.1', port: 53 }, 'example.org', 'A', { timeoutMs: 500, retries: 0, ...(tcp ? { tcp: true } : {}) });
        out.push(r.kind);
      }
      console.log(JSON.stringify(out));`;
    const out = execFileSync('unshare', ['--net', 'node', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(out.trim())).toEqual(['error', 'error']);
  });
});
