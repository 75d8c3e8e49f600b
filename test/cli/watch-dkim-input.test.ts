/**
 * Bad input to `watch` and `dkim`, through the real CLI: exit 2 and one line that names the
 * argument, before anything is read or changed.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

vi.setConfig({ testTimeout: 60_000 });

let dir: string;
let answers: string;
beforeAll(async () => {
  dir = await tempDir('mail-wizard-watch-input-');
  answers = path.join(dir, 'answers.json');
  await fs.writeFile(answers, JSON.stringify({ ...DEMO_ANSWERS, dkimPublished: ['old2025', 'mail2026'] }));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

it.each([
  [['watch'], 'mail-wizard: watch: enable, disable or run? (mail-wizard watch run)'],
  [['watch', 'start'], 'mail-wizard: watch: "start" is not enable, disable or run'],
  [['watch', 'run', 'now'], 'mail-wizard: watch: unexpected argument "now"'],
  [['watch', 'run', '--wait', '5'], 'mail-wizard: --wait goes with check dns or dkim rotate'],
  [['dkim'], 'mail-wizard: dkim: rotate or retire? (mail-wizard dkim rotate)'],
  [['dkim', 'rotate', '--wait', 'soon'], 'mail-wizard: --wait: "soon" is not a number of seconds (1 to 86400)'],
  [['dkim', 'retire'], 'mail-wizard: dkim retire: which selector? (mail-wizard dkim retire SELECTOR)'],
  [['dkim', 'rotate', '--demo'], 'mail-wizard: dkim: --demo has no key to rotate; give --answers FILE'],
])('%j → exit 2: %s', async (args, line) => {
  const { code, stdout, stderr } = await cli(args);
  expect(stderr.trim()).toBe(line);
  expect(stdout).toBe('');
  expect(code).toBe(2);
});

it('dkim retire refuses the key in use and a selector that is not published, and changes nothing', async () => {
  const before = await fs.readFile(answers, 'utf8');
  const root = path.join(dir, 'root');
  await fs.mkdir(root, { recursive: true });
  const inUse = await cli(['dkim', 'retire', 'mail2026', '--answers', answers, '--platform', 'openbsd', '--root', root]);
  expect(inUse.stderr.trim()).toBe('mail-wizard: dkim retire: "mail2026" is the key rspamd signs with (dkimSelector); rotate first');
  expect(inUse.code).toBe(2);
  const unknown = await cli(['dkim', 'retire', 'nosuch', '--answers', answers, '--platform', 'openbsd', '--root', root]);
  expect(unknown.stderr.trim()).toBe('mail-wizard: dkim retire: "nosuch" is not a published selector (old2025, mail2026)');
  expect(unknown.code).toBe(2);
  expect(await fs.readFile(answers, 'utf8')).toBe(before);
});
