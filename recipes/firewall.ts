/**
 * The packet filter: SSH (on the admin's real ports), the mail ports and 80 for ACME in. Our rules
 * live in a table (nftables) or an anchor (pf) of their own; the system's firewall file gets one
 * marked block that loads them at boot. Loading is "confirm or revert": before the new rules go in,
 * a detached timer is armed that restores the previous ones; the timer is stopped only after the
 * loaded ruleset was read back and lets in every SSH port (this session's included) and, in a
 * terminal without --yes, the admin answered "keep" in time. If the wizard dies on the way (its
 * session cut) or nobody answers, the timer puts the old rules back.
 */
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { listenersFromNetstat, listenersFromSs } from '../src/platform/listeners.js';
import { portsFromSshdConfig, portsFromSshdT, sessionSshPort } from '../src/platform/sshd.js';
import { planFiles, probeFiles, verifyFiles, type FileState, type ManagedFile } from './lib/managed-files.js';
import { runToolCheck } from './lib/tool-check.js';
import {
  DEFAULT_SSH,
  hasFirewallBlock,
  loadedMarks,
  openPorts,
  pfConfIsOurs,
  renderNftRevert,
  renderNftRules,
  renderPfAnchor,
  renderPfWhole,
  withFirewallBlock,
  type OpenPort,
} from './templates/firewall.js';

/** How long a loaded ruleset stays without being confirmed before the previous one comes back. */
export const REVERT_AFTER_SECONDS = 120;
/** How long the admin has to say "keep": well before the timer fires, so a late yes cannot race it. */
const KEEP_ASK_MS = 90_000;

/** sshd's ports: what `sshd -T` says (else sshd_config's Port lines), and this session's port. */
export async function sshPorts(ctx: Context): Promise<OpenPort[]> {
  const found: OpenPort[] = [];
  const t = await ctx.host.run(['/usr/sbin/sshd', '-T'], { timeoutMs: 20_000, readOnly: true });
  if (t.exitCode === 0) {
    for (const port of portsFromSshdT(t.stdout)) found.push({ port, why: 'SSH (sshd -T)' });
  } else {
    const config = await ctx.host.readFile(ctx.platform.paths.sshdConfig);
    for (const port of portsFromSshdConfig(config ?? '')) found.push({ port, why: `SSH (${ctx.platform.paths.sshdConfig})` });
  }
  // The session the wizard runs in belongs to this box only when the wizard works on it for real
  // (not on files under --root, not a dry-run's plan).
  const session = ctx.host.kind === 'local' ? sessionSshPort() : null;
  if (session !== null && !found.some((p) => p.port === session)) found.push({ port: session, why: 'SSH (the session this wizard runs in)' });
  return found.length ? found : DEFAULT_SSH;
}

/**
 * TCP services listening on a public address now (a website, a VPN's web panel): they stay
 * reachable, as they were before. Our table's accept cannot undo another table's drop, so a port
 * the admin closed elsewhere stays closed.
 */
export async function listeningPorts(ctx: Context): Promise<OpenPort[]> {
  const debian = ctx.platform.name === 'debian';
  const argv = debian ? ['ss', '-Hltnp'] : ['netstat', '-an', '-p', 'tcp'];
  const r = await ctx.host.run(argv, { timeoutMs: 20_000, readOnly: true });
  if (r.exitCode !== 0) return [];
  const found = debian ? listenersFromSs(r.stdout) : listenersFromNetstat(r.stdout);
  return found.map((l) => ({ port: l.port, why: `listening now${l.program ? ` (${l.program})` : ''}: kept reachable` }));
}

interface FirewallProbe {
  ssh: OpenPort[];
  /** Other services listening on a public address now: kept reachable (not required by verify). */
  listening: OpenPort[];
  /** pf.conf is stock (or ours): the rules are the whole pf.conf, not an anchor. */
  whole: boolean;
  files: FileState[];
  /** The loaded mail rules now (null: none loaded). */
  loaded: string | null;
  /** The system's firewall file as it is now, and its mode (a file of the admin's keeps it). */
  mainNow: string | null;
  mainMode: number | null;
  /** Debian with systemd: whether nftables.service loads the rules at boot (null: not applicable). */
  bootEnabled: boolean | null;
}

function rulesFiles(ctx: Context, probe: Pick<FirewallProbe, 'ssh' | 'listening' | 'whole' | 'mainNow' | 'mainMode'>): ManagedFile[] {
  const { platform } = ctx;
  const shared = (mode: number) => probe.mainMode ?? mode;
  if (platform.name === 'openbsd') {
    if (probe.whole) return [{ path: platform.paths.firewallConf, content: renderPfWhole(ctx, probe.ssh, probe.listening), mode: 0o600, owner: 'root' }];
    return [
      { path: platform.paths.firewallRules, content: renderPfAnchor(ctx, probe.ssh, probe.listening), mode: 0o600, owner: 'root' },
      { path: platform.paths.firewallConf, content: withFirewallBlock(platform, probe.mainNow), mode: shared(0o600), owner: 'root', shared: true },
    ];
  }
  return [
    { path: platform.paths.firewallRules, content: renderNftRules(ctx, probe.ssh, probe.listening), mode: 0o644, owner: 'root' },
    { path: platform.paths.firewallConf, content: withFirewallBlock(platform, probe.mainNow), mode: shared(0o755), owner: 'root', shared: true },
  ];
}

