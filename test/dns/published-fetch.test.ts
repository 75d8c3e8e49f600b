/**
 * What the web server publishes, fetched as a sender and a mail client fetch it: a real NSD serves
 * the zones, a real HTTPS server (node:https on loopback) serves the MTA-STS policy and the
 * autoconfig file with certificates from a test CA made here, and the DNS doctor fetches them,
 * through the function and through the CLI (trusting the test CA by NODE_EXTRA_CA_CERTS).
 * Every way it breaks is served for real and must be named: a wrong mx line, an id that is not the
 * policy's, an untrusted, expired or wrong-name certificate, a redirect, a body over the cap, the
 * wrong media type, a server that accepts and never answers, the name missing from DNS.
 *
 * The manual step each failure names is in its fix (the web step rewrites the files: `mail-wizard
 * repair`); REPAIR_COVERS lists the ids for test/unit/check-table.test.ts.
 */
import * as fs from 'node:fs/promises';
import * as https from 'node:https';
import net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimPaths } from '../../recipes/templates/input.js';
import type { Answers } from '../../src/answers/schema.js';
import { runDnsChecks, type DnsCheckResult, type DoctorReport } from '../../src/dns/doctor.js';
import { AUTOCONFIG_PATH, autoconfigXml } from '../../src/published/autoconfig.js';
import { MTA_STS_PATH, mtaStsId, mtaStsPolicy } from '../../src/published/mta-sts.js';
import { judgePolicy, mxPatternMatches } from '../../src/published/web-checks.js';
import { PLATFORMS } from '../../src/platform/detect.js';
import { cli } from '../support/cli.js';
import { startNsd, type Nsd } from './nsd.js';
import { makeCa, type Pem, type TestCa } from '../support/test-ca.js';
import { describeWithNsd } from './with-nsd.js';
import { answersFor, makeKeys, reverseZones, zoneFor } from './zones.js';

export const REPAIR_COVERS = ['mta-sts.policy', 'autoconfig.file'] as const;

const good = answersFor('example.org', 10, { mtaSts: 'testing' });
const idBad = answersFor('idbad.example', 11, { mtaSts: 'testing' });
const noDns = answersFor('nodns.example', 12, { mtaSts: 'testing' });
const twoAddr = answersFor('two.example', 13, { mtaSts: 'testing' });
const byHost = new Map<string, Answers>();
for (const a of [good, idBad, noDns, twoAddr]) {
  byHost.set(`mta-sts.${a.domain}`, a);
  byHost.set(`autoconfig.${a.domain}`, a);
}

/** The zone of `a` with the web names at 127.0.0.1 (autoconfig through a CNAME) and an _mta-sts id. */
function webZone(a: Answers, pem: string, id: string | null, ipv6 = false) {
  const d = a.domain;
  const web = id === null ? [] : [`mta-sts.${d}. 300 IN A 127.0.0.1`, `autoconfig.${d}. 300 IN CNAME mta-sts.${d}.`, `_mta-sts.${d}. 300 IN TXT "v=STSv1; id=${id}"`];
  if (ipv6) web.push(`mta-sts.${d}. 300 IN AAAA ::1`);
  // whatever `records` prints for these names is replaced by ours (the web server is on loopback here)
  return zoneFor(a, pem, { drop: [`mta-sts.${d}.`, `autoconfig.${d}.`, `_mta-sts.${d}.`], add: web });
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves our files for the Host asked, as the web step writes them. */
const serveOurs: Handler = (req, res) => {
  const a = byHost.get(String(req.headers.host ?? '').replace(/:\d+$/, ''));
  if (a && req.url === MTA_STS_PATH) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(mtaStsPolicy(a));
  } else if (a && req.url === AUTOCONFIG_PATH) {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(autoconfigXml(a));
  } else {
    res.writeHead(404);
    res.end();
  }
};

interface Web {
  port: number;
  /** What the server presents and answers now. */
  use(cert: Pem, handler?: Handler): void;
  close(): Promise<void>;
}

