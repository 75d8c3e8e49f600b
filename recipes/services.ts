/**
 * The daemons: enabled at boot, running, restarted when this run changed their configuration; then
 * proved from the outside in: Redis answers PONG, SMTP greets on 25 and 587, TLS on 465/587/993
 * shows a certificate for the host name. The connections are made by the Host (host.connect), from
 * the box itself, not from the wizard's process.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { describeFailure } from '../src/host/host.js';
import type { Daemon } from '../src/platform/types.js';
import { daemonAge } from './lib/daemon-age.js';
import { daemonEnabled, daemonRunning } from './lib/daemon-state.js';

/** In start order: Redis before Rspamd, both before smtpd (its filter), Dovecot before smtpd (LMTP). */
const DAEMONS: Daemon[] = ['redis', 'rspamd', 'dovecot', 'smtpd'];

/** Which steps' changes need which daemon restarted. */
const RESTART_AFTER: Record<Daemon, string[]> = {
  redis: ['redis'],
  rspamd: ['rspamd', 'dkim', 'redis'], // redis: its socket, and rspamd's group to reach it
  dovecot: ['dovecot', 'tls', 'users'],
  smtpd: ['smtpd', 'aliases', 'tls'],
  httpd: [],
};

/** Rspamd's first start compiles its rules: on a busy 2-core box that took over a minute. */
const SERVICE_TIMEOUT_MS = 180_000;

interface DaemonState {
  daemon: Daemon;
  enabled: boolean;
  running: boolean;
  /** Running, but started before its newest config file or certificate. */
  stale: boolean;
}

async function probeDaemons(ctx: Context): Promise<DaemonState[]> {
  const states: DaemonState[] = [];
  for (const daemon of DAEMONS) {
    const running = (await daemonRunning(ctx, daemon)).ok;
    states.push({ daemon, enabled: await daemonEnabled(ctx, daemon), running, stale: running && (await daemonAge(ctx, daemon)).stale });
  }
  return states;
}

export const servicesStep: Step<DaemonState[]> = {
  id: 'services',
  title: 'Services enabled and started',
  why: 'Starts Redis, Rspamd, Dovecot and OpenSMTPD now and at every boot, with the new configuration.',
  needs: ['smtpd', 'dovecot', 'redis', 'rspamd'],
  takesUpChanges: [...new Set(Object.values(RESTART_AFTER).flat())],
  probe: probeDaemons,
  plan(ctx, states) {
    const actions: Action[] = [];
    const service = (daemon: Daemon, op: 'enable' | 'start' | 'restart'): Action => ({
      type: 'service',
      name: ctx.platform.services[daemon],
      op,
      argv: ctx.platform.service(daemon, op, ctx.facts),
      timeoutMs: SERVICE_TIMEOUT_MS,
    });
    for (const { daemon, enabled, running, stale } of states) {
      if (!enabled) actions.push(service(daemon, 'enable'));
      if (!running) actions.push(service(daemon, 'start'));
      else if (stale || RESTART_AFTER[daemon].some((id) => ctx.changed.has(id))) {
        for (const { op, argv } of ctx.platform.restart(daemon, ctx.facts)) {
          actions.push({ type: 'service', name: ctx.platform.services[daemon], op, argv, timeoutMs: SERVICE_TIMEOUT_MS });
        }
      }
    }
    return actions.length ? { actions } : { actions, reason: 'all daemons are enabled and running with the current configuration' };
  },
  verify: verifyServices,
};

const SETTLE_MS = 20_000;

/**
 * Daemons take a moment after start (pid files, sockets, rspamd's first start): when this run
 * started one (the services step, or a package install that starts them), retry until they pass.
 * Otherwise look once: a daemon nobody started will not come up by waiting (repair's first look).
 */
function verifyServices(ctx: Context): Promise<Finding[]> {
  const startedNow = ctx.changed.has('services') || ctx.changed.has('packages');
  return startedNow ? eventually(() => checkServices(ctx)) : checkServices(ctx);
}

async function checkServices(ctx: Context): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const daemon of DAEMONS) {
    const name = ctx.platform.services[daemon];
    const running = await daemonRunning(ctx, daemon);
    if (running.ok) {
      findings.push({ status: 'pass', check: `services.${daemon}`, summary: `${name} is running`, evidence: running.evidence });
      findings.push(await currentConfigFinding(ctx, daemon));
    } else {
      findings.push({
        status: 'fail',
        check: `services.${daemon}`,
        summary: `${name} is not running`,
        evidence: running.evidence,
        fix: `Start it (${ctx.platform.service(daemon, 'start', ctx.facts).join(' ')}) and read its log for the reason.`,
      });
    }
    if (!(await daemonEnabled(ctx, daemon))) {
      findings.push({ status: 'warn', check: `services.${daemon}-enabled`, summary: `${name} does not start at boot`, fix: ctx.platform.service(daemon, 'enable', ctx.facts).join(' ') });
    }
  }
  if (ctx.host.kind === 'recorder') return findings;
  findings.push(await redisPing(ctx));
  findings.push(...(await listenChecks(ctx)));
  return findings;
}

/** A daemon that started before its newest file still serves the old configuration: restart it. */
async function currentConfigFinding(ctx: Context, daemon: Daemon): Promise<Finding> {
  const name = ctx.platform.services[daemon];
  const age = await daemonAge(ctx, daemon);
  if (!age.stale) return { status: 'pass', check: `services.${daemon}-current`, summary: `${name} runs its current configuration`, evidence: age.evidence };
  return {
    status: 'fail',
    check: `services.${daemon}-current`,
    summary: `${name} runs an older configuration than the one on disk`,
    evidence: age.evidence,
    fix: `Restart it (${ctx.platform.restart(daemon, ctx.facts).map((c) => c.argv.join(' ')).join('; ')}); \`mail-wizard repair\` does.`,
  };
}

