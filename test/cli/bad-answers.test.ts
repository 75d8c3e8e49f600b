/**
 * Answers files of any shape, through the real CLI: each is refused with exit 2 and one line that
 * names the problem; no JavaScript error text ("Maximum call stack size exceeded", "Unexpected
 * token", "EISDIR: illegal operation") reaches the person.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_ANSWERS } from '../../src/answers/demo.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

// Each test starts real processes: on a busy machine that takes seconds, far past the 5 s default.
vi.setConfig({ testTimeout: 60_000 });

let dir: string;
beforeAll(async () => {
  dir = await tempDir('mail-wizard-bad-answers-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const JS_ERROR = /Maximum call stack|Unexpected token|Unexpected end|in JSON at position|is not valid JSON|TypeError|RangeError|SyntaxError|EISDIR|illegal operation|ERR_|at .*\.js:\d+/;

async function refuse(name: string, content: string | null, expected: RegExp) {
  const file = path.join(dir, name);
  if (content !== null) await fs.writeFile(file, content);
  const { code, stderr, stdout } = await cli(['plan', '--answers', file, '--platform', 'debian']);
  expect(code, stderr).toBe(2);
  expect(stdout).toBe('');
  const lines = stderr.split('\n');
  expect(lines.length, stderr).toBeLessThanOrEqual(21);
  for (const line of lines) expect(line).toMatch(/^mail-wizard: /);
  expect(stderr).toMatch(expected);
  expect(stderr).not.toMatch(JS_ERROR);
  for (const line of lines) expect(line.length).toBeLessThanOrEqual(240);
}

const nested = (depth: number, leaf = '1') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

describe('the answers loader refuses bad input of any shape with exit 2 and one line', () => {
  it('10,000 nested levels', () => refuse('deep.json', `{"domain": ${nested(10_000)}}`, /deep\.json: "domain": nested too deeply/));
  it('10,000 nested objects inside tls', () => refuse('deep-tls.json', `{"tls": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, /"tls": nested too deeply/));
  it('a file past the size cap', () => refuse('big.json', JSON.stringify({ ...DEMO_ANSWERS, users: Array.from({ length: 20_000 }, (_, i) => `user${i}`) }), /big\.json: larger than 64 KiB/));
  it('broken JSON: the line and column, not the parser\'s words', () => refuse('broken.json', '{\n  "domain": "example.org",\n  "hostname": }\n', /broken\.json: not valid JSON \(line 3, column 15\)/));
  it('a file that ends too early', () => refuse('short.json', '{"domain": "example.org"', /short\.json: not valid JSON \(it ends too early\)/));
  it('an empty file', () => refuse('empty.json', '', /empty\.json: not valid JSON \(the file is empty\)/));
  it('binary garbage', () => refuse('garbage.json', '\u0000\u0001\u00ff\u00fe', /garbage\.json: not valid JSON/));
  for (const [name, content] of [['null', 'null'], ['number', '42'], ['string', '"example.org"'], ['array', '[1,2,3]']] as const) {
    it(`a top-level ${name}`, () => refuse(`${name}.json`, content, /must be a JSON object/));
  }
  it('wrong types in every field', () =>
    refuse('types.json', JSON.stringify({ domain: 1, hostname: ['a'], ipv4: { a: 1 }, users: 'alice', postmaster: true, dkimSelector: null, dmarcPolicy: 3, tls: 7 }), /domain: 1 must be a string/));
  it('thousands of bad users: the first 20 problems and a count', () =>
    refuse('users.json', JSON.stringify({ ...DEMO_ANSWERS, users: Array.from({ length: 3000 }, () => 'Bad User') }), /\.\.\. and \d+ more problems/));
  it('a field name of 50,000 characters', () => refuse('key.json', JSON.stringify({ ...DEMO_ANSWERS, ['k'.repeat(50_000)]: 1 }), /is not a field of the answers \(a name of 50000 characters\)/));
  it('a directory', async () => {
    await fs.mkdir(path.join(dir, 'a-dir'));
    await refuse('a-dir', null, /a-dir: not a regular file/);
  });
  it('a FIFO (it would block a plain read) and /dev/zero (it never ends)', async () => {
    await execa('mkfifo', [path.join(dir, 'fifo.json')]);
    await refuse('fifo.json', null, /fifo\.json: not a regular file/);
    const { code, stderr } = await cli(['plan', '--answers', '/dev/zero', '--platform', 'debian']);
    expect(code).toBe(2);
    expect(stderr).toBe('mail-wizard: /dev/zero: not a regular file (a directory, a device or a pipe): give the path of the answers JSON file');
  });
  it('a symlink to a good file is followed', async () => {
    await fs.writeFile(path.join(dir, 'good.json'), JSON.stringify(DEMO_ANSWERS));
    await fs.symlink(path.join(dir, 'good.json'), path.join(dir, 'link.json'));
    const { code } = await cli(['plan', '--answers', path.join(dir, 'link.json'), '--platform', 'debian', '--format', 'json']);
    expect(code).toBe(0);
  });
});
