/**
 * What the web server publishes, fetched over HTTPS as a sending server and a mail client fetch
 * it: the MTA-STS policy (RFC 8461) and the autoconfig file. Run by the DNS doctor once per zone
 * (not per name server), at every address the name has, under the doctor's time budget.
 *
 * - mta-sts.policy: served with a valid certificate, as text/plain, STSv1 with our mode, mx lines
 *   that match every MX host, a sane max_age, the id in _mta-sts equal to the served policy's,
 *   and the very policy mail-wizard writes.
 * - autoconfig.file: served with a valid certificate, and the very file mail-wizard writes (when
 *   not: which server's hostname, port or socketType differs).
 */
import type { Answers } from '../answers/schema.js';
import type { Lookup } from '../dns/checks/types.js';
import { describeResult, recordsOf } from '../dns/client.js';
import { normalizeName, txtValue } from '../dns/records.js';
import type { Finding, FindingStatus } from '../engine/types.js';
import { AUTOCONFIG_PATH, autoconfigHost, autoconfigXml } from './autoconfig.js';
import { readClientServers, serverDifferences } from './autoconfig-read.js';
import { describeFetch, fetchHttps, type FetchResult } from './fetch.js';
import { MTA_STS_PATH, mtaStsHost, mtaStsId, mtaStsMode, mtaStsPolicy, mtaStsTxt, mtaStsTxtName, parsePolicy, servesWeb } from './mta-sts.js';
import { resolveWebName } from './resolve.js';

export const WEB_CHECK_IDS = ['mta-sts.policy', 'autoconfig.file'] as const;
export type WebCheckId = (typeof WEB_CHECK_IDS)[number];

export interface WebCheckInput {
  answers: Answers;
  /** Asks the domain's authoritative servers (the doctor's view). */
  lookup: Lookup;
  /** HTTPS port (default 443; tests use a high port). */
  port?: number;
  /** The longest one fetch may take (ms). */
  timeoutMs: number;
  /** The doctor's budget: a fetch still running when it ends is a time-out. */
  signal?: AbortSignal;
  /** Extra trusted CA (PEM), for tests in-process; a process takes NODE_EXTRA_CA_CERTS. */
  extraCa?: string;
}

/** RFC 8461 §3.2: max_age is at most 31557600 (a year); §3.2 recommends weeks. */
const MAX_AGE_LIMIT = 31557600;
const MAX_AGE_LOW = 86400;

function f(check: WebCheckId, status: FindingStatus, summary: string, more: { evidence?: string; fix?: string } = {}): Finding {
  const out: Finding = { status, check, summary };
  if (more.evidence) out.evidence = more.evidence;
  if (more.fix) out.fix = more.fix;
  return out;
}

/** RFC 8461 §4.1: an mx pattern matches a host exactly, or "*.d" matches one label in front of d. */
export function mxPatternMatches(pattern: string, host: string): boolean {
  const p = normalizeName(pattern);
  const h = normalizeName(host);
  if (p.startsWith('*.')) {
    const i = h.indexOf('.');
    return i > 0 && h.slice(i + 1) === p.slice(2);
  }
  return p === h;
}

/** The media type without parameters, lower case. */
function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** What a failed fetch means, with the fix for its kind. */
function fetchFailure(check: WebCheckId, r: Exclude<FetchResult, { kind: 'ok' }>, url: string, name: string, who: string): Finding {
  const certFix = `the web server's certificate must name ${name} and come from a trusted CA: \`mail-wizard repair\` gets one that names it (tls step), then reloads the web server`;
  const fix: Record<typeof r.kind, string> = {
    refused: `start the web server (\`mail-wizard repair\` sets it up), and let TCP 443 in`,
    unreachable: `let TCP 443 in to this address, or publish the address the web server really has`,
    tls: `the web server at ${name} must speak TLS on 443 with its certificate (\`mail-wizard repair\`)`,
    error: `\`mail-wizard repair\` sets up the web server; when it is set up, its error log names the cause`,
    untrusted: certFix,
    expired: `renew the certificate (\`mail-wizard repair\` renews it) and reload the web server`,
    'not-yet-valid': `check the clock of the server; then \`mail-wizard repair\``,
    'wrong-name': certFix,
    redirect: `serve the file itself at ${url}: ${who} do not follow redirects (\`mail-wizard repair\` rewrites the web server's configuration)`,
    status: `serve the file at ${url} (\`mail-wizard repair\` writes it)`,
    'too-large': `serve only the file mail-wizard writes (\`mail-wizard repair\`)`,
    timeout:
      r.kind === 'timeout' && r.stage === 'connect'
        ? `nothing answers the connection: a firewall drops TCP 443 on the way to this address; let it in`
        : `the web server at ${name} accepts but does not answer: restart it (\`mail-wizard repair\`)`,
  };
  return f(check, 'fail', `${describeFetch(r, url)}; ${who} cannot read it`, { fix: fix[r.kind] });
}

