/**
 * The `verdict` check for real: in a Debian trixie test host set up by the wizard, with the records
 * it printed published in NSD on the outside machine, a message goes through the box's own
 * sendmail → smtpd → rspamd (which signs it) → Dovecot, is read back and judged by mailauth with
 * every DNS question answered by NSD. It passes for the correct setup and names the failing part
 * for a wrong SPF record, a DKIM record of another key, and a From domain that does not align.
 * "From outside": in each case the same message relayed to the foreign domain's MX on the outside
 * machine, and judged there by mailauth with that machine's own resolver and the connection the MX
 * saw, gets the same line.
 *
 * The verdict runs in the server as the check does (its module, bundled with esbuild into one file
 * that the server's node runs), since `check delivery` is another branch's command.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictMessage } from '../../src/delivery/verdict.js';
import type { ReceiverLine, VerdictResult } from '../../src/delivery/verdict-report.js';
import { zoneLine } from '../../src/dns/zone-export.js';
import { ensureRoot, ok, testHostProblem, type TestHost } from './testhost.js';
import { startWizardHost, wizardArgv } from './wizard.js';
import { FOREIGN, publishDns, waitFor } from './world.js';

const problem = await testHostProblem();
if (problem && process.env.CI) throw new Error(`stack suite cannot run in CI: ${problem}`);
if (problem) console.warn(`\n*** stack suite SKIPPED: ${problem} ***\n`);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DOMAIN = 'example.org';
const HOST = `mail.${DOMAIN}`;
const ANSWERS = {
  domain: DOMAIN,
  hostname: HOST,
  ipv4: '198.51.100.25',
  ipv6: '2001:db8::25',
  users: ['alice'],
  postmaster: 'alice',
  dkimSelector: 'stack',
  dmarcPolicy: 'reject',
  dmarcReports: `postmaster@${DOMAIN}`,
  tls: 'self-signed',
};

/** One ES module for node alone, the way the release is made (CommonJS inside gets a real require). */
async function bundle(source: string): Promise<string> {
  const built = await esbuild.build({
    stdin: { contents: source, resolveDir: REPO, loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return built.outputFiles[0]!.text;
}

/** In the server: the verdict module with the server itself as the Host. Prints the result as JSON. */
const DRIVER = `
import { readFileSync } from 'node:fs';
import { verdictCheck } from './src/delivery/verdict.ts';
import { localHost } from './src/host/local.ts';
import { debian } from './src/platform/debian.ts';
const [answersPath, nameserver, from] = process.argv.slice(2);
const answers = JSON.parse(readFileSync(answersPath, 'utf8'));
const started = performance.now();
const result = await verdictCheck({ host: localHost(), platform: debian, answers, nameservers: [nameserver], from: from || undefined });
console.log(JSON.stringify({ ...result, elapsedMs: Math.round(performance.now() - started) }));
`;

/** On the outside machine: mailauth as a receiver runs it, with the system resolver (NSD) and what the sink saw. */
const EVALUATOR = `
import { readFileSync } from 'node:fs';
import { authenticate } from 'mailauth';
import { receiverLine } from './src/delivery/verdict-report.ts';
const [messagePath, envelopePath] = process.argv.slice(2);
const env = JSON.parse(readFileSync(envelopePath, 'utf8'));
const outcome = await authenticate(readFileSync(messagePath), { ip: env.ip, helo: env.helo, sender: env.mailFrom, mta: 'mx.${FOREIGN}', disableArc: true, disableBimi: true });
console.log(JSON.stringify({ line: receiverLine({ ip: env.ip, outcome }), headers: outcome.headers }));
`;

/**
 * The foreign domain's MX, recording what a receiver knows besides the message: the connecting
 * address, the HELO name and MAIL FROM (world.ts's sink keeps only the message).
 */
const RECORDING_SINK = `
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
const [host, port, dir] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
let count = 0;
createServer((socket) => {
  const env = { ip: socket.remoteAddress.replace(/^::ffff:/, ''), helo: '', mailFrom: '' };
  let buffer = '';
  let data = null;
  const say = (line) => socket.write(line + '\\r\\n');
  say('220 mx.${FOREIGN} ESMTP recording sink');
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      if (data !== null) {
        const end = buffer.indexOf('\\r\\n.\\r\\n');
        if (end < 0) return;
        data += buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 5);
        const n = ++count;
        writeFileSync(dir + '/' + n + '.json', JSON.stringify(env));
        writeFileSync(dir + '/' + n + '.eml', data.replace(/^\\.\\./gm, '.'), 'latin1');
        data = null;
        say('250 2.0.0 queued');
        continue;
      }
      const i = buffer.indexOf('\\r\\n');
      if (i < 0) return;
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') { env.helo = line.slice(5).trim(); say('250 mx.${FOREIGN}'); }
      else if (verb === 'MAIL') { env.mailFrom = (/<([^>]*)>/.exec(line) || [])[1] || ''; say('250 ok'); }
      else if (verb === 'DATA') { data = ''; say('354 go ahead'); }
      else if (verb === 'QUIT') { say('221 bye'); socket.end(); return; }
      else say('250 ok');
    }
  });
  socket.on('error', () => {});
}).listen(Number(port), host, () => console.log('ready'));
`;

/** The DKIM record of a key rspamd does not have, as `records` prints one (zone-export.ts). */
function otherKeyRecord(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return zoneLine({ name: `stack._domainkey.${DOMAIN}`, type: 'TXT', value: `v=DKIM1; k=rsa; p=${p}`, ttl: 3600 });
}

describe.skipIf(problem !== null)('the verdict: a real message judged as a receiver would', () => {
  let host: TestHost;
  let records = '';
  let serial = 2;
  const wizard = (...args: string[]) =>
    host.exec(wizardArgv(...args, '--platform', 'debian', '--answers', '/root/answers.json', '--nameserver', host.outsideAddress), { timeoutMs: 300_000 });
  const publish = (zone: string) => publishDns(host, DOMAIN, zone, ++serial);
  const verdict = async (from?: string): Promise<VerdictResult> => {
    const r = await host.exec(['node', '/root/verdict-driver.mjs', '/root/answers.json', host.outsideAddress, ...(from ? [from] : [])], { timeoutMs: 120_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as VerdictResult & { elapsedMs: number };
    console.log(`verdict${from ? ` (From ${from})` : ''} in ${result.elapsedMs} ms: ${result.status.toUpperCase()} ${result.summary}\n  ${(result.evidence ?? '').replace(/\n/g, '\n  ')}`);
    return result;
  };
  const lineFor = (result: VerdictResult, ip: string): ReceiverLine | undefined => result.lines.find((l) => l.ip === ip);
  const format = (l: ReceiverLine | undefined) => (l ? `spf=${l.spf} dkim=${l.dkim} dmarc=${l.dmarc}` : 'none');
  /**
   * The verdict's message (with From `from`) relayed by the server to the foreign domain's MX, and
   * judged there: the line, the Authentication-Results, and the connection the MX saw.
   */
  const judgedOutside = async (from = `postmaster@${DOMAIN}`) => {
    const token = randomBytes(8).toString('hex');
    const message = verdictMessage({ from, to: `carol@${FOREIGN}`, hostname: HOST, token, date: new Date() });
    ok(await host.exec(['sendmail', '-f', `postmaster@${DOMAIN}`, `carol@${FOREIGN}`], { input: message, timeoutMs: 30_000 }));
    const file = await waitFor('the message at the foreign MX', async () => {
      const r = await host.outside.exec(['sh', '-c', 'grep -l -F -- "$1" /var/verdict-sink/*.eml 2>/dev/null || true', 'sh', token]);
      return r.stdout.trim().split('\n')[0] || null;
    }, 60_000);
    const envelopeFile = file.replace(/\.eml$/, '.json');
    const judged = JSON.parse(ok(await host.outside.exec(['node', '/root/evaluate.mjs', file, envelopeFile])).stdout) as { line: ReceiverLine; headers: string };
    const envelope = JSON.parse((await host.outside.readFile(envelopeFile)) ?? '{}') as { ip: string; helo: string; mailFrom: string };
    console.log(`judged at the foreign MX (From ${from}):\n${judged.headers}`);
    return { line: judged.line, headers: judged.headers, envelope };
  };

  beforeAll(async () => {
    const root = await ensureRoot();
    host = await startWizardHost({ root: root.dir, hostname: 'mail' });
    await host.writeFile('/root/answers.json', JSON.stringify(ANSWERS));
    await publishDns(host, DOMAIN, '', 1);
    const [driver, evaluator] = await Promise.all([bundle(DRIVER), bundle(EVALUATOR)]);
    await host.writeFile('/root/verdict-driver.mjs', driver);
    await host.outside.writeFile('/root/evaluate.mjs', evaluator);
    await host.outside.writeFile('/root/recording-sink.mjs', RECORDING_SINK);
  }, 600_000);

  afterAll(async () => {
    if (host) {
      const log = await host.readFile('/var/log/syslog');
      if (log && process.env.MW_STACK_LOG) writeFileSync(process.env.MW_STACK_LOG, log);
      await host.stop();
    }
  });

  it('after setup and the printed records published, the verdict passes from every address', async () => {
    const first = await wizard('setup', '--yes', '--plain');
    expect(first.stdout, first.stdout + first.stderr).toMatch(/Services enabled and started[\s\S]*?-> changed/);
    records = ok(await host.exec(wizardArgv('records', '--platform', 'debian', '--answers', '/root/answers.json'))).stdout;
    expect(records).toContain(`stack._domainkey.${DOMAIN}.`);
    await publish(records);
    const result = await verdict();
    expect(result.status, result.evidence).toBe('pass');
    expect(result.summary).toContain('spf=pass dkim=pass dmarc=pass (from 198.51.100.25, 2001:db8::25)');
    expect(result.lines.map(format)).toEqual(['spf=pass dkim=pass dmarc=pass', 'spf=pass dkim=pass dmarc=pass']);
    expect(result.fix).toBeUndefined();
  }, 900_000);

  it('from outside: the same message relayed to the foreign MX and judged there gets the same line', async () => {
    ok(await host.outside.exec(['sh', '-c', `nohup node /root/recording-sink.mjs ${host.outsideAddress} 25 /var/verdict-sink >/var/log/verdict-sink.log 2>&1 &`]));
    await waitFor('the recording sink', async () => ((await host.outside.readFile('/var/log/verdict-sink.log'))?.includes('ready') ? true : null));
    const outside = await judgedOutside();
    // The connection the MX saw came from one of the addresses the verdict judges, with our HELO.
    expect([ANSWERS.ipv4, ANSWERS.ipv6]).toContain(outside.envelope.ip);
    expect(outside.envelope).toMatchObject({ helo: HOST, mailFrom: `postmaster@${DOMAIN}` });
    const inside = await verdict();
    expect(format(outside.line)).toBe('spf=pass dkim=pass dmarc=pass');
    expect(format(outside.line)).toBe(format(lineFor(inside, outside.envelope.ip)));
  }, 300_000);

  it('(a) a wrong SPF record: spf=fail, and the verdict names SPF and the record', async () => {
    const wrong = records.replace(/^(example\.org\.\s+\d+\s+IN\s+TXT\s+)"v=spf1 [^"]*"/m, '$1"v=spf1 ip4:192.0.2.99 -all"');
    expect(wrong).not.toBe(records);
    await publish(wrong);
    const result = await verdict();
    expect(result.status).toBe('fail');
    expect(result.lines.map(format)).toEqual(['spf=fail dkim=pass dmarc=pass', 'spf=fail dkim=pass dmarc=pass']);
    expect(result.summary).toMatch(/failing: SPF$/);
    expect(result.evidence).toContain('SPF: spf=fail: the SPF record of example.org does not authorize 198.51.100.25 (the record: "v=spf1 ip4:192.0.2.99 -all")');
    expect(result.fix).toMatch(/^SPF: publish at example\.org the SPF record/);
    const outside = await judgedOutside();
    expect(format(outside.line)).toBe(format(lineFor(result, outside.envelope.ip)));
  }, 300_000);

  it('(b) the DKIM record of another key: dkim=fail, and the verdict names DKIM and the key', async () => {
    // the record as printed: one line, or several inside parentheses (a 2048-bit key is)
    const dkimRecord = /^stack\._domainkey\.example\.org\.[^\n(]*(?:\([^)]*\))?[^\n]*$/m;
    expect(records).toMatch(dkimRecord);
    await publish(records.replace(dkimRecord, otherKeyRecord()));
    const result = await verdict();
    expect(result.status).toBe('fail');
    // SPF alone still aligns: DMARC passes, DKIM is the part that fails
    expect(result.lines.map(format)).toEqual(['spf=pass dkim=fail dmarc=pass', 'spf=pass dkim=fail dmarc=pass']);
    expect(result.summary).toMatch(/failing: DKIM$/);
    expect(result.evidence).toContain(`does not verify with the key published at stack._domainkey.${DOMAIN}: that key is not the one rspamd signs with`);
    expect(result.fix).toMatch(/^DKIM: publish at stack\._domainkey\.example\.org the DKIM record/);
    const outside = await judgedOutside();
    expect(format(outside.line)).toBe(format(lineFor(result, outside.envelope.ip)));
  }, 300_000);

  it('(c) a From domain that does not align: dmarc=fail, and the verdict names the alignment', async () => {
    await publish(records);
    // The foreign domain publishes a DMARC policy, as a real one would.
    const zone = `/etc/nsd/zones/${FOREIGN}.zone`;
    const text = (await host.outside.readFile(zone)) ?? '';
    await host.outside.writeFile(zone, `${text}_dmarc IN TXT "v=DMARC1; p=reject"\n`);
    ok(await host.outside.exec(['nsd-checkzone', FOREIGN, zone]));
    ok(await host.outside.exec(['sh', '-c', 'kill "$(cat /run/nsd.pid)"']));
    await waitFor('NSD to stop', async () => ((await host.outside.exec(['sh', '-c', 'kill -0 "$(cat /run/nsd.pid)" 2>/dev/null'])).exitCode !== 0 ? true : null));
    ok(await host.outside.exec(['nsd', '-c', '/etc/nsd/nsd.conf']));
    await waitFor('the DMARC record of the foreign domain', async () => {
      const r = await host.outside.exec(['drill', '@' + host.outsideAddress, '-t', 'TXT', `_dmarc.${FOREIGN}`]);
      return r.stdout.includes('v=DMARC1') ? true : null;
    });

    const result = await verdict(`someone@${FOREIGN}`);
    expect(result.status).toBe('fail');
    for (const l of result.lines) {
      expect(l.spf).toBe('pass');
      expect(l.dmarc).toBe('fail');
    }
    expect(result.summary).toMatch(/failing: .*DMARC/);
    expect(result.evidence).toContain(`DMARC: dmarc=fail: the From domain ${FOREIGN} does not align with a domain that passed (SPF passed for ${DOMAIN};`);
    expect(result.fix).toContain(`DMARC: send as an address @${DOMAIN}`);
    const outside = await judgedOutside(`someone@${FOREIGN}`);
    expect(format(outside.line)).toBe(format(lineFor(result, outside.envelope.ip)));
  }, 300_000);

  it('a From that could start another header is refused before anything is sent', async () => {
    const r = await host.exec(['node', '/root/verdict-driver.mjs', '/root/answers.json', host.outsideAddress, 'a@example.org\r\nBcc: x@elsewhere.test'], { timeoutMs: 60_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('--from "a@example.org\\r\\nBcc: x@elsewhere.test": not an address');
  }, 120_000);
});
