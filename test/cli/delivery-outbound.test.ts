/**
 * `outbound-25` against a real SMTP sink, in a network namespace of the test's own: the sink greets
 * and the check passes; then an nftables rule in that namespace drops outbound port 25, as a
 * hosting provider's block does, and the check fails naming the block and the two ways out. The
 * wizard runs inside the namespace (`ip netns exec`), so its connections are the namespace's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { netns, type Netns } from '../support/netns.js';
import { tempDir } from '../support/tmp.js';

const SINK = `
const net = require('node:net');
net.createServer((s) => {
  s.write('220 sink.test ESMTP test sink\\r\\n');
  s.on('data', (d) => { for (const l of String(d).split('\\r\\n').filter(Boolean)) s.write(/^QUIT/i.test(l) ? '221 bye\\r\\n' : '250 sink.test\\r\\n'); });
  s.on('error', () => {});
}).listen(25, '127.0.0.1', () => console.log('listening'));
`;

const answers = { domain: 'ob.test', hostname: 'mail.ob.test', ipv4: '192.0.2.25', users: ['alice'], postmaster: 'alice', dkimSelector: 'mw', dmarcPolicy: 'none', tls: 'self-signed' };

let ns: Netns;
let sink: ChildProcess;
let root: string;

interface Check {
  id: string;
  status: string;
  summary: string;
  evidence: string | null;
  fix: string | null;
}

async function outbound(): Promise<{ code: number | null; check: Check }> {
  const r = await ns.exec(['node', CLI, 'check', 'delivery', '--json', '--root', root, '--platform', 'debian', '--answers', path.join(root, 'answers.json'), '--probe', '127.0.0.1', '--dnsbl', 'list.invalid'], { timeoutMs: 90_000 });
  const checks = (JSON.parse(r.stdout) as { checks: Check[] }).checks;
  return { code: r.exitCode, check: checks.find((c) => c.id === 'outbound-25')! };
}

describe.skipIf(process.getuid?.() !== 0)('outbound-25 with a real sink, then behind a firewall that drops port 25', () => {
  beforeAll(async () => {
    ns = await netns();
    root = await tempDir('mw-outbound-');
    await fs.writeFile(path.join(root, 'answers.json'), JSON.stringify(answers));
    sink = spawn('ip', ['netns', 'exec', ns.name, 'node', '-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      sink.stdout!.on('data', (d: Buffer) => String(d).includes('listening') && resolve());
      sink.once('exit', (code) => reject(new Error(`the sink exited (${code})`)));
    });
  }, 30_000);

  afterAll(async () => {
    sink?.kill();
    await ns?.cleanup();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('the sink greets: outbound 25 is open', async () => {
    const { check } = await outbound();
    expect(check.status).toBe('pass');
    expect(check.summary).toBe('outbound port 25 is open: 127.0.0.1:25 greeted');
    expect(check.evidence).toMatch(/^127\.0\.0\.1:25: 220 sink\.test ESMTP test sink \(\d+ ms\)$/);
  }, 120_000);

  it('a firewall drops outbound 25: fail, naming the provider block, the request to lift it and a relay host', async () => {
    const rules = 'table inet mw_block25 {\n  chain out {\n    type filter hook output priority 0;\n    tcp dport 25 drop\n  }\n}\n';
    const load = await ns.exec(['nft', '-f', '-'], { timeoutMs: 10_000, input: rules });
    expect(load.exitCode, load.stderr).toBe(0);
    const { code, check } = await outbound();
    expect(code).toBe(1);
    expect(check.status).toBe('fail');
    expect(check.summary).toBe('no probe greeted on port 25: the hosting provider most likely blocks outbound port 25, so mail from this box never leaves');
    expect(check.evidence).toMatch(/^no connection to 127\.0\.0\.1:25 within \d+ s$/);
    expect(check.fix).toMatch(/^Ask your hosting provider to lift the block on outbound port 25/);
    expect(check.fix).toContain('relay host');
  }, 120_000);
});