/**
 * A self-signed certificate is what the answers asked for (MTA-STS testing is allowed with it): no
 * sender or client trusts it, which is worth a warning, not a failure of every check run.
 */
function selfSignedWarning(check: WebCheckId, r: Extract<FetchResult, { kind: 'untrusted' }>, url: string, who: string): Finding {
  return f(check, 'warn', `${describeFetch(r, url)}: the certificate is self-signed (tls self-signed), so ${who} ignore what is served there`, {
    fix: 'MTA-STS and autoconfig need a certificate others trust: set "tls" to acme (or existing) in the answers and run `mail-wizard setup`',
  });
}

/** Findings of one check at several addresses: one finding when all agree, else tagged "(at ADDR)". */
function mergeAddresses(perAddress: ReadonlyArray<{ address: string; findings: Finding[] }>): Finding[] {
  const groups = new Map<string, { f: Finding; at: string[] }>();
  for (const { address, findings } of perAddress) {
    for (const x of findings) {
      const key = `${x.status}\u0000${x.summary}\u0000${x.fix ?? ''}`;
      const g = groups.get(key);
      if (g) g.at.push(address);
      else groups.set(key, { f: x, at: [address] });
    }
  }
  const order = { fail: 0, warn: 1, pass: 2 };
  return [...groups.values()]
    .map(({ f: x, at }) => (at.length === perAddress.length || perAddress.length < 2 ? x : { ...x, summary: `${x.summary} (at ${at.join(', ')})` }))
    .sort((a, b) => order[a.status] - order[b.status]);
}

interface Published {
  mxHosts: string[] | { problem: string };
  txtIds: string[] | { problem: string };
}

/** What DNS publishes that the policy must agree with: the MX hosts and the id in _mta-sts. */
async function publishedForPolicy(input: WebCheckInput): Promise<Published> {
  const domain = normalizeName(input.answers.domain);
  const [mx, txt] = await Promise.all([input.lookup.ask(domain, 'MX'), input.lookup.ask(mtaStsTxtName(domain), 'TXT')]);
  const ok = (k: string) => k === 'answer' || k === 'nodata' || k === 'nxdomain';
  return {
    mxHosts: ok(mx.kind) ? recordsOf(mx, 'MX').map((m) => m.exchange) : { problem: `${domain} MX: ${describeResult(mx)}` },
    txtIds: ok(txt.kind)
      ? recordsOf(txt, 'TXT')
          .map(txtValue)
          .filter((v) => /^v=STSv1/i.test(v))
          .map((v) => /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(v)?.[1] ?? '(no id)')
      : { problem: `${mtaStsTxtName(domain)} TXT: ${describeResult(txt)}` },
  };
}

