/**
 * Digits as visitors type them in any script: Arabic-Indic ٤, Persian ۴, Devanagari ४, a Japanese
 * IME's fullwidth ４, mathematical 𝟒 … each read as its ASCII digit, fullwidth Latin letters and
 * signs (／, －) as their ASCII, and the Arabic decimal separator (٫) and the minus sign (−) as "."
 * and "-". The visitor form's numeric fields and the app's detectors of sensitive data both read
 * text this way. Pure functions, lib es2017.
 *
 * @example foldToAscii('٤١١١ ／ ４２') // '4111 / 42'
 */

// Built at run time: the app's compiler targets ES2017, whose regular expressions lack \p{…}.
const DECIMAL_DIGIT = new RegExp('^\\p{Nd}$', 'u');
const ANY_TO_FOLD = new RegExp('[\\uff01-\\uff5e\\u066b\\u2212]|(?![0-9])\\p{Nd}', 'u');
/** Signs of a number that are not fullwidth forms: an Arabic keyboard's decimal separator, the true minus. */
const NUMBER_SIGNS = new Map<number, string>([
  [0x066b, '.'],
  [0x2212, '-'],
]);

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

/** Whether `text` holds anything foldToAscii would change: the common case, plain ASCII, costs one test. */
export function needsAsciiFold(text: string): boolean {
  return ANY_TO_FOLD.test(text);
}

/** The ASCII character one code point folds to, or undefined when it stays as it is. */
export function asciiFold(codePoint: number): string | undefined {
  if (codePoint >= 0xff01 && codePoint <= 0xff5e) return String.fromCharCode(codePoint - 0xfee0);
  const sign = NUMBER_SIGNS.get(codePoint);
  if (sign !== undefined) return sign;
  if (codePoint > 0x7f && DECIMAL_DIGIT.test(String.fromCodePoint(codePoint))) return String(digitValue(codePoint));
  return undefined;
}

/** `text` with every decimal digit of any script and every fullwidth form folded to ASCII. */
export function foldToAscii(text: string): string {
  if (!needsAsciiFold(text)) return text;
  let out = '';
  for (const character of text) {
    out += asciiFold(character.codePointAt(0) as number) ?? character;
  }
  return out;
}
