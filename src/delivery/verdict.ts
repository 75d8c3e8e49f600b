/**
 * The `verdict` check of `check delivery`: a real message, sent through the box's real outbound
 * path and signed by rspamd, judged as a receiver judges it (mailauth: SPF, DKIM, DMARC), with every
 * DNS question answered by the domain's authoritative servers (or --nameserver).
 *
 * How the message is got back: it is handed to the box's own sendmail (smtpd's socket listener,
 * which passes the rspamd filter like every listener of ours), addressed to a local mailbox
 * (postmaster's person, else the first user), and read back from that Maildir with bounded reads
 * through the Host. This is what a receiver elsewhere sees because rspamd decides to sign from the
 * message's source and its From domain (dkim_signing.conf: sign_networks, use_domain = "header"),
 * never from its destination, and smtpd's filter runs before the routing decision: the message that
 * lands here carries the same signature the relayed one carries. What local delivery adds
 * (Received, Return-Path, Delivered-To) is outside the signed headers. What the local path cannot
 * show, the connecting address and HELO, is given to the evaluation: each public address in the
 * answers (the ones smtpd may send from) with HELO = the host name (smtpd.conf's `relay helo`).
 * The three checks themselves are mailauth's (verdict-auth.ts).
 * The stack suite proves the equivalence: the same message relayed to an outside sink and judged
 * there gets the same line.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import net from 'node:net';
import type { Answers } from '../answers/schema.js';
import { InputError } from '../answers/input-error.js';
import type { DnsServer } from '../dns/client.js';
import { parseNameserverArgs, parseResolvConf, readResolvConf, resolveNameserverSpecs } from '../dns/discovery.js';
import { describeFailure, type Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import { postmasterUser } from '../../recipes/templates/aliases.js';
import { judgeMessage } from './verdict-auth.js';
import { AuthoritativeResolver, type Lookup } from './verdict-dns.js';
import { verdictFinding, verdictProblem, type Evaluation, type VerdictResult } from './verdict-report.js';

export type { VerdictResult } from './verdict-report.js';

export interface VerdictOptions {
  host: Host;
  platform: Platform;
  answers: Answers;
  /** --nameserver HOST[:PORT] values: ask these instead of each name's authoritative servers. */
  nameservers?: readonly string[];
  /** The From address (--from); default postmaster@<domain>. The envelope stays postmaster@<domain>. */
  from?: string;
  /** The whole check's time budget in ms (default 60000), delivery wait included. */
  timeoutMs?: number;
  /** Per attempt of one DNS query in ms (default 1500). */
  queryTimeoutMs?: number;
  /** Ends the check early (the delivery command's common budget). */
  signal?: AbortSignal;
  /** The system resolver, for finding zones (default /etc/resolv.conf), or its text (tests). */
  resolvConfPath?: string;
  resolvConf?: string;
  /** Port of discovered authoritative servers (default 53; tests use another). */
  authPort?: number;
}

/** An address as the From option takes it: local@domain, nothing that could start another header. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** null when the value is a usable From address, else the one-line error (exit 2). */
export function fromAddressError(value: string): string | null {
  if (ADDRESS.test(value)) return null;
  return `--from ${JSON.stringify(value)}: not an address of the form user@domain.example`;
}

/** Maildir reads of a user's mailbox, as root: capped, timed, no symlink out (host/bounded.ts). */
const MAILBOX = { maxEntries: 100_000, listTimeoutMs: 5_000, maxBytes: 1024 * 1024, readTimeoutMs: 2_000 };
const DELIVERY_WAIT_MS = 30_000;
/** mailauth's Authentication-Results name the evaluating server: here, no real one. */
const EVALUATOR = 'receiver.mail-wizard.invalid';

