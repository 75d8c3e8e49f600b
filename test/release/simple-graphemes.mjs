/**
 * Grapheme segmentation for the release's TUI, without ICU when a string does not need it.
 *
 * Ink measures and slices every text by grapheme cluster with Intl.Segmenter (string-width,
 * @alcalzone/ansi-tokenize, slice-ansi), and each of them makes one when it is loaded. The first
 * Intl object of a process loads ICU's data and break rules: about 8 ms of CPU before the TUI can
 * draw, for a checklist whose every character is a cluster of its own. test/release/bundle.mjs
 * swaps their `new Intl.Segmenter(…)` for graphemeSegmenter(…): a string made only of SIMPLE
 * characters is split per character, anything else goes to a real Intl.Segmenter, made then.
 *
 * SIMPLE holds characters that no rule of UAX #29 joins to a neighbour (test/release/
 * tui-patches.test.ts checks each one's properties and compares with Intl.Segmenter): ASCII but CR
 * (CR LF is one cluster; the other controls stand alone), Latin-1 to the spacing modifiers but
 * the soft hyphen, general punctuation but the zero-width and bidi controls, superscripts and
 * currency, and the symbol blocks from letterlike symbols to miscellaneous symbols and arrows
 * (box drawing, geometric shapes, dingbats, braille). No marks, joiners, variation selectors,
 * Hangul jamo, regional indicators or astral code points.
 */
export const SIMPLE = /^[\x00-\x0C\x0E-\x7F\xA0-\xAC\xAE-\u02FF\u2010-\u2027\u2030-\u205F\u2070-\u20CF\u2100-\u2BFF]*$/;

function perCharacter(input) {
  const at = (index) => ({ segment: input[index], index, input });
  return {
    *[Symbol.iterator]() {
      for (let i = 0; i < input.length; i++) yield at(i);
    },
    containing(index = 0) {
      const i = Math.trunc(Number(index)) || 0;
      return i >= 0 && i < input.length ? at(i) : undefined;
    },
  };
}

/** Stands in for `new Intl.Segmenter(locales, options)` where only graphemes are asked for. */
export function graphemeSegmenter(locales, options) {
  if (options?.granularity !== undefined && options.granularity !== 'grapheme') return new Intl.Segmenter(locales, options);
  let intl;
  return {
    segment(input) {
      const text = String(input);
      return SIMPLE.test(text) ? perCharacter(text) : (intl ??= new Intl.Segmenter(locales, options)).segment(text);
    },
  };
}
