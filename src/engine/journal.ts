/**
 * The run state on disk: what runs have changed and what is still owed, written down BEFORE it is
 * done, the way dpkg marks a package half-configured before configuring it (and `dpkg --configure
 * -a` finishes it). A later setup or repair reads it, finishes what is owed, then clears it; so a
 * run that is quit, crashes or is killed at any point leaves nothing the next run cannot see.
 *
 *   unfinished  steps whose actions started and did not all complete: their tail (loading the
 *               firewall, compiling sieve scripts) is owed even when their files are already right
 *   changed     steps whose changes no daemon has taken up yet (of those a later step takes up:
 *               the services step restarts their daemons)
 *   written     each file mail-wizard wrote, with the sha256 of what it wrote: a file we never
 *               wrote is not a hand edit, and one whose hash is not ours was edited by hand
 *   pending     the sha256 of a write announced and not yet confirmed (killed after the rename,
 *               before the confirmation, the file is still ours)
 *   writing     files being written now: an interrupted run may leave their temp files behind
 *   commands    the process group of each command that changes the box, while it runs (pid and
 *               start time: a pid the system gave to another process since is never touched); a
 *               killed run's command may still run, and the next run settles it first
 *
 * The file is mail-wizard's own (the platform's stateDir), written atomically through the Host, so
 * under --root it lives inside the root; a dry-run reads it and never writes it.
 */
import { createHash } from 'node:crypto';
import type { Host } from '../host/host.js';
import type { Action, AnyStep, Finding } from './types.js';
import { ownedPart } from './owned-part.js';

const VERSION = 1;

/** A command's process group, recorded while it runs. */
export interface CommandGroup {
  /** The group's id: the pid of the command, which leads a group of its own. */
  pgid: number;
  /** The leader's start time (processStartTime), so a recycled pid is never taken for it. */
  start: string;
  /** What ran, to say so: argv, shortened. */
  command: string;
}

interface StateData {
  version: number;
  unfinished: string[];
  changed: string[];
  written: Record<string, string>;
  pending: Record<string, string>;
  writing: string[];
  commands: CommandGroup[];
  /** When a run's own start or restart of each service returned (ms since the epoch). */
  started: Record<string, number>;
}

/** The run state could not be written (a full or read-only file system, a permission): nothing after it may run. */
export class StateWriteError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`could not write ${file}: ${reason}`);
  }
}

/** Who wrote what is on disk: mail-wizard (as it last wrote it), someone after it, or never it. */
export type FileOrigin = 'ours' | 'edited' | 'never';

