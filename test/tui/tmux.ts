/**
 * A real terminal for the TUI tests: a private tmux server (its own socket, in a temp dir, and its own config), 80×24
 * panes without a status line, panes that stay after their program exits (to read the last frame
 * and the exit status). Keys go in with send-keys; the screen comes out with capture-pane.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class Tmux {
  /** Holds the server's socket, its config and the exit statuses; removed by kill(). */
  private dir = '';

  private async tmux(...args: string[]): Promise<string> {
    const r = await execa('tmux', ['-S', path.join(this.dir, 'socket'), '-f', path.join(this.dir, 'tmux.conf'), ...args], { reject: false });
    if (r.exitCode !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /**
   * Runs argv in a new 80×24 session; CI is unset so that Ink draws every frame, not only the last.
   * The exit status goes to a file: tmux's #{pane_dead_status} is not always filled in.
   */
  async start(session: string, argv: string[], cwd: string): Promise<void> {
    if (!this.dir) {
      this.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tmux-tui-'));
      await fs.writeFile(path.join(this.dir, 'tmux.conf'), 'set -g status off\nset -g remain-on-exit on\nset -g history-limit 2000\n');
    }
    const program = ['env', '-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION', 'TERM=xterm-256color', ...argv].map(quote).join(' ');
    await this.tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', session, '-c', cwd, `${program}; echo $? > ${quote(this.statusFile(session))}`);
  }

  private statusFile(session: string): string {
    return path.join(this.dir, `${session}.status`);
  }

  async keys(session: string, ...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', session, ...keys);
  }

  /** The screen; `joined`: lines the terminal wrapped come back whole; `escapes`: with its colours. */
  async capture(session: string, joined = false, escapes = false): Promise<string> {
    return this.tmux('capture-pane', '-p', ...(joined ? ['-J'] : []), ...(escapes ? ['-e'] : []), '-t', session);
  }

  /**
   * The last frame a program left, from the history too: tmux's own "Pane is dead" line may scroll
   * the screen by one after the exit. The frame starts at its header ("mail-wizard …").
   */
  async lastFrame(session: string, normalise: (s: string) => string): Promise<string> {
    // -J: lines the terminal wrapped softly (long zone records) come back whole, as they are copied.
    const all = normalise(await this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session));
    // The header line ("mail-wizard setup · debian …"), not a command in the report that starts alike.
    const headers = [...all.matchAll(/^mail-wizard [^\n]* · [^\n]*$/gm)];
    return all.slice(headers.at(-1)?.index ?? 0);
  }

  /** The pane's exit status once its program has ended, else null. */
  async exitStatus(session: string): Promise<number | null> {
    const text = await fs.readFile(this.statusFile(session), 'utf8').catch(() => '');
    return text.trim() === '' ? null : Number(text.trim());
  }

  /**
   * Waits until the screen matches and holds still (two equal captures after `normalise`, which
   * hides what moves on its own: spinners, elapsed times). Returns the normalised screen.
   */
  async waitFor(session: string, pattern: RegExp, normalise: (s: string) => string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const screen = normalise(await this.capture(session));
      if (pattern.test(screen) && screen === last) return screen;
      last = pattern.test(screen) ? screen : '';
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on the screen:\n${screen}`);
      await sleep(pattern.test(screen) ? 150 : 50);
    }
  }

  /** Selects the checklist row with `title` (↓ until the pointer is on it, one redraw at a time). */
  async select(session: string, title: string, normalise: (s: string) => string): Promise<void> {
    const at = (s: string) => s.split('\n').some((l) => l.startsWith('›') && l.includes(title));
    for (let i = 0; i < 30; i++) {
      const before = normalise(await this.capture(session));
      if (at(before)) return;
      await this.keys(session, 'Down');
      // Wait for the redraw (a state): pressing again before it would skip a row on a busy machine.
      const deadline = Date.now() + 15_000;
      while (normalise(await this.capture(session)) === before && Date.now() < deadline) await sleep(25);
    }
    throw new Error(`no checklist row "${title}"`);
  }

  async waitForExit(session: string, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.exitStatus(session);
      if (status !== null) return status;
      if (Date.now() > deadline) throw new Error(`${session} did not exit:\n${await this.capture(session)}`);
      await sleep(50);
    }
  }

  async kill(): Promise<void> {
    if (!this.dir) return;
    await execa('tmux', ['-S', path.join(this.dir, 'socket'), 'kill-server'], { reject: false });
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Screens as snapshots: elapsed times, spinners, temp paths and tmux's clock masked; same width kept. */
export function maskScreen(screen: string, roots: readonly string[] = []): string {
  let s = screen;
  for (const root of roots) s = s.split(root).join('<root>');
  return s
    .replace(/ *\b(?:\d+m\d{2}s|\d+\.\d+s|\d+s)(?=[\s.,)]|$)/gm, (m) => `${' '.repeat(Math.max(1, m.length - 4))}#.#s`.slice(-Math.max(m.length, 5)))
    .replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/g, '⠿')
    // tmux may or may not print its own line under a dead pane.
    .replace(/^Pane is dead.*$/m, '')
    // The header's right part moves when the elapsed time changes width ("9.9s" → "10s"): realign it.
    .replace(/^(.*?) {2,}(\d+\/\d+ steps.*)$/m, (_, left: string, right: string) => `${left.padEnd(Math.max(left.length + 2, 80 - right.length))}${right}`)
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '\n');
}