/** Judges a fetched policy: every finding of mta-sts.policy for one address. */
export function judgePolicy(answers: Answers, url: string, contentType: string, body: string, dns: Published): Finding[] {
  const id = 'mta-sts.policy';
  const out: Finding[] = [];
  const want = mtaStsPolicy(answers) ?? '';
  const repair = `\`mail-wizard repair\` rewrites the policy file the web server serves (${MTA_STS_PATH})`;
  const bodyLines = body.split(/\r?\n/).filter(Boolean).join('\n');
  if (mediaType(contentType) !== 'text/plain') {
    out.push(f(id, 'fail', `${url} is served as ${contentType || 'no Content-Type'}, not text/plain (RFC 8461 §3.3); senders reject it`, { fix: `serve ${MTA_STS_PATH} with Content-Type text/plain (\`mail-wizard repair\` rewrites the web server's configuration)` }));
  }
  const p = parsePolicy(body);
  const mode = mtaStsMode(answers);
  if (p.version !== 'STSv1') out.push(f(id, 'fail', `the policy's version is ${p.version ?? 'missing'}, not STSv1: senders ignore it`, { evidence: bodyLines, fix: repair }));
  if (p.mode !== mode) out.push(f(id, 'fail', `the policy says mode ${p.mode ?? '(none)'}; the answers say ${mode}`, { evidence: bodyLines, fix: repair }));
  if (p.bad.length > 0) out.push(f(id, 'warn', `the policy has lines that are not "key: value": ${p.bad.map((l) => JSON.stringify(l)).join(', ')}`, { evidence: bodyLines, fix: repair }));
  if (p.maxAge === undefined || Number.isNaN(p.maxAge) || p.maxAge > MAX_AGE_LIMIT) {
    out.push(f(id, 'fail', `the policy's max_age is ${p.maxAge === undefined ? 'missing' : 'not a number of seconds up to 31557600'}: senders ignore the policy`, { evidence: bodyLines, fix: repair }));
  } else if (p.maxAge < MAX_AGE_LOW) {
    out.push(f(id, 'warn', `the policy's max_age is ${p.maxAge} s: senders forget it within a day (RFC 8461 §3.2 advises weeks)`, { evidence: bodyLines, fix: repair }));
  }
  // RFC 8461 §4.1: every MX host must match an mx line, else a sender that enforces refuses it
  if ('problem' in dns.mxHosts) out.push(f(id, 'warn', `could not compare the policy's mx lines with the MX records: ${dns.mxHosts.problem}`, { fix: 'run the check again' }));
  else {
    const hosts = dns.mxHosts.length > 0 ? dns.mxHosts : [normalizeName(answers.hostname)];
    const unmatched = hosts.filter((h) => !p.mx.some((pat) => mxPatternMatches(pat, h)));
    if (unmatched.length > 0) {
      const effect = mode === 'enforce' ? 'senders that enforce MTA-STS refuse to deliver to it' : 'in enforce mode senders would refuse to deliver to it (testing mode: they report it)';
      out.push(f(id, 'fail', `the policy's mx lines (${p.mx.join(', ') || 'none'}) do not match the MX host${unmatched.length > 1 ? 's' : ''} ${unmatched.join(', ')}: ${effect}`, { evidence: bodyLines, fix: repair }));
    }
  }
  if ('problem' in dns.txtIds) out.push(f(id, 'warn', `could not read the id in ${mtaStsTxtName(answers.domain)}: ${dns.txtIds.problem}`, { fix: 'run the check again' }));
  else if (dns.txtIds.length === 0) out.push(f(id, 'warn', `no MTA-STS record at ${mtaStsTxtName(answers.domain)}: senders never fetch this policy (see the mta-sts check)`, { fix: `publish: ${mtaStsTxtName(answers.domain)}. TXT "${mtaStsTxt(answers)}"` }));
  else if (!dns.txtIds.includes(mtaStsId(body))) {
    out.push(
      f(id, 'fail', `the id in ${mtaStsTxtName(answers.domain)} (${dns.txtIds.join(', ')}) is not the served policy's id (${mtaStsId(body)}): senders that keep an older policy never fetch this one`, {
        fix:
          body === want
            ? `publish: ${mtaStsTxtName(answers.domain)}. TXT "${mtaStsTxt(answers)}" (in place of the old one)`
            : dns.txtIds.includes(mtaStsId(want))
              ? `${repair}: the published id is the one of mail-wizard's policy`
              : `${repair}; then publish: ${mtaStsTxtName(answers.domain)}. TXT "${mtaStsTxt(answers)}"`,
      }),
    );
  }
  if (body !== want) {
    out.push(f(id, 'fail', `the web server serves another policy than mail-wizard's`, { evidence: `served:\n${bodyLines}\nexpected:\n${want.split('\r\n').filter(Boolean).join('\n')}`, fix: repair }));
  }
  if (out.length === 0) out.push(f(id, 'pass', `${url}: STSv1, mode ${p.mode}, mx ${p.mx.join(', ')}, max_age ${p.maxAge}; the id in ${mtaStsTxtName(answers.domain)} matches (${mtaStsId(body)})`));
  return out;
}