async function startWeb(port: number, first: Pem, address = '127.0.0.1'): Promise<Web> {
  let context = tls.createSecureContext(first);
  let handler = serveOurs;
  const server = https.createServer({ ...first, SNICallback: (_name, cb) => cb(null, context) }, (req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    use(cert, h = serveOurs) {
      context = tls.createSecureContext(cert);
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const allNames = [good, idBad, noDns, twoAddr].flatMap((a) => [`mta-sts.${a.domain}`, `autoconfig.${a.domain}`]);

let keys: ReturnType<typeof makeKeys>;
let ca: TestCa;
let certs: { good: Pem; expired: Pem; wrongName: Pem; untrusted: Pem };
let nsd: Nsd;
let web: Web;
let tmp: string;

function only(r: DoctorReport, id: string): DnsCheckResult[] {
  return r.checks.filter((c) => c.id === id);
}

function show(fs: DnsCheckResult[]): string {
  return fs.map((f) => `${f.status}: ${f.summary}${f.fix ? ` | fix: ${f.fix}` : ''}`).join('\n');
}

async function doctor(answers: Answers, more: { port?: number; timeoutMs?: number } = {}): Promise<DoctorReport> {
  return runDnsChecks({
    answers,
    nameservers: [nsd.address],
    local: false,
    timeoutMs: more.timeoutMs ?? 15_000,
    queryTimeoutMs: 1000,
    retries: 1,
    web: { port: more.port ?? web.port, extraCa: ca.cert },
  });
}

describeWithNsd('the MTA-STS policy and the autoconfig file, fetched over HTTPS', () => {
  beforeAll(async () => {
    keys = makeKeys();
    ca = makeCa('mail-wizard test CA');
    const stranger = makeCa('a CA nobody trusts');
    certs = { good: ca.issue(allNames), expired: ca.issue(allNames, { expired: true }), wrongName: ca.issue(['www.example.org']), untrusted: stranger.issue(allNames) };
    const goodZone = webZone(good, keys.main, mtaStsId(mtaStsPolicy(good)!));
    nsd = await startNsd([goodZone, webZone(idBad, keys.main, 'f00d0000000000000000'), webZone(noDns, keys.main, null), webZone(twoAddr, keys.main, mtaStsId(mtaStsPolicy(twoAddr)!), true), ...reverseZones({ good: { answers: good, zone: goodZone } })]);
    web = await startWeb(0, certs.good);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mw-web-fetch-'));
  }, 60_000);
  afterAll(async () => {
    await web?.close();
    await nsd?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('passes when the files are ours, served with a trusted certificate', async () => {
    web.use(certs.good);
    const r = await doctor(good);
    const policy = only(r, 'mta-sts.policy');
    expect(policy.map((f) => f.status), show(policy)).toEqual(['pass']);
    expect(policy[0]!.summary).toContain(`https://mta-sts.example.org${MTA_STS_PATH}: STSv1, mode testing, mx mail.example.org, max_age 604800`);
    const auto = only(r, 'autoconfig.file');
    expect(auto.map((f) => f.status), show(auto)).toEqual(['pass']);
    // the rest of the zone is right too: nothing fails
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
  }, 60_000);

  it('an mx line that does not match the MX is a failure, even in testing mode', async () => {
    web.use(certs.good, (req, res) => {
      if (req.url !== MTA_STS_PATH) return serveOurs(req, res);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(mtaStsPolicy(good)!.replace('mx: mail.example.org', 'mx: mx.old-provider.example'));
    });
    const policy = only(await doctor(good), 'mta-sts.policy');
    expect(show(policy)).toMatch(/fail: the policy's mx lines \(mx\.old-provider\.example\) do not match the MX host mail\.example\.org/);
    expect(show(policy)).toMatch(/fail: the web server serves another policy than mail-wizard's \| fix: `mail-wizard repair` rewrites the policy file/);
    // its id is not the published one either
    expect(show(policy)).toMatch(/fail: the id in _mta-sts\.example\.org/);
  }, 60_000);

  it('an id in _mta-sts that is not the served policy\'s is named, with the record to publish', async () => {
    web.use(certs.good);
    const policy = only(await doctor(idBad), 'mta-sts.policy');
    const want = mtaStsId(mtaStsPolicy(idBad)!);
    expect(policy.map((f) => f.status)).toEqual(['fail']);
    expect(policy[0]!.summary).toBe(`the id in _mta-sts.idbad.example (f00d0000000000000000) is not the served policy's id (${want}): senders that keep an older policy never fetch this one`);
    expect(policy[0]!.fix).toBe(`publish: _mta-sts.idbad.example. TXT "v=STSv1; id=${want}" (in place of the old one)`);
  }, 60_000);

  it.each([
    ['untrusted', /the certificate is not trusted \([A-Z_]+; issued by a CA nobody trusts\)/],
    ['expired', /the certificate expired \(.+ GMT\)/],
    ['wrongName', /the certificate does not name mta-sts\.example\.org; it names www\.example\.org/],
  ] as const)('a certificate that is %s fails both checks, saying so', async (which, said) => {
    web.use(certs[which]);
    const r = await doctor(good);
    for (const id of ['mta-sts.policy', 'autoconfig.file']) {
      const fs = only(r, id);
      expect(fs.map((f) => f.status), show(fs)).toEqual(['fail']);
    }
    expect(only(r, 'mta-sts.policy')[0]!.summary).toMatch(said);
    expect(only(r, 'mta-sts.policy')[0]!.fix).toMatch(/certificate/);
  }, 60_000);

  it('with tls self-signed (what the answers chose), an untrusted certificate is a warning that says how to get a trusted one', async () => {
    web.use(certs.untrusted);
    const r = await doctor({ ...good, tls: { mode: 'self-signed' } });
    for (const id of ['mta-sts.policy', 'autoconfig.file']) {
      const fs = only(r, id);
      expect(fs.map((f) => f.status), show(fs)).toEqual(['warn']);
      expect(fs[0]!.summary).toMatch(/the certificate is not trusted .*: the certificate is self-signed \(tls self-signed\)/);
      expect(fs[0]!.fix).toMatch(/set "tls" to acme/);
    }
  }, 60_000);

  it('a redirect is not followed', async () => {
    let followed = false;
    web.use(certs.good, (req, res) => {
      if (req.url === '/elsewhere.txt') followed = true;
      res.writeHead(301, { location: `https://mta-sts.example.org/elsewhere.txt` });
      res.end();
    });
    const policy = only(await doctor(good), 'mta-sts.policy');
    expect(show(policy)).toMatch(/fail: .*a redirect \(301 to https:\/\/mta-sts\.example\.org\/elsewhere\.txt\); senders must not follow redirects/);
    expect(followed).toBe(false);
  }, 60_000);

  it('a body over 64 KiB is cut off and named', async () => {
    let wrote = 0;
    web.use(certs.good, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = `mx: ${'x'.repeat(1020)}\n`;
      // written while the client reads: it stops reading past the cap
      const more = (): void => {
        while (wrote < 1024 * 1024) {
          wrote += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const r = await doctor(good);
    expect(show(only(r, 'mta-sts.policy'))).toMatch(/fail: .*the body is larger than 64 KiB \(more than \d+ bytes read\)/);
    expect(show(only(r, 'autoconfig.file'))).toMatch(/fail: .*larger than 64 KiB/);
  }, 60_000);

  it('the wrong media type is a failure for the policy', async () => {
    web.use(certs.good, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(req.url === MTA_STS_PATH ? mtaStsPolicy(good) : autoconfigXml(good));
    });
    const r = await doctor(good);
    expect(show(only(r, 'mta-sts.policy'))).toMatch(/^fail: https:\/\/mta-sts\.example\.org\/\.well-known\/mta-sts\.txt is served as text\/html, not text\/plain/m);
    // a mail client reads the file anyway: a warning
    expect(show(only(r, 'autoconfig.file'))).toMatch(/^warn: .* is served as text\/html, not an XML type/m);
  }, 60_000);

  it('an autoconfig file with other settings names the field that differs', async () => {
    web.use(certs.good, (req, res) => {
      if (req.url !== AUTOCONFIG_PATH) return serveOurs(req, res);
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(autoconfigXml(good).replace('<port>465</port>', '<port>25</port>').replace('<hostname>mail.example.org</hostname>', '<hostname>imap.example.org</hostname>'));
    });
    const auto = only(await doctor(good), 'autoconfig.file');
    expect(auto.map((f) => f.status)).toEqual(['fail']);
    expect(auto[0]!.summary).toContain('incomingServer imap #1: hostname imap.example.org, expected mail.example.org');
    expect(auto[0]!.summary).toContain('outgoingServer smtp #1: port 25, expected 465');
    expect(auto[0]!.fix).toContain('`mail-wizard repair` rewrites the autoconfig file');
  }, 60_000);

  it('a server that accepts and never answers: the check ends within its budget and says where it waited', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((s) => void accepted.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const r = await doctor(good, { port, timeoutMs: 6000 });
      expect(show(only(r, 'mta-sts.policy'))).toMatch(/fail: https:\/\/mta-sts\.example\.org\/\.well-known\/mta-sts\.txt: no TLS handshake within \d+ ms/);
      expect(show(only(r, 'autoconfig.file'))).toMatch(/fail: .*no TLS handshake within \d+ ms.* \| fix: the web server at autoconfig\.example\.org accepts but does not answer/);
      // both fetches reached the server, and the run ended inside its budget (no "budget ran out")
      expect(accepted.length).toBeGreaterThanOrEqual(2);
      expect(r.checks.filter((c) => /time budget/.test(c.summary))).toEqual([]);
    } finally {
      for (const s of accepted) s.destroy();
      silent.close();
    }
  }, 60_000);

  it('nothing listening: connection refused; plain HTTP on the port: the TLS handshake fails', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const freePort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await doctor(good, { port: freePort });
    expect(show(only(refused, 'mta-sts.policy'))).toMatch(new RegExp(`^fail: https://mta-sts\\.example\\.org/\\.well-known/mta-sts\\.txt: connection refused at 127\\.0\\.0\\.1:${freePort} .* \\| fix: start the web server`, 'm'));

    const plain = net.createServer((sock) => sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', () => resolve()));
    try {
      const r = await doctor(good, { port: (plain.address() as net.AddressInfo).port });
      expect(show(only(r, 'mta-sts.policy'))).toMatch(/^fail: .*TLS handshake with 127\.0\.0\.1:\d+ failed: wrong version number \(plain HTTP on the HTTPS port\?\); sending servers cannot read it \| fix: the web server at mta-sts\.example\.org must speak TLS on 443/m);
    } finally {
      plain.close();
    }
  }, 60_000);

  it('a name missing from DNS fails before any connection', async () => {
    const r = await doctor(noDns);
    expect(show(only(r, 'mta-sts.policy'))).toMatch(/^fail: mta-sts\.nodns\.example has no address in DNS \(mta-sts\.nodns\.example: NXDOMAIN \(the name does not exist\)\): sending servers cannot fetch/m);
    expect(show(only(r, 'autoconfig.file'))).toMatch(/^fail: autoconfig\.nodns\.example has no address in DNS .*\| fix: publish the record for autoconfig\.nodns\.example that `mail-wizard records` prints/m);
  }, 60_000);

  it('every address of the name is fetched: the one that serves another policy is named', async () => {
    web.use(certs.good);
    // the same port on ::1, serving a policy for another MX
    const v6 = await startWeb(web.port, certs.good, '::1');
    try {
      v6.use(certs.good, (req, res) => {
        if (req.url !== MTA_STS_PATH) return serveOurs(req, res);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(mtaStsPolicy(twoAddr)!.replace('mx: mail.two.example', 'mx: mail.old.example'));
      });
      const r = await doctor(twoAddr);
      const policy = only(r, 'mta-sts.policy');
      expect(show(policy)).toMatch(/^fail: the policy's mx lines \(mail\.old\.example\) do not match the MX host mail\.two\.example: .* \(at ::1\) \| fix: `mail-wizard repair` rewrites the policy file/m);
      expect(show(policy)).toMatch(/^fail: the id in _mta-sts\.two\.example .* \(at ::1\) \| fix: `mail-wizard repair` rewrites .*: the published id is the one of mail-wizard's policy$/m);
      expect(show(policy)).toMatch(/^pass: https:\/\/mta-sts\.two\.example\/\.well-known\/mta-sts\.txt: STSv1.* \(at 127\.0\.0\.1\)$/m);
      // the autoconfig name reaches both addresses through its CNAME, and both serve ours
      expect(only(r, 'autoconfig.file').map((f) => f.status)).toEqual(['pass']);
    } finally {
      await v6.close();
    }
  }, 60_000);

  it('mtaSts off: nothing is fetched', async () => {
    const r = await doctor({ ...good, mtaSts: 'off' });
    expect(r.checks.filter((c) => c.id === 'mta-sts.policy' || c.id === 'autoconfig.file')).toEqual([]);
  }, 60_000);

  // `check dns` as a person runs it: port 443, the test CA trusted through NODE_EXTRA_CA_CERTS.
  // Port 443 needs root; the test runs in its own network namespace (isolated.sh).
  describe.runIf(process.getuid?.() === 0)('mail-wizard check dns', () => {
    let on443: Web;
    let root: string;
    let caFile: string;
    beforeAll(async () => {
      on443 = await startWeb(443, certs.good);
      root = path.join(tmp, 'root');
      const pub = path.join(root, dkimPaths({ answers: good, platform: PLATFORMS.openbsd }).pub);
      await fs.mkdir(path.dirname(pub), { recursive: true });
      await fs.writeFile(pub, keys.main);
      await fs.writeFile(path.join(tmp, 'answers.json'), JSON.stringify(good));
      caFile = path.join(tmp, 'ca.pem');
      await fs.writeFile(caFile, ca.cert);
    }, 30_000);
    afterAll(async () => {
      await on443?.close();
    });
    const run = (env: Record<string, string>) =>
      cli(['check', 'dns', '--root', root, '--platform', 'openbsd', '--answers', path.join(tmp, 'answers.json'), '--nameserver', nsd.address], { env });

    it('passes with the test CA trusted, and names the mismatch when the policy changes', async () => {
      on443.use(certs.good);
      const ok = await run({ NODE_EXTRA_CA_CERTS: caFile });
      expect(ok.stdout).toMatch(/^PASS {2}mta-sts\.policy +https:\/\/mta-sts\.example\.org\/\.well-known\/mta-sts\.txt: STSv1, mode testing/m);
      expect(ok.stdout).toMatch(/^PASS {2}autoconfig\.file +https:\/\/autoconfig\.example\.org\/mail\/config-v1\.1\.xml: mail\.example\.org/m);
      // the web names point at the loopback web server, not at the answers' 192.0.2.10: the DNS
      // checks of those names say so (warnings), and nothing fails
      expect(ok.stdout).toMatch(/^0 failed, 2 warnings/m);
      expect(ok.stdout.split('\n').filter((l) => l.startsWith('WARN')).map((l) => l.split(/\s+/)[1])).toEqual(['mta-sts', 'autoconfig']);
      expect(ok.code).toBe(0);

      on443.use(certs.good, (req, res) => {
        if (req.url !== MTA_STS_PATH) return serveOurs(req, res);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(mtaStsPolicy(good)!.replace('mx: mail.example.org', 'mx: *.example.net'));
      });
      const bad = await run({ NODE_EXTRA_CA_CERTS: caFile });
      expect(bad.stdout).toMatch(/^FAIL {2}mta-sts\.policy +the policy's mx lines \(\*\.example\.net\) do not match the MX host mail\.example\.org/m);
      expect(bad.stdout).toMatch(/fix: +`mail-wizard repair` rewrites the policy file/);
      expect(bad.code).toBe(1);
    }, 120_000);

    it('without the test CA, the certificate is not trusted', async () => {
      on443.use(certs.good);
      const r = await run({});
      expect(r.stdout).toMatch(/^FAIL {2}mta-sts\.policy +https:\/\/mta-sts\.example\.org\/\.well-known\/mta-sts\.txt: the certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE; issued by mail-wizard test CA\)/m);
      expect(r.code).toBe(1);
    }, 120_000);
  });
});

describe('RFC 8461 §4.1 mx patterns', () => {
  it('match exactly, or one label under a wildcard', () => {
    expect(mxPatternMatches('mail.example.org', 'MAIL.example.org.')).toBe(true);
    expect(mxPatternMatches('*.example.org', 'mail.example.org')).toBe(true);
    expect(mxPatternMatches('*.example.org', 'a.b.example.org')).toBe(false);
    expect(mxPatternMatches('*.example.org', 'example.org')).toBe(false);
    expect(mxPatternMatches('mail.example.org', 'mx.example.org')).toBe(false);
  });
});

describe('a fetched policy, judged line by line', () => {
  const enforce = answersFor('example.org', 10, { mtaSts: 'enforce' });
  const url = `https://mta-sts.example.org${MTA_STS_PATH}`;
  const dns = (body: string) => ({ mxHosts: ['mail.example.org'], txtIds: [mtaStsId(body)] });
  const judged = (body: string) => judgePolicy(enforce, url, 'text/plain', body, dns(body));

  it('passes the policy mail-wizard writes', () => {
    const body = mtaStsPolicy(enforce)!;
    expect(judged(body).map((f) => f.status)).toEqual(['pass']);
  });

  it('a wildcard mx line covers the MX host; only the difference from our file remains', () => {
    const body = mtaStsPolicy(enforce)!.replace('mx: mail.example.org', 'mx: *.example.org');
    expect(judged(body).map((f) => `${f.status}: ${f.summary}`)).toEqual(["fail: the web server serves another policy than mail-wizard's"]);
  });

  it('in enforce mode an MX host outside the mx lines is refused by senders, and says so', () => {
    const body = mtaStsPolicy(enforce)!.replace('mx: mail.example.org', 'mx: mx1.example.org\r\nmx: *.mail.example.org');
    expect(judged(body).map((f) => f.summary)).toContain('the policy\'s mx lines (mx1.example.org, *.mail.example.org) do not match the MX host mail.example.org: senders that enforce MTA-STS refuse to deliver to it');
  });

  it('names a missing max_age, another version and another mode', () => {
    const body = 'version: STSv2\r\nmode: testing\r\nmx: mail.example.org\r\n';
    const summaries = judged(body).map((f) => `${f.status}: ${f.summary}`);
    expect(summaries).toContain('fail: the policy\'s version is STSv2, not STSv1: senders ignore it');
    expect(summaries).toContain('fail: the policy says mode testing; the answers say enforce');
    expect(summaries).toContain('fail: the policy\'s max_age is missing: senders ignore the policy');
  });

  it('a max_age under a day is a warning; over a year a failure', () => {
    const short = mtaStsPolicy(enforce)!.replace('max_age: 604800', 'max_age: 300');
    expect(judged(short).map((f) => `${f.status}: ${f.summary}`)).toContain('warn: the policy\'s max_age is 300 s: senders forget it within a day (RFC 8461 §3.2 advises weeks)');
    const long = mtaStsPolicy(enforce)!.replace('max_age: 604800', 'max_age: 31557601');
    expect(judged(long).some((f) => f.status === 'fail' && f.summary.startsWith('the policy\'s max_age is not a number of seconds up to 31557600'))).toBe(true);
  });
});
