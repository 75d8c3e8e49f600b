/**
 * The release's changes to the modules Ink measures text with (test/release/tui-patches.mjs).
 * string-width builds its RGI_Emoji set on first need: the shortcut's premise holds for every code
 * point, the patched test answers as the regex for every code point and each kind of emoji
 * sequence, and widths are the published ones. Graphemes are split without ICU for strings of
 * SIMPLE characters: none has a property a joining rule of UAX #29 looks at, Intl.Segmenter puts
 * each in a cluster of its own in any order, and both answer alike for mixed text.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { REPO } from './release.js';

type StringWidth = (text: string) => number;
const PATCH = pathToFileURL(path.join(REPO, 'test/release/tui-patches.mjs')).href;
const GRAPHEMES = pathToFileURL(path.join(REPO, 'test/release/simple-graphemes.mjs')).href;
interface Segments extends Iterable<{ segment: string; index: number; input: string }> {
  containing(index?: number): { segment: string; index: number; input: string } | undefined;
}
interface SimpleGraphemes {
  SIMPLE: RegExp;
  graphemeSegmenter(locales?: string, options?: { granularity?: string }): { segment(input: string): Segments };
}

/** string-width as the release has it (patched) or as published, bundled into dir. */
async function stringWidth(dir: string, patched: boolean): Promise<StringWidth> {
  const { simpleGraphemes } = (await import(PATCH)) as { simpleGraphemes: esbuild.Plugin };
  const outfile = path.join(dir, patched ? 'patched.mjs' : 'published.mjs');
  await esbuild.build({
    stdin: { contents: "export { default } from 'string-width';", resolveDir: REPO },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    plugins: patched ? [simpleGraphemes] : [],
    logLevel: 'error',
  });
  const source = await fs.readFile(outfile, 'utf8');
  expect(source.includes('rgiEmojiSet')).toBe(patched);
  expect(source.includes('function graphemeSegmenter(')).toBe(patched);
  return ((await import(pathToFileURL(outfile).href)) as { default: StringWidth }).default;
}

/** One of each kind of emoji sequence, and clusters that are none. */
const SEQUENCES = [
  '#\uFE0F\u20E3', // keycap
  '\u{1F1E9}\u{1F1EA}', // flag
  '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', // tag sequence
  '\u{1F44D}\u{1F3FD}', // modifier
  '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', // ZWJ family
  '\u2764\uFE0F\u200D\u{1F525}', // ZWJ with FE0F
  '\u00A9', // text presentation
  '\u00A9\uFE0F', // emoji presentation sequence
  '\u{1F600}',
  'a\u0301',
  '0\u20E3',
  '\u{1F1E9}',
];

const codePoints = function* () {
  for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) yield String.fromCodePoint(c);
};

describe("string-width's emoji set, built on first need", () => {
  let dir: string;
  let published: StringWidth;
  let patched: StringWidth;
  beforeAll(async () => {
    dir = await tempDir('mail-wizard-string-width-');
    published = await stringWidth(dir, false);
    patched = await stringWidth(dir, true);
  }, 60_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('every RGI emoji of one code point has Emoji_Presentation (the shortcut asks no other)', () => {
    const rgi = new RegExp('^\\p{RGI_Emoji}$', 'v');
    const presentation = /\p{Emoji_Presentation}/u;
    const single = [...codePoints()].filter((c) => rgi.test(c));
    expect(single.length).toBeGreaterThan(1000);
    expect(single.filter((c) => !presentation.test(c))).toEqual([]);
  }, 60_000);

  it("the patched test answers as the RGI_Emoji regex for every code point and sequence", async () => {
    const { BUILT_ON_NEED } = (await import(PATCH)) as { BUILT_ON_NEED: string };
    const lazy = new Function(`${BUILT_ON_NEED}\nreturn rgiEmojiRegex;`)() as { test(s: string): boolean };
    const rgi = new RegExp('^\\p{RGI_Emoji}$', 'v');
    const differ = [...codePoints(), ...SEQUENCES].filter((c) => lazy.test(c) !== rgi.test(c));
    expect(differ).toEqual([]);
    expect(SEQUENCES.filter((s) => rgi.test(s)).length).toBeGreaterThan(5);
  }, 60_000);

  it('gives the published width for emoji sequences, text and the checklist', () => {
    const samples = [
      ...SEQUENCES,
      '日本語テキスト',
      'mail-wizard dry-run · nothing is changed',
      '0/0 steps · 0.0s',
      '── Starting ──',
      'Looking at the host…',
    ];
    expect(samples.map(patched)).toEqual(samples.map(published));
    expect(patched('\u{1F468}\u200D\u{1F469}\u200D\u{1F467}')).toBe(2);
  });
});

describe('graphemes without ICU for strings of SIMPLE characters', () => {
  let simple: SimpleGraphemes;
  let chars: string[];
  beforeAll(async () => {
    simple = (await import(GRAPHEMES)) as SimpleGraphemes;
    chars = [];
    for (let c = 0; c < 0x10000; c++) if (simple.SIMPLE.test(String.fromCharCode(c))) chars.push(String.fromCharCode(c));
  });

  it('none of them is a mark, joiner, format or line control, regional indicator or emoji modifier, nor CR', () => {
    expect(chars.length).toBeGreaterThan(3000);
    expect(chars).toContain('\u2500'); // box drawing, as the checklist draws
    const joining = /[\p{Grapheme_Extend}\p{Mn}\p{Me}\p{Mc}\p{Cf}\p{Zl}\p{Zp}\p{Regional_Indicator}\p{Emoji_Modifier}\p{Cs}\r]/u;
    expect(chars.filter((c) => joining.test(c)).map((c) => c.codePointAt(0)!.toString(16))).toEqual([]);
  });

  it('Intl.Segmenter puts each in a cluster of its own, next to any other of them', () => {
    const intl = new Intl.Segmenter();
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 40; round++) {
      const order = [...chars];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const text = order.join('');
      expect([...intl.segment(text)].length).toBe(text.length);
    }
  }, 60_000);

  it('answers as Intl.Segmenter: per character for simple text, through ICU for the rest', () => {
    const ours = simple.graphemeSegmenter(undefined, { granularity: 'grapheme' });
    const intl = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const plain = (s: Iterable<{ segment: string; index: number }>) => [...s].map(({ segment, index }) => [segment, index]);
    for (const text of ['', 'mail-wizard dry-run · nothing is changed', '\u001b[1m\u001b[36m◆\u001b[39m Host names\r\n', '── Starting ──', ...SEQUENCES, 'e\u0301te\u0301', '한국어', 'a\r\nb']) {
      expect(plain(ours.segment(text)), JSON.stringify(text)).toEqual(plain(intl.segment(text)));
      for (const i of [-1, 0, 1, 2, text.length - 1, text.length]) expect(ours.segment(text).containing(i)).toEqual(intl.segment(text).containing(i));
    }
    expect(simple.SIMPLE.test('\u001b[1m\u001b[36m◆\u001b[39m Host names\r\n')).toBe(false); // CR: through ICU
    expect(simple.SIMPLE.test('\u001b[1m\u001b[36m◆\u001b[39m Host names')).toBe(true);
  });
});
