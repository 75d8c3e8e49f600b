/**
 * The password prompt in a real terminal (tmux): typed twice and hidden; two different entries
 * ask again; an empty one skips. What was typed never appears on the screen, and the program took
 * exactly the password typed (its sha256, written by the fixture, matches). Setup's offer asks only
 * for the users who have no account yet.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { Tmux, tmuxAvailable } from './tmux.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(REPO, 'dist/test/tui/fixtures/password-prompt.js');
const FIRST = 'Hidden-One-71c2';
const SECOND = 'Hidden-Two-9ad4';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.runIf(tmuxAvailable())('the password prompt in tmux', () => {
  const tmux = new Tmux();
  let dir = '';
  afterAll(async () => {
    await tmux.kill();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  const same = (s: string) => s;
  /** Every screen this test saw, to look for the passwords in. */
  const seen: string[] = [];
  const screen = async (session: string, pattern: RegExp) => {
    const s = await tmux.waitFor(session, pattern, same, 30_000);
    seen.push(s);
    return s;
  };
  const type = async (session: string, text: string) => {
    await tmux.keys(session, '-l', text);
    await tmux.keys(session, 'Enter');
  };

  it('asks twice, hidden; a second entry that differs asks again; the typed password is the one taken', async () => {
    expect(existsSync(FIXTURE), 'run `npx tsc -p .` first (npm test does)').toBe(true);
    dir = await tempDir('mail-wizard-password-');
    const out = path.join(dir, 'taken');
    await tmux.start('pw', ['node', FIXTURE, 'ask', 'bob', out], REPO);
    await screen('pw', /Password for bob \(empty: set it later with passwd bob\)/);
    await type('pw', FIRST);
    await screen('pw', /Password for bob, again/);
    await type('pw', SECOND);
    await screen('pw', /The two passwords differ; once more\.[\s\S]*Password for bob \(empty/);
    await type('pw', SECOND);
    // The second time the confirmation is asked (the first one is still on the screen above).
    await screen('pw', /Password for bob, again[\s\S]*Password for bob, again/);
    await type('pw', SECOND);
    const last = await screen('pw', /prompt done/);
    expect(await tmux.waitForExit('pw', 15_000)).toBe(0);
    expect(await fs.readFile(out, 'utf8')).toBe(`${sha(SECOND)}\n`);
    // Hidden: the screen shows masks, never what was typed.
    expect(last).toMatch(/\*{5,}/);
    seen.push(await tmux.capture('pw'));
    for (const s of seen) {
      expect(s).not.toContain(FIRST);
      expect(s).not.toContain(SECOND);
    }
  }, 90_000);

  it('an empty entry skips: no password is taken', async () => {
    const out = path.join(dir, 'skipped');
    await tmux.start('skip', ['node', FIXTURE, 'ask', 'carol', out], REPO);
    await screen('skip', /Password for carol \(empty/);
    await tmux.keys('skip', 'Enter');
    await screen('skip', /prompt done/);
    expect(await tmux.waitForExit('skip', 15_000)).toBe(0);
    expect(await fs.readFile(out, 'utf8')).toBe('none\n');
  }, 60_000);

  it('setup\'s offer asks only for the users who have no account yet', async () => {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/passwd'), 'alice:x:1000:1000::/home/alice:/bin/sh\n');
    const out = path.join(dir, 'offered');
    await tmux.start('offer', ['node', FIXTURE, 'offer', root, out, 'alice', 'bob', 'carol'], REPO);
    await screen('offer', /Password for bob \(empty/);
    await type('offer', FIRST);
    await screen('offer', /Password for bob, again/);
    await type('offer', FIRST);
    await screen('offer', /Password for carol \(empty/);
    await tmux.keys('offer', 'Enter');
    const last = await screen('offer', /prompt done/);
    expect(await tmux.waitForExit('offer', 15_000)).toBe(0);
    expect(last).not.toContain('Password for alice');
    expect(last).not.toContain(FIRST);
    expect(JSON.parse(await fs.readFile(out, 'utf8'))).toEqual({ bob: sha(FIRST) });
  }, 60_000);
});
