/**
 * A chat text as the detectors and the admin's rules read it: every decimal digit of any script
 * (Arabic-Indic ٤, Devanagari ४, fullwidth ４, mathematical 𝟒 …) becomes its ASCII digit, and
 * fullwidth Latin letters and signs become ASCII, so "４１１１ １１１１ …" or "٤١١١ ١١١١ …" is found
 * like "4111 1111 …". Each folded character remembers where it came from, so a match in the
 * folded text masks exactly the original characters. Pure functions.
 *
 * @example foldText('٤٢').text // '42'
 */
import { asciiFold, needsAsciiFold } from '../../vault/src/contract/ascii-fold';

export interface FoldedText {
  /** The folded text: ASCII digits, and ASCII for fullwidth forms; everything else as it was. */
  text: string;
  /**
   * `origin[i]` is the UTF-16 offset in the original of the folded text's i-th unit;
   * `origin[text.length]` its end. Absent when nothing was folded: each unit comes from itself.
   */
  origin?: number[];
}

/** Where the folded text's unit `index` (or its end) came from in the original. */
export function originalOffset(folded: FoldedText, index: number): number {
  return folded.origin ? folded.origin[index] : index;
}

/** The text with its digits and fullwidth forms folded to ASCII, and where each folded unit came from. */
export function foldText(text: string): FoldedText {
  if (!needsAsciiFold(text)) {
    // The common case, which costs no copy: nothing to fold.
    return { text };
  }
  const out: string[] = [];
  const origin: number[] = [];
  for (let i = 0; i < text.length;) {
    const codePoint = text.codePointAt(i) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    const folded = asciiFold(codePoint);
    if (folded !== undefined) {
      out.push(folded);
      origin.push(i);
    } else {
      for (let unit = 0; unit < width; unit += 1) {
        out.push(text[i + unit]);
        origin.push(i + unit);
      }
    }
    i += width;
  }
  origin.push(text.length);
  return { text: out.join(''), origin };
}