export function contentHash(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** What the run state keeps of a file written: the hash of the part that is ours. */
function fingerprint(content: string): string {
  return contentHash(ownedPart(content));
}

/** The paths an action writes (atomically, through the Host). */
export function pathsWritten(action: Action): string[] {
  switch (action.type) {
    case 'writeFile':
      return [action.path];
    case 'generateKey':
      return action.publicPath ? [action.path, action.publicPath] : [action.path];
    case 'selfSignedCert':
      return [action.certPath, action.keyPath];
    default:
      return [];
  }
}

const empty = (): StateData => ({ version: VERSION, unfinished: [], changed: [], written: {}, pending: {}, writing: [], commands: [], started: {} });

export class RunState {
  private saved: string;

  /** host/file null: kept in memory only (tests, contexts built by hand). */
  private constructor(
    private readonly host: Host | null,
    readonly file: string | null,
    private data: StateData,
  ) {
    this.saved = JSON.stringify(data);
  }

  static inMemory(): RunState {
    return new RunState(null, null, empty());
  }

  /** Reads the state from the host; a missing or unreadable file is an empty state (a fresh box). */
  static async load(host: Host, stateDir: string): Promise<RunState> {
    const file = `${stateDir}/state.json`;
    const text = await host.readFile(file);
    return new RunState(host, file, parse(text));
  }

  /** Steps a run started and did not finish. */
  get unfinished(): readonly string[] {
    return this.data.unfinished;
  }

  /** Steps whose changes no daemon has taken up yet. */
  get changed(): readonly string[] {
    return this.data.changed;
  }

  /** Process groups of commands a run started and did not see end (a killed run's children). */
  get commands(): readonly CommandGroup[] {
    return this.data.commands;
  }

  /** A command that changes the box is running: its group is on disk before the run waits on it. */
  async commandStarted(group: CommandGroup): Promise<void> {
    this.data.commands.push(group);
    await this.save();
  }

  /** The command ended (or its leftover was settled): it is off the record. */
  async commandEnded(pgid: number): Promise<void> {
    const before = this.data.commands.length;
    this.data.commands = this.data.commands.filter((g) => g.pgid !== pgid);
    if (this.data.commands.length !== before) await this.save();
  }

  /** When this service's last start or restart by mail-wizard returned, if one is on record. */
  startedAt(service: string): number | undefined {
    return this.data.started[service];
  }

  /**
   * Of a shared file only our blocks count (ownedPart). A record of the whole file (run states
   * before that rule) still counts as ours when the file is exactly as written then.
   */
  origin(path: string, content: string): FileOrigin {
    const recorded = [this.data.written[path], this.data.pending[path]];
    if (recorded.includes(fingerprint(content)) || recorded.includes(contentHash(content))) return 'ours';
    return this.data.written[path] === undefined ? 'never' : 'edited';
  }

  /**
   * A file already exactly as wanted is ours from now on (written by an older mail-wizard, or by
   * hand to the letter): a later edit of it is then a hand edit. Kept in memory, saved with the
   * next change of the state.
   */
  adopt(path: string, content: string): void {
    this.data.written[path] = fingerprint(content);
  }

  /** Removes temp files that interrupted writes left; returns their paths. */
  async removeLeftovers(): Promise<string[]> {
    if (!this.host || this.data.writing.length === 0) return [];
    const removed: string[] = [];
    for (const p of this.data.writing) removed.push(...(await this.host.removeWriteLeftovers(p)));
    return removed;
  }

  /**
   * Before a step's first action: the step is unfinished, its writes are announced, and (when a
   * later step takes up its changes) it is changed.
   */
  async beginStep(stepId: string, actions: Action[], owesTakeUp: boolean): Promise<void> {
    add(this.data.unfinished, stepId);
    if (owesTakeUp) add(this.data.changed, stepId);
    for (const action of actions) {
      for (const p of pathsWritten(action)) add(this.data.writing, p);
      if (action.type === 'writeFile') this.data.pending[action.path] = fingerprint(action.content);
    }
    await this.save();
  }

  /**
   * After an action: a file written is what we wrote; a service started is on record with the time,
   * which tells the daemon-age check more exactly than ps's whole seconds (recipes/lib/daemon-age.ts).
   */
  async wrote(action: Action): Promise<void> {
    if (action.type === 'service' && (action.op === 'start' || action.op === 'restart')) {
      this.data.started[action.name] = Date.now();
      await this.save();
      return;
    }
    if (action.type !== 'writeFile') return;
    this.data.written[action.path] = fingerprint(action.content);
    delete this.data.pending[action.path];
    await this.save();
  }

  /**
   * After a step applied all its actions: it is finished; a step that takes up changes (restarts
   * the daemons) clears the changes it took up.
   */
  async endStep(step: AnyStep): Promise<void> {
    remove(this.data.unfinished, step.id);
    if (this.data.unfinished.length === 0) this.data.writing = [];
    if (step.takesUpChanges) this.data.changed = this.data.changed.filter((id) => !step.takesUpChanges?.includes(id));
    await this.save();
  }

  private async save(): Promise<void> {
    const text = JSON.stringify(this.data);
    if (!this.host || !this.file || text === this.saved || this.host.kind === 'recorder') return;
    try {
      await this.host.writeFile(this.file, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 }, { backup: false });
    } catch (err) {
      // What is not on disk stays in memory: the next save that succeeds writes all of it.
      throw new StateWriteError(this.file, err instanceof Error ? err.message : String(err));
    }
    this.saved = text;
  }
}

/** A failing finding for a step an earlier run started and did not finish (repair then finishes it). */
export function unfinishedFinding(state: RunState, step: AnyStep): Finding | null {
  if (state.unfinished.includes(step.id)) {
    return {
      status: 'fail',
      check: `${step.id}.unfinished`,
      summary: 'an earlier run stopped in the middle of this step',
      evidence: `recorded in ${state.file ?? 'the run state'}`,
      fix: 'Run `mail-wizard repair`: it does this step again and finishes what is owed.',
    };
  }
  const owed = state.changed.filter((id) => step.takesUpChanges?.includes(id));
  if (owed.length > 0) {
    return {
      status: 'fail',
      check: `${step.id}.owed`,
      summary: `changes an earlier run made are not taken up by the daemons yet (${owed.join(', ')})`,
      evidence: `recorded in ${state.file ?? 'the run state'}`,
      fix: 'Run `mail-wizard repair`: it restarts the daemons those changes need.',
    };
  }
  return null;
}

function parse(text: string | null): StateData {
  if (text === null) return empty();
  try {
    const raw = JSON.parse(text) as Partial<StateData>;
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    const hashes = (v: unknown): Record<string, string> =>
      v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
    return {
      version: VERSION,
      unfinished: strings(raw.unfinished),
      changed: strings(raw.changed),
      written: hashes(raw.written),
      pending: hashes(raw.pending),
      writing: strings(raw.writing),
      commands: Array.isArray(raw.commands)
        ? raw.commands.filter(
            (g): g is CommandGroup =>
              Boolean(g) && Number.isSafeInteger(g.pgid) && g.pgid > 1 && typeof g.start === 'string' && g.start !== '' && typeof g.command === 'string',
          )
        : [],
      started: Object.fromEntries(Object.entries(raw.started && typeof raw.started === 'object' ? raw.started : {}).filter((e): e is [string, number] => Number.isFinite(e[1]))),
    };
  } catch {
    // A state we cannot read is treated as none: every step is verified anyway, and a file we
    // cannot vouch for then counts as not written by us (repair writes it, keeping a backup).
    return empty();
  }
}

function add(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

function remove(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