async function listLoaded(ctx: Context, whole: boolean): Promise<string | null> {
  const r = await ctx.host.run(ctx.platform.firewallLoaded(whole), { timeoutMs: 20_000, readOnly: true });
  return r.exitCode === 0 ? r.stdout : null;
}

function bootCheck(ctx: Context): string[] | null {
  return ctx.platform.name === 'debian' && ctx.facts.serviceManager === 'systemctl' ? ['systemctl', 'is-enabled', '--quiet', 'nftables.service'] : null;
}

async function probeFirewall(ctx: Context): Promise<FirewallProbe> {
  const ssh = await sshPorts(ctx);
  const listening = await listeningPorts(ctx);
  const mainNow = await ctx.host.readFile(ctx.platform.paths.firewallConf);
  const whole = ctx.platform.name === 'openbsd' && pfConfIsOurs(mainNow, ctx.platform);
  const mainMode = whole || mainNow === null ? null : ((await ctx.host.stat(ctx.platform.paths.firewallConf))?.mode ?? null);
  const files = await probeFiles(ctx, rulesFiles(ctx, { ssh, listening, whole, mainNow, mainMode }));
  const loaded = await listLoaded(ctx, whole);
  const boot = bootCheck(ctx);
  const bootEnabled = boot ? (await ctx.host.run(boot, { timeoutMs: 20_000, readOnly: true })).exitCode === 0 : null;
  return { ssh, listening, whole, files, loaded, mainNow, mainMode, bootEnabled };
}

function missingMarks(loaded: string | null, marks: string[]): string[] {
  return loaded === null ? marks : marks.filter((m) => !loaded.includes(m));
}

/** Arms the revert timer: a detached `sleep N && load REVERT` that survives the wizard's session. */
function armRevert(ctx: Context): Action {
  const { platform } = ctx;
  return {
    type: 'run',
    // A fixed script; the pid file, delay and command come in as arguments, never inside the script.
    argv: [
      'sh',
      '-c',
      // The timer ignores the hangup of a closing session; a TERM (the keep) ends it and its sleep.
      'pidfile=$1 delay=$2; shift 2; (trap "" HUP; sleep "$delay" & s=$!; trap "kill $s; exit 0" TERM; wait $s && exec "$@") </dev/null >/dev/null 2>&1 & echo $! > "$pidfile"',
      'mail-wizard-firewall-revert',
      `${platform.paths.firewallRevert}.pid`,
      String(REVERT_AFTER_SECONDS),
      ...platform.firewallLoad(platform.paths.firewallRevert),
    ],
    timeoutMs: 10_000,
  };
}

/** Stops a revert timer an interrupted run left armed, if there is one (never fails). */
function stopEarlierRevert(ctx: Context): Action {
  return {
    type: 'run',
    argv: ['sh', '-c', '[ ! -f "$1" ] || { kill "$(cat "$1")" 2>/dev/null; rm -f "$1"; }', 'mail-wizard-firewall-stop-earlier', `${ctx.platform.paths.firewallRevert}.pid`],
    timeoutMs: 10_000,
  };
}

/** Stops the revert timer; fails when it is gone (it already put the old rules back). */
function disarmRevert(ctx: Context): Action {
  return {
    type: 'run',
    argv: ['sh', '-c', 'kill "$(cat "$1")" && rm -f "$1"', 'mail-wizard-firewall-keep', `${ctx.platform.paths.firewallRevert}.pid`],
    timeoutMs: 10_000,
  };
}

