/**
 * The release's one change to string-width (test/release/bundle.mjs applies it): its RGI_Emoji
 * regex is built on first need instead of when the module is evaluated.
 *
 * Why: V8 expands `/^\p{RGI_Emoji}$/v` (every emoji sequence Unicode recommends) when the regex
 * is made, about 11 ms of CPU, and string-width makes it at load, before Ink can draw anything.
 * Why it is safe: a cluster is only asked about when it could be one. An RGI emoji of one code
 * point has Emoji_Presentation (test/release/string-width.test.ts checks every code point), and
 * one of several code points (keycap, flag, tag, modifier, ZWJ or FE0F sequence) starts with a
 * character that has the Emoji property. The same test compares the widths of both versions.
 */
import { readFile } from 'node:fs/promises';

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
  if (!source.includes(BUILT_AT_LOAD)) throw new Error(`${file}: string-width no longer builds its RGI_Emoji regex as test/release/string-width-patch.mjs expects; update it`);
  return source.replace(BUILT_AT_LOAD, () => BUILT_ON_NEED);
}

/** The esbuild plugin that applies it (the older string-width inside wrap-ansi has no such set). */
export const lazyRgiEmojiSet = {
  name: 'lazy-rgi-emoji',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return source.includes('rgiEmojiRegex') ? { contents: lazyRgiEmoji(source, args.path), loader: 'js' } : undefined;
    });
  },
};