export function verdictMessage(opts: { from: string; to: string; hostname: string; token: string; date: Date }): string {
  return [
    `From: <${opts.from}>`,
    `To: <${opts.to}>`,
    `Subject: mail-wizard delivery verdict ${opts.token}`,
    `Date: ${opts.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <verdict-${opts.token}@${opts.hostname}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'mail-wizard sent this message to itself to see it as a receiver would: SPF, DKIM and DMARC.',
    'It can be deleted.',
    '',
  ].join('\r\n');
}

/**
 * Where the message may be: the inbox's new/ or cur/ (a client may have read it), or Junk, should
 * the admin's own sieve rule or a client file it there (Maildir++ folders are dot-directories).
 */
const PLACES = ['new', 'cur', '.Junk/new', '.Junk/cur'];

/**
 * Finds the message with `token` in its Message-ID in one of PLACES of maildir. As in the mail
 * test (recipes/mail-test.ts): a file named for a time before `sentAt` (Maildir names start with
 * the delivery time, in seconds) is not opened, so a big mailbox costs a listing, not a read of each.
 */
async function waitForMessage(host: Host, maildir: string, token: string, sentAt: number, deadline: number, signal: AbortSignal): Promise<string | null> {
  const looked = new Set<string>();
  const needle = `<verdict-${token}@`;
  for (;;) {
    for (const sub of PLACES) {
      const dir = `${maildir}/${sub}`;
      // an unreadable directory is like a missing one: the message is not found in time
      const { names } = await host.listDirBounded(dir, { maxEntries: MAILBOX.maxEntries, timeoutMs: MAILBOX.listTimeoutMs }).catch(() => ({ names: null }));
      for (const name of names ?? []) {
        // a message moved from new/ to cur/ keeps its unique part: read each one once
        const unique = name.replace(/:2,.*$/, '');
        if (looked.has(unique)) continue;
        looked.add(unique);
        const deliveredAt = Number.parseInt(name, 10);
        if (Number.isInteger(deliveredAt) && deliveredAt < sentAt - 60) continue;
        const read = await host.readFileBounded(`${dir}/${name}`, { maxBytes: MAILBOX.maxBytes, timeoutMs: MAILBOX.readTimeoutMs, within: maildir });
        if (read.ok && read.text.includes(needle)) return read.text;
        if (!read.ok && read.reason === 'missing') looked.delete(unique); // moved while we looked
      }
    }
    if (Date.now() > deadline || signal.aborted) return null;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function dnsServers(opts: VerdictOptions, qopts: { timeoutMs: number; retries: number; signal: AbortSignal }): Promise<{ given: DnsServer[]; resolvers: DnsServer[] }> {
  const resolvConf = opts.resolvConf !== undefined ? parseResolvConf(opts.resolvConf) : await readResolvConf(opts.resolvConfPath);
  const specs = opts.nameservers ?? [];
  if (specs.length === 0) return { given: [], resolvers: resolvConf.nameservers };
  const parsed = parseNameserverArgs(specs);
  if (parsed.errors.length > 0) throw new InputError(parsed.errors);
  const needsResolver = parsed.specs.some((s) => !net.isIP(s.host));
  const { servers, errors } = needsResolver
    ? await resolveNameserverSpecs(parsed.specs, resolvConf.nameservers, qopts)
    : { servers: parsed.specs.map((s) => ({ host: s.host, port: s.port })), errors: [] };
  if (errors.length > 0) throw new InputError(errors);
  return { given: servers, resolvers: resolvConf.nameservers };
}

/** The lookups worth showing: the policy records the verdict rests on (SPF, DKIM key, DMARC). */
function lookupEvidence(lookups: readonly Lookup[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of lookups) {
    if (l.type !== 'TXT') continue;
    const line = `asked ${l.server ?? 'no server'} for TXT ${l.name}: ${l.said}`;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}

/**
 * Runs the verdict. Throws InputError for a bad --from or --nameserver (exit 2); every other
 * outcome is the finding.
 */
export async function verdictCheck(opts: VerdictOptions): Promise<VerdictResult> {
  const { answers, host, platform } = opts;
  const domain = answers.domain.toLowerCase();
  const envelope = `postmaster@${domain}`;
  const from = opts.from ?? envelope;
  const fromError = fromAddressError(from);
  if (fromError) throw new InputError([fromError]);

  const budget = opts.timeoutMs ?? 60_000;
  const started = Date.now();
  const ctrl = new AbortController();
  setMaxListeners(0, ctrl.signal);
  const timer = setTimeout(() => ctrl.abort(), budget);
  const onOuterAbort = (): void => ctrl.abort();
  opts.signal?.addEventListener('abort', onOuterAbort);
  if (opts.signal?.aborted) ctrl.abort();
  try {
    const qopts = { timeoutMs: Math.min(opts.queryTimeoutMs ?? 1500, budget), retries: 2, signal: ctrl.signal };
    const servers = await dnsServers(opts, qopts);

    const reader = postmasterUser(answers) ?? answers.users[0];
    const account = reader === undefined ? null : await host.user(reader);
    if (reader === undefined || !account) {
      return verdictProblem('fail', `no local mailbox to read the test message back from${reader ? ` (no user ${reader})` : ''}`, undefined, 'Run `mail-wizard repair` (users step).');
    }
    const to = `${reader}@${domain}`;
    const token = randomBytes(8).toString('hex');
    const message = verdictMessage({ from, to, hostname: answers.hostname, token, date: new Date() });

    // -f: the envelope sender a user's submission has (an address at the mail domain). Without it
    // smtpd's enqueue takes the From header's address, or user@<host> (OpenSMTPD
    // usr.sbin/smtpd/enqueue.c: build_from, parse_message); with smtpd down it spools the message
    // offline and exits 75, which is reported as not accepted.
    const sentAt = Math.floor(Date.now() / 1000);
    const sent = await host.run([platform.bin.sendmail, '-f', envelope, to], { timeoutMs: 30_000, input: message });
    if (sent.notFound) {
      // --root on a directory that holds no system: nothing can be sent there
      return verdictProblem('warn', 'not checked: no message can be sent on this host', describeFailure(sent), 'Run the check on the server itself.');
    }
    if (sent.exitCode !== 0) {
      return verdictProblem('fail', `sendmail did not accept the test message`, describeFailure(sent), 'Check that smtpd runs (`mail-wizard check`, services) and read its log.');
    }
    const maildir = `${account.home}/Maildir`;
    const deadline = Math.min(started + budget, Date.now() + DELIVERY_WAIT_MS);
    const text = await waitForMessage(host, maildir, token, sentAt, deadline, ctrl.signal);
    if (text === null) {
      const when = ctrl.signal.aborted ? 'before the time budget ran out' : `within ${Math.round((deadline - started) / 1000)} s`;
      return verdictProblem(
        'fail',
        `the test message to ${to} did not arrive in ${maildir} ${when}, so it could not be judged`,
        `Message-ID <verdict-${token}@${answers.hostname}>`,
        'Read the mail log for that Message-ID: a filter error points at rspamd, a refused LMTP connection at Dovecot; `smtpctl show queue` lists it if it waits.',
      );
    }

    const resolver = new AuthoritativeResolver({ given: servers.given, resolvers: servers.resolvers, authPort: opts.authPort, query: qopts });
    const ips = [answers.ipv4, answers.ipv6].filter((ip): ip is string => typeof ip === 'string' && ip !== '');
    const evaluations: Evaluation[] = [];
    for (const ip of ips) {
      const outcome = await judgeMessage(text, { ip, helo: answers.hostname, sender: envelope, mta: EVALUATOR }, resolver.resolve);
      evaluations.push({ ip, outcome });
    }
    const extra = lookupEvidence(resolver.lookups);
    // A relay host (answers.relayHost, for a provider that blocks port 25) is what receivers then
    // see connecting: these lines hold for mail sent directly, and SPF must authorize the relay too.
    const relay = (answers as Answers & { relayHost?: string }).relayHost;
    if (relay) extra.unshift(`mail leaves through the relay host ${relay}: receivers see its address, not ${ips.join(' or ')}; SPF must authorize it too (its provider names the include:)`);
    if (ctrl.signal.aborted) extra.push(`the time budget (${budget} ms) ran out: some answers are missing`);
    return verdictFinding(evaluations, { domain, hostname: answers.hostname, envelope, from }, extra);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** What `check delivery` gives every check (src/delivery/index.ts DeliveryContext has these and more). */
export interface VerdictTarget {
  answers: Answers;
  platform: Platform;
  host: Host;
  /** `--nameserver` as given. */
  nameservers?: readonly string[];
  /** The run's common time budget. */
  signal: AbortSignal;
}

/** The verdict as one of `check delivery`'s checks: `{ id, run(ctx) }`; `from` for --from. */
export function verdictDeliveryCheck(options: { from?: string } = {}): { id: 'verdict'; sendsMail: true; run(ctx: VerdictTarget): Promise<VerdictResult> } {
  return {
    id: 'verdict',
    sendsMail: true,
    run: (ctx) => {
      const opts: VerdictOptions = { host: ctx.host, platform: ctx.platform, answers: ctx.answers, signal: ctx.signal };
      if (ctx.nameservers !== undefined) opts.nameservers = ctx.nameservers;
      if (options.from !== undefined) opts.from = options.from;
      return verdictCheck(opts);
    },
  };
}