async function redisPing(ctx: Context): Promise<Finding> {
  const socket = ctx.platform.paths.redisSocket;
  const argv = [ctx.platform.bin.redisCli, '-s', socket, 'ping'];
  const result = await ctx.host.run(argv, { timeoutMs: 10_000, readOnly: true });
  if (result.exitCode === 0 && result.stdout.trim() === 'PONG') return { status: 'pass', check: 'services.redis-ping', summary: `Redis answers PONG on ${socket}` };
  return {
    status: 'fail',
    check: 'services.redis-ping',
    summary: `Redis does not answer on ${socket}`,
    evidence: result.stdout.trim() || describeFailure(result),
    fix: `Check ${ctx.platform.paths.redisConf} (unixsocket ${socket}) and Redis's log.`,
  };
}

const TLS_PORTS: { port: number; protocol: 'smtp' | 'imap'; tls: 'implicit' | 'starttls'; what: string }[] = [
  { port: 465, protocol: 'smtp', tls: 'implicit', what: 'SMTP submission (TLS)' },
  { port: 587, protocol: 'smtp', tls: 'starttls', what: 'SMTP submission (STARTTLS)' },
  { port: 993, protocol: 'imap', tls: 'implicit', what: 'IMAP (TLS)' },
];

async function listenChecks(ctx: Context): Promise<Finding[]> {
  const host = ctx.answers.hostname;
  const findings: Finding[] = [];
  findings.push(...(await Promise.all([25, 587].map((port) => smtpGreeting(ctx, port)))));
  for (const { port, protocol, tls: mode, what } of TLS_PORTS) {
    const r = await ctx.host.connect({ host: '127.0.0.1', port, protocol, tls: mode, servername: host, timeoutMs: 8000 });
    // node:crypto loads when a live server is verified, not for a plan.
    const { certificateNames } = await import('../src/net/tls-probe.js');
    const names = r.ok && r.tls?.chain[0] ? certificateNames(r.tls.chain[0], host) : null;
    const leaf = names && { namesHost: names.namesHost, names: `${names.subject}; ${names.altNames}` };
    if (!r.ok || !r.tls || !leaf) {
      findings.push({ status: 'fail', check: `services.tls-${port}`, summary: `no TLS on port ${port} (${what})`, evidence: r.error ?? 'no certificate shown', fix: 'Check the daemon on that port and its certificate paths.' });
    } else if (!leaf.namesHost) {
      findings.push({ status: 'fail', check: `services.tls-${port}`, summary: `the certificate on port ${port} does not name ${host}`, evidence: leaf.names, fix: 'Point the daemon at the certificate for the host name.' });
    } else {
      findings.push({ status: 'pass', check: `services.tls-${port}`, summary: `${what}: ${r.tls.protocol}, certificate for ${host}` });
    }
  }
  return findings;
}

/** A working smtpd greets a local client at once. */
const GREETING_MS = 10_000;
/**
 * How long to wait when the resolver does not answer: smtpd greets only after its reverse lookup of
 * the client (and the forward check of the name it got), each waiting out the resolver's time-outs.
 */
const DNS_GREETING_MS = 120_000;

/** The greeting on `port`, telling "not running" from "slow because DNS" from "silent". */
async function smtpGreeting(ctx: Context, port: number): Promise<Finding> {
  const check = `services.smtp-${port}`;
  const greet = (timeoutMs: number) => ctx.host.connect({ host: '127.0.0.1', port, protocol: 'smtp', timeoutMs });
  const first = await greet(GREETING_MS);
  if (first.ok) return { status: 'pass', check, summary: `SMTP greets on port ${port}`, evidence: first.greeting ?? '' };
  if (!first.connected) {
    return { status: 'fail', check, summary: `nothing answers on port ${port}: smtpd is not listening`, evidence: first.error, fix: `Start smtpd (${ctx.platform.service('smtpd', 'start', ctx.facts).join(' ')}); smtpd -dv shows why it does not start.` };
  }
  const { silentResolver } = await import('../src/diagnose/resolver.js');
  const dns = await silentResolver(ctx);
  if (!dns) {
    return { status: 'fail', check, summary: `port ${port} accepts connections but sends no SMTP greeting`, evidence: first.error, fix: 'See which program listens there and read smtpd\'s log.' };
  }
  const late = await greet(DNS_GREETING_MS);
  const cause = `${dns.cause} smtpd greets a client only after looking up the client's name, so it waits out the resolver's time-outs first.`;
  if (late.ok) {
    const seconds = Math.round(late.elapsedMs / 1000);
    return { status: 'fail', check, summary: `SMTP greets on port ${port} only after ${seconds} s: smtpd runs, and waits on DNS`, evidence: `${late.greeting} (after ${seconds} s)`, cause, fix: dns.fix };
  }
  return { status: 'fail', check, summary: `no SMTP greeting on port ${port} within ${DNS_GREETING_MS / 1000} s`, evidence: late.error, cause, fix: dns.fix };
}

async function eventually(check: () => Promise<Finding[]>): Promise<Finding[]> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const findings = await check();
    if (!findings.some((f) => f.status === 'fail') || Date.now() > deadline) return findings;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
