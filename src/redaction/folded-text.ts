/**
 * A chat text as the detectors and the admin's rules read it: every decimal digit of any script
 * (Arabic-Indic ٤, Devanagari ४, fullwidth ４, mathematical 𝟒 …) becomes its ASCII digit, and
 * fullwidth Latin letters and signs become ASCII, so "４１１１ １１１１ …" or "٤١١١ ١١١١ …" is found
 * like "4111 1111 …". Each folded character remembers where it came from, so a match in the
 * folded text masks exactly the original characters. Pure functions.
 *
 * @example foldText('٤٢').text // '42'
 */

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

// Built at run time: the app's compiler targets ES2017, whose regular expressions lack \p{…}.
const DECIMAL_DIGIT = new RegExp('^\\p{Nd}$', 'u');
const ANY_NON_ASCII_DIGIT_OR_FULLWIDTH = new RegExp('[\\uff01-\\uff5e]|(?![0-9])\\p{Nd}', 'u');

const digitValues = new Map<number, number>();

/**
 * The value (0–9) of a decimal digit of any script. Unicode encodes each script's digits as ten
 * consecutive code points from zero to nine, some blocks back to back (the mathematical digits),
 * so the value is the distance from the start of the run of digits, modulo ten.
 */
function digitValue(codePoint: number): number {
  let value = digitValues.get(codePoint);
  if (value === undefined) {
    let start = codePoint;
    while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) {
      start -= 1;
    }
    value = (codePoint - start) % 10;
    digitValues.set(codePoint, value);
  }
  return value;
}

/** The text with its digits and fullwidth forms folded to ASCII, and where each folded unit came from. */
export function foldText(text: string): FoldedText {
  if (!ANY_NON_ASCII_DIGIT_OR_FULLWIDTH.test(text)) {
    // The common case, which costs no copy: nothing to fold.
    return { text };
  }
  const out: string[] = [];
  const origin: number[] = [];
  for (let i = 0; i < text.length;) {
    const codePoint = text.codePointAt(i) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    const character = text.slice(i, i + width);
    if (codePoint >= 0xff01 && codePoint <= 0xff5e) {
      out.push(String.fromCharCode(codePoint - 0xfee0));
      origin.push(i);
    } else if ((codePoint < 0x30 || codePoint > 0x39) && codePoint > 0x7f && DECIMAL_DIGIT.test(character)) {
      out.push(String(digitValue(codePoint)));
      origin.push(i);
    } else {
      for (let unit = 0; unit < width; unit += 1) {
        out.push(character[unit]);
        origin.push(i + unit);
      }
    }
    i += width;
  }
  origin.push(text.length);
  return { text: out.join(''), origin };
}
