/**
 * The release's changes to the TUI's packages (test/release/bundle.mjs applies them): work they
 * did when loaded, before the TUI could draw its first frame, is done when first needed, or
 * natively.
 *
 * 1. string-width's RGI_Emoji regex is built on first need instead of when the module is evaluated.
 *
 * Why: V8 expands `/^\p{RGI_Emoji}$/v` (every emoji sequence Unicode recommends) when the regex
 * is made, about 11 ms of CPU, and string-width makes it at load, before Ink can draw anything.
 * Why it is safe: a cluster is only asked about when it could be one. An RGI emoji of one code
 * point has Emoji_Presentation (test/release/tui-patches.test.ts checks every code point), and
 * one of several code points (keycap, flag, tag, modifier, ZWJ or FE0F sequence) starts with a
 * character that has the Emoji property. The same test compares the widths of both versions.
 *
 * 2. string-width, @alcalzone/ansi-tokenize and slice-ansi split text with graphemeSegmenter()
 * (simple-graphemes.mjs) instead of `new Intl.Segmenter()`: ICU is loaded only for a string that
 * needs its rules.
 *
 * 3. Yoga's wasm is decoded by Buffer.from (below).
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILT_AT_LOAD = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';

export const BUILT_ON_NEED = `let rgiEmojiSet;
const emojiPresentationRegex = /\\p{Emoji_Presentation}/u;
const emojiCharacterRegex = /\\p{Emoji}/u;
const rgiEmojiRegex = {
	test(segment) {
		const single = segment.length === 1 || (segment.length === 2 && segment.codePointAt(0) > 0xFFFF);
		if (!(single ? emojiPresentationRegex : emojiCharacterRegex).test(segment)) return false;
		return (rgiEmojiSet ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(segment);
	},
};`;

/** string-width's index.js with the set built on need; throws when its source no longer matches. */
export function lazyRgiEmoji(source, file = 'string-width/index.js') {
  if (!source.includes(BUILT_AT_LOAD)) throw new Error(`${file}: string-width no longer builds its RGI_Emoji regex as test/release/tui-patches.mjs expects; update it`);
  return source.replace(BUILT_AT_LOAD, () => BUILT_ON_NEED);
}

const SIMPLE_GRAPHEMES = fileURLToPath(new URL('./simple-graphemes.mjs', import.meta.url));
/** The modules of the TUI that make an Intl.Segmenter when loaded (see simple-graphemes.mjs). */
const SEGMENTER_USERS = /[\\/]node_modules[\\/](?:string-width[\\/]index|@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize|slice-ansi[\\/]tokenize-ansi)\.js$/;

/** The esbuild plugin: those modules get graphemeSegmenter() instead of new Intl.Segmenter(), string-width its emoji set on need. */
export const simpleGraphemes = {
  name: 'simple-graphemes',
  setup(build) {
    build.onLoad({ filter: SEGMENTER_USERS }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      if (!source.includes('new Intl.Segmenter(')) throw new Error(`${args.path} no longer makes an Intl.Segmenter; update test/release/tui-patches.mjs`);
      if (source.includes('rgiEmojiRegex')) source = lazyRgiEmoji(source, args.path);
      source = `import { graphemeSegmenter as __mailWizardSegmenter } from ${JSON.stringify(SIMPLE_GRAPHEMES)};\n${source.replaceAll('new Intl.Segmenter(', '__mailWizardSegmenter(')}`;
      return { contents: source, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// 3. Yoga decodes its embedded wasm with atob() and a loop over the characters (1.9 ms of CPU
// here); Buffer.from does it natively (0.3 ms).
const YOGA_DECODE = 'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c';

/** The esbuild plugin: Yoga's wasm bytes come from Buffer.from(…, 'base64'). */
export const yogaWasmBytes = {
  name: 'yoga-wasm-bytes',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(YOGA_DECODE)) throw new Error(`${args.path} no longer decodes its wasm as test/release/tui-patches.mjs expects; update it`);
      return { contents: source.replace(YOGA_DECODE, () => 'var d=Buffer.from(a.slice(37),"base64")'), loader: 'js' };
    });
  },
};
