/**
 * How many terminal columns text takes: East Asian wide and fullwidth
 * characters and emoji take two, combining marks and joiners none, the
 * rest one. Counted per grapheme (what the terminal draws as one glyph), so
 * a flag or a family emoji made of several code points is one wide glyph.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u200b-\u200f\ufe00-\ufe0f]+$/u;

/** Columns one grapheme takes. */
function graphemeWidth(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (EMOJI.test(grapheme)) return 2;
  return isWide(grapheme.codePointAt(0)!) ? 2 : 1;
}

/** East Asian Wide (W) and Fullwidth (F) ranges, as terminals draw them. */
function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || // Hangul Jamo initials
    (code >= 0x2e80 && code <= 0x303e) || // CJK radicals, punctuation
    (code >= 0x3041 && code <= 0x33ff) || // kana, CJK symbols
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xa000 && code <= 0xa4cf) || // Yi
    (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xfe30 && code <= 0xfe4f) || // CJK compatibility forms
    (code >= 0xff00 && code <= 0xff60) || // fullwidth forms
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd); // CJK extensions B and on
}

/** Columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * `text` fitted to exactly `columns` columns: padded with spaces, or cut
 * from the left behind `...` (the end of a file name says most), never
 * splitting a glyph.
 */
export function fitToWidth(text: string, columns: number): string {
  const width = displayWidth(text);
  if (width <= columns) return text + " ".repeat(columns - width);
  const graphemes = [...segmenter.segment(text)].map(({ segment }) => segment);
  let kept = "";
  let used = 3;
  for (let i = graphemes.length - 1; i >= 0; i--) {
    const next = graphemeWidth(graphemes[i]!);
    if (used + next > columns) break;
    kept = graphemes[i] + kept;
    used += next;
  }
  return "..." + kept + " ".repeat(columns - used);
}