/** Judges a fetched autoconfig file: every finding of autoconfig.file for one address. */
export function judgeAutoconfig(answers: Answers, url: string, contentType: string, body: string): Finding[] {
  const id = 'autoconfig.file';
  const want = autoconfigXml(answers);
  const repair = `\`mail-wizard repair\` rewrites the autoconfig file the web server serves (${AUTOCONFIG_PATH})`;
  const out: Finding[] = [];
  if (!/xml/.test(mediaType(contentType))) {
    out.push(f(id, 'warn', `${url} is served as ${contentType || 'no Content-Type'}, not an XML type (text/xml or application/xml)`, { fix: `serve ${AUTOCONFIG_PATH} as text/xml (\`mail-wizard repair\` rewrites the web server's configuration)` }));
  }
  if (body !== want) {
    const served = readClientServers(body);
    if (served === null) out.push(f(id, 'fail', `${url} is not an autoconfig (clientConfig) file: mail clients cannot use it`, { evidence: body.slice(0, 400), fix: repair }));
    else {
      const diff = serverDifferences(served, readClientServers(want) ?? []);
      const summary = diff.length > 0 ? `${url} gives mail clients other settings than this server's: ${diff.join('; ')}` : `${url} differs from mail-wizard's file (the same servers and ports)`;
      out.push(f(id, 'fail', summary, { evidence: diff.join('\n') || undefined, fix: repair }));
    }
  }
  if (out.length === 0) out.push(f(id, 'pass', `${url}: ${normalizeName(answers.hostname)}, IMAP 993/143 and submission 465/587, password only inside TLS`));
  return out;
}

/** Fetches url at each address of name, judging each body; a name without an address is one failure. */
async function fetchEverywhere(
  input: WebCheckInput,
  check: WebCheckId,
  name: string,
  path: string,
  who: string,
  judge: (r: Extract<FetchResult, { kind: 'ok' }>, url: string) => Finding[],
): Promise<Finding[]> {
  const url = `https://${name}${path}`;
  const where = await resolveWebName(name, input.lookup);
  if (where.addresses.length === 0) {
    return [
      f(check, 'fail', `${name} has no address in DNS (${where.problem ?? 'no A or AAAA record'}): ${who} cannot fetch ${url}`, {
        evidence: where.evidence,
        fix: `publish the record for ${name} that \`mail-wizard records\` prints`,
      }),
    ];
  }
  const perAddress = await Promise.all(
    where.addresses.map(async (address) => {
      const r = await fetchHttps({ name, path, address, port: input.port, timeoutMs: input.timeoutMs, signal: input.signal, ...(input.extraCa ? { extraCa: input.extraCa } : {}) });
      if (r.kind === 'ok') return { address, findings: judge(r, url) };
      if (r.kind === 'untrusted' && input.answers.tls.mode === 'self-signed') return { address, findings: [selfSignedWarning(check, r, url, who)] };
      return { address, findings: [fetchFailure(check, r, url, name, who)] };
    }),
  );
  return mergeAddresses(perAddress);
}

/** Both checks, when the answers have a web server (MTA-STS not off); none otherwise. */
export async function runWebChecks(input: WebCheckInput): Promise<Array<{ id: WebCheckId; findings: Finding[] }>> {
  if (!servesWeb(input.answers)) return [];
  const domain = normalizeName(input.answers.domain);
  const [policy, autoconfig] = await Promise.all([
    (async () => {
      const dns = await publishedForPolicy(input);
      return fetchEverywhere(input, 'mta-sts.policy', mtaStsHost(domain), MTA_STS_PATH, 'sending servers', (r, url) => judgePolicy(input.answers, url, r.contentType, r.body, dns));
    })(),
    fetchEverywhere(input, 'autoconfig.file', autoconfigHost(domain), AUTOCONFIG_PATH, 'mail clients', (r, url) => judgeAutoconfig(input.answers, url, r.contentType, r.body)),
  ]);
  return [
    { id: 'mta-sts.policy', findings: policy },
    { id: 'autoconfig.file', findings: autoconfig },
  ];
}