export const firewallStep: Step<FirewallProbe> = {
  id: 'firewall',
  title: 'Firewall',
  why: 'Opens exactly the ports mail needs (and SSH), in rules of its own; other rules stay as they are.',
  needs: ['packages'],
  probe: probeFirewall,
  plan(ctx, probe) {
    const { platform } = ctx;
    // What must be open (SSH, mail), and what is loaded (those and the services kept reachable).
    const ports = openPorts(ctx, probe.ssh);
    const all = openPorts(ctx, probe.ssh, probe.listening);
    const writes = planFiles(probe.files);
    const notLoaded = missingMarks(probe.loaded, loadedMarks(platform, ports)).length > 0;
    const actions: Action[] = [];
    // An earlier run stopped inside this step (run state): its revert timer may still be armed and
    // would put the old rules back later. Stop it, and load and confirm again.
    const interrupted = ctx.state.unfinished.includes('firewall');
    if (interrupted) actions.push(stopEarlierRevert(ctx));
    if (writes.length || notLoaded || interrupted) {
      // What to go back to: our previous table (Debian), the previous pf.conf (OpenBSD).
      const revert = platform.name === 'openbsd' ? (probe.mainNow ?? 'pass\n') : renderNftRevert(probe.loaded);
      const load = probe.whole || platform.name === 'openbsd' ? platform.paths.firewallConf : platform.paths.firewallRules;
      actions.push(
        ...writes,
        { type: 'writeFile', path: platform.paths.firewallRevert, content: revert, mode: 0o600, owner: 'root' },
        // Load only what parses: the check reads the system's file, our rules included, as a boot would.
        { type: 'run', argv: platform.firewallCheck(platform.paths.firewallConf), timeoutMs: 30_000 },
        armRevert(ctx),
        { type: 'run', argv: platform.firewallLoad(load), timeoutMs: 30_000 },
        // Read the rules back from the kernel: every SSH port must be open before the timer stops.
        { type: 'run', argv: platform.firewallLoaded(probe.whole), timeoutMs: 30_000, expectOutput: loadedMarks(platform, all) },
        // In a terminal without --yes, the admin says whose connection still works; a cut session
        // cannot answer, and then the timer brings the previous rules back.
        {
          type: 'confirm',
          question: `The new firewall rules are loaded (SSH open on ${probe.ssh.map((p) => p.port).join(', ')}). Can you still reach this box (try a new SSH connection)? Keep them?`,
          timeoutMs: KEEP_ASK_MS,
        },
        disarmRevert(ctx),
      );
    }
    if (probe.bootEnabled === false) {
      actions.push({ type: 'service', name: 'nftables', op: 'enable', argv: ['systemctl', 'enable', 'nftables.service'], timeoutMs: 30_000 });
    }
    if (actions.length === 0) return { actions, reason: 'the firewall rules are loaded and as wanted' };
    return { actions };
  },
  async verify(ctx) {
    const { platform } = ctx;
    const probe = await probeFirewall(ctx);
    const findings: Finding[] = await verifyFiles(ctx, 'firewall.files', rulesFiles(ctx, probe).filter((f) => f.path !== platform.paths.firewallConf || probe.whole));
    if (!probe.whole) {
      findings.push(
        hasFirewallBlock(platform, probe.mainNow)
          ? { status: 'pass', check: 'firewall.include', summary: `${platform.paths.firewallConf} loads ${platform.paths.firewallRules}` }
          : {
              status: 'fail',
              check: 'firewall.include',
              summary: `${platform.paths.firewallConf} does not load ${platform.paths.firewallRules}: the mail rules would be gone after a reboot`,
              evidence: probe.mainNow === null ? `no file at ${platform.paths.firewallConf}` : 'the mail-wizard block is missing or changed',
              fix: 'Run `mail-wizard repair` to add the block again (the rest of the file stays as it is).',
            },
      );
    }
    findings.push(
      await runToolCheck(ctx, {
        check: 'firewall.config',
        argv: platform.firewallCheck(platform.paths.firewallConf),
        pass: 'the firewall rules parse',
        fail: 'the firewall rejects its rules',
        fix: `Read the line named above in ${platform.paths.firewallConf} or ${platform.paths.firewallRules}.`,
      }),
    );
    const ports = openPorts(ctx, probe.ssh);
    const missing = missingMarks(probe.loaded, loadedMarks(platform, ports));
    const listing = platform.firewallLoaded(probe.whole).join(' ');
    findings.push(
      missing.length === 0
        ? { status: 'pass', check: 'firewall.loaded', summary: `the loaded rules open ${ports.map((p) => p.port).join(', ')}`, evidence: `${listing}: exit 0` }
        : {
            status: 'fail',
            check: 'firewall.loaded',
            summary: probe.loaded === null ? 'the mail firewall rules are not loaded' : `the loaded rules lack: ${missing.join('; ')}`,
            evidence: listing,
            fix: 'Run `mail-wizard repair` to load them.',
          },
    );
    const boot = bootCheck(ctx);
    if (boot) {
      findings.push(
        probe.bootEnabled
          ? { status: 'pass', check: 'firewall.boot', summary: 'nftables.service loads the rules at boot' }
          : { status: 'fail', check: 'firewall.boot', summary: 'nftables.service is not enabled: the rules are gone after a reboot', evidence: `${boot.join(' ')}: not enabled`, fix: 'Run `systemctl enable nftables.service`.' },
      );
    } else if (platform.name === 'debian') {
      findings.push({
        status: 'warn',
        check: 'firewall.boot',
        summary: `no systemd here: nothing loads ${platform.paths.firewallConf} at boot`,
        fix: `Load it from your boot scripts (\`nft -f ${platform.paths.firewallConf}\`), or the box boots without the mail rules.`,
      });
    }
    return findings;
  },
};
