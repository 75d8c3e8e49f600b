/**
 * The step contract (see design.md): probe → plan → apply → verify. Actions are data, so that they
 * can be shown, diffed, exported as shell, recorded and replayed; findings say what was seen and
 * what to do.
 */
import type { Answers } from '../answers/schema.js';
import type { Host } from '../host/host.js';
import type { Platform } from '../platform/types.js';
import type { RunState } from './journal.js';

export type Mode = 'setup' | 'repair' | 'dry-run';

export interface FileMeta {
  mode: number;
  owner?: string;
  group?: string;
}

/** Write a whole file atomically; the previous one is backed up first. */
export interface WriteFileAction extends FileMeta {
  type: 'writeFile';
  path: string;
  content: string;
  /** Show the diff outside a dry-run too (a config rewritten for an upgraded daemon's grammar). */
  showDiff?: boolean;
}

export interface MkdirAction extends FileMeta {
  type: 'mkdir';
  path: string;
}

/** Run a command: argv, never a shell string. `input` is fed to stdin. */
export interface RunAction {
  type: 'run';
  argv: string[];
  timeoutMs: number;
  input?: string;
  /**
   * The input is a secret (a password): it is fed to the command and shown nowhere else. Events,
   * plans, shell export and the run state carry SECRET_INPUT in its place (engine/redact.ts).
   */
  secret?: boolean;
  env?: Record<string, string>;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: number[];
  /** Text the output must contain, each piece, for success (a ruleset read back from the kernel). */
  expectOutput?: string[];
}

/** Enable/start/restart a daemon; argv is the platform's command for it, so what is shown is what runs. */
export interface ServiceAction {
  type: 'service';
  name: string;
  op: 'enable' | 'start' | 'stop' | 'restart' | 'reload';
  argv: string[];
  timeoutMs: number;
}

export interface PackagesAction {
  type: 'packages';
  names: string[];
  /** Installed packages this install removes (a conflicting MTA): asked about, never implied by --yes. */
  removes?: string[];
  argv: string[];
  env?: Record<string, string>;
  timeoutMs: number;
}

export interface UserAction {
  type: 'user';
  name: string;
  argv: string[];
  timeoutMs: number;
}

/** A private RSA key made in-process (node-forge); its bytes never appear in a plan or a log. */
export interface KeyAction extends FileMeta {
  type: 'generateKey';
  path: string;
  bits: number;
  /** Where the public half goes (PEM, world-readable), when wanted. */
  publicPath?: string;
}

/** A self-signed certificate for the host name, signed with the key at keyPath (made if missing). */
export interface CertAction {
  type: 'selfSignedCert';
  certPath: string;
  keyPath: string;
  hostname: string;
  altNames: string[];
  days: number;
}

/**
 * Ask the admin to keep what was just done, within a deadline ("confirm or revert": a firewall that
 * may have cut the admin's way in). No answer in time, or "no", fails the step; --yes keeps it.
 */
export interface ConfirmAction {
  type: 'confirm';
  question: string;
  timeoutMs: number;
}

/** Something only the admin can do elsewhere (publish DNS records, ask for a PTR). */
export interface ManualAction {
  type: 'manual';
  title: string;
  lines: string[];
}

export type Action =
  | WriteFileAction
  | MkdirAction
  | RunAction
  | ServiceAction
  | PackagesAction
  | UserAction
  | KeyAction
  | CertAction
  | ConfirmAction
  | ManualAction;

export interface Plan {
  actions: Action[];
  /** When there is nothing to do: why, in one line ("smtpd.conf is already as wanted"). */
  reason?: string;
}

export type FindingStatus = 'pass' | 'warn' | 'fail';

export interface Finding {
  status: FindingStatus;
  /** Stable id of the check, e.g. "smtpd.config". */
  check: string;
  summary: string;
  /** What was seen: the tool's own output line, a file mode, a DNS answer. */
  evidence?: string;
  /** What to do about it, in plain words. */
  fix?: string;
  /** The likely cause, named by the catalogue of known causes (src/diagnose) when it found one. */
  cause?: string;
}

/** Facts about the target host that the probes found (versions, service manager). */
export interface Facts {
  dovecotVersion?: string;
  smtpdVersion?: string;
  serviceManager?: 'rcctl' | 'systemctl' | 'service';
}

export interface Context {
  answers: Answers;
  platform: Platform;
  host: Host;
  mode: Mode;
  facts: Facts;
  /**
   * Ids of steps that changed something whose daemons have not been restarted since: in this run,
   * and (from the run state) in an earlier run that stopped before the services step.
   */
  changed: Set<string>;
  /** The run state on disk: what runs changed and still owe, and the files mail-wizard wrote. */
  state: RunState;
  /** A token unique to this run (mail test subject); fixed in tests so snapshots are stable. */
  runId: string;
  dns: DnsSettings;
  /** Installed packages an install may remove: those named with --allow-remove, or asked about. */
  removals: RemovalPolicy;
  /**
   * Passwords to set, by user (typed at the prompt or read with --password-stdin): in memory only,
   * planned as secret inputs, never written anywhere.
   */
  passwords?: ReadonlyMap<string, string>;
}

export interface RemovalPolicy {
  /** Named with --allow-remove NAME. */
  allowed: string[];
  /** A person is there to ask (a terminal, no --yes): the step may plan a removal and ask. */
  ask: boolean;
}

export interface DnsSettings {
  /** HOST[:PORT] to ask instead of the domain's own authoritative servers (--nameserver). */
  nameservers: string[];
  /** No DNS questions at all (the demo: example.org is not ours to ask about). */
  offline: boolean;
}

export interface Step<P = unknown> {
  id: string;
  title: string;
  /** One line a person reads in the checklist: why this step exists. */
  why: string;
  /** Step ids that must have passed before this one runs. */
  needs?: string[];
  /**
   * Step ids whose changes this step puts into effect (the services step restarts their daemons):
   * the run state keeps such a change, across runs, until this step has applied its actions.
   */
  takesUpChanges?: string[];
  /** Read-only look at the host. */
  probe(ctx: Context): Promise<P>;
  /** Pure: what to do, given what the probe saw. Empty actions = already done. */
  plan(ctx: Context, probed: P): Plan;
  /** Read-only: does it work? */
  verify(ctx: Context): Promise<Finding[]>;
}

// Steps are heterogeneous in their probe type; the runner only passes each probe result back to its own plan.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = Step<any>;
