/**
 * The built-in detectors of sensitive data typed into a chat: card numbers (Luhn), card security
 * codes said as such, US social security numbers, IBANs (mod-97), e-mail addresses and phone
 * numbers. Each reads a folded text (folded-text.ts: every digit ASCII) and returns where its
 * finds are. Each runs in time linear in the text: digit runs are walked once, e-mail addresses
 * are grown from their "@", a name of a security code is looked for only next to a short number.
 * Pure functions.
 *
 * @example findCardNumbers('card 4111 1111 1111 1111') // [{ start: 5, end: 24 }]
 */
import { luhnValid } from '../../vault/src/contract/card';
import { IBAN_MAX_LENGTH, ibanLength, ibanValid } from '../../vault/src/contract/iban';

/** `[start, end)` in UTF-16 offsets of the text searched. */
export interface Span {
  start: number;
  end: number;
}

export type BuiltinDetectorId = 'card' | 'cvv' | 'ssn' | 'iban' | 'email' | 'phone';

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isAsciiLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isAlnum = (code: number): boolean => isDigit(code) || isAsciiLetter(code);

/**
 * What may stand between the digit groups of one number: spaces of every kind, tab, line breaks,
 * dashes and hyphens, the minus sign, dots, underscores, and invisible format characters (soft
 * hyphen, zero-width space, word joiner, invisible operators, BOM) that would otherwise let a
 * number slip through unmasked.
 */
function isNumberSeparator(code: number): boolean {
  return (
    code === 0x20 ||
    code === 0x09 ||
    code === 0x0a ||
    code === 0x0d ||
    code === 0x2d ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0xa0 ||
    code === 0xad ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200d) ||
    (code >= 0x2010 && code <= 0x2015) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    (code >= 0x2060 && code <= 0x2064) ||
    code === 0x2212 ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * A card number may also be typed grouped by commas or slashes ("4111,1111,1111,1111",
 * "4111/1111/…"), fullwidth and ideographic ones included: a shorter Luhn-valid run is the only
 * thing that makes a chain a card, so a list of numbers rarely becomes one.
 */
export function isCardSeparator(code: number): boolean {
  return (
    isNumberSeparator(code) ||
    code === 0x2c ||
    code === 0x2f ||
    code === 0x2044 ||
    code === 0x2215 ||
    code === 0x3001 ||
    code === 0xff0c ||
    code === 0xff0f
  );
}

/**
 * Up to this many separators between a card's groups: a number pasted from a table or a PDF
 * comes with runs of spaces or tabs.
 */
export const CARD_MAX_GAP = 8;

/** A phone number may also group its digits with brackets and slashes: "(555) 123-4567". */
function isPhoneSeparator(code: number): boolean {
  return isNumberSeparator(code) || code === 0x28 || code === 0x29 || code === 0x2f;
}

export interface DigitGroup extends Span {
  digits: string;
  /** The characters between the previous group of the chain and this one ('' for the first). */
  gap: string;
}

/**
 * Runs of digits joined by at most `maxGap` separators each: the numbers of a text, as typed
 * ("4111 1111 1111 1111" is one chain of four groups).
 */
export function digitChains(text: string, isSeparator: (code: number) => boolean, maxGap: number): DigitGroup[][] {
  const chains: DigitGroup[][] = [];
  let chain: DigitGroup[] = [];
  let gapStart = -1;
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i += 1;
      continue;
    }
    const start = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      i += 1;
    }
    chain.push({ start, end: i, digits: text.slice(start, i), gap: gapStart >= 0 ? text.slice(gapStart, start) : '' });
    // The chain goes on when at most maxGap separators lead to the next digit.
    let j = i;
    while (j < text.length && j - i < maxGap && isSeparator(text.charCodeAt(j))) {
      j += 1;
    }
    if (j > i && j < text.length && isDigit(text.charCodeAt(j))) {
      gapStart = i;
      i = j;
    } else {
      chains.push(chain);
      chain = [];
      gapStart = -1;
    }
  }
  return chains;
}

/**
 * Whether a letter comes right before `start` or right at `end`: then the digits are an ID's
 * ("A123-45-6789") or a word's ("9am").
 */
function spanTouchesLetter(text: string, start: number, end: number): boolean {
  return (
    (start > 0 && isAsciiLetter(text.charCodeAt(start - 1))) ||
    (end < text.length && isAsciiLetter(text.charCodeAt(end)))
  );
}

/**
 * Card numbers: 13 to 19 digits passing the Luhn check, as one run or in groups. Within a chain
 * of groups ("4111 1111 1111 1111 12 25 123") each group's longest Luhn-valid run of whole groups
 * counts, so a card followed by its expiry date is still found; overlapping runs are masked as one,
 * so a stray number before a card ("6 4111 1111 1111 1111", whose first 13 digits pass Luhn too)
 * cannot leave the card's last groups showing.
 */
export function findCardNumbers(text: string): Span[] {
  const found: Span[] = [];
  for (const chain of digitChains(text, isCardSeparator, CARD_MAX_GAP)) {
    let span: { first: number; last: number } | undefined;
    for (let i = 0; i < chain.length; i += 1) {
      const last = longestLuhnRun(chain, i);
      if (last < 0) continue;
      if (span && i <= span.last) {
        span.last = Math.max(span.last, last);
        continue;
      }
      if (span) found.push({ start: chain[span.first].start, end: chain[span.last].end });
      span = { first: i, last };
    }
    if (span) found.push({ start: chain[span.first].start, end: chain[span.last].end });
  }
  return found;
}

/** The last group of the longest run of whole groups from `first` that is a Luhn-valid card length, or -1. */
function longestLuhnRun(chain: DigitGroup[], first: number): number {
  let digits = '';
  let best = -1;
  for (let j = first; j < chain.length && digits.length + chain[j].digits.length <= 19; j += 1) {
    digits += chain[j].digits;
    if (digits.length >= 13 && luhnValid(digits)) best = j;
  }
  return best;
}

/**
 * The names of a card's security code: as printed on cards and payment pages, and in words in the
 * languages the app speaks. Lowercase; a space stands for any run of spaces.
 */
const CVV_NAMES = [
  '\\bcvv2?\\b',
  '\\bcvc2?\\b',
  '\\bcv2\\b',
  'security code',
  'card verification (?:code|value|number)',
  'c[oó]digo de segur(?:idad|an[cç]a)',
  'code de s[eé]curit[eé]',
  'cryptogramme',
  'sicherheitscode',
  'kartenpr[uü]fnummer',
  'pr[uü]fnummer',
  'codice di sicurezza',
  'beveiligingscode',
  'veiligheidscode',
  'kod bezpiecze[nń]stwa',
  'セキュリティコード',
  'رمز الأمان',
  'קוד אבטחה',
];
const CVV_NAME = `(?:${CVV_NAMES.join('|').replace(/ /g, '\\s+')})`;
/**
 * A name of the code, then up to 20 characters that are not digits ("CVV: ", " is "), or a hint in
 * brackets that may hold some ("CVV (3 digits): ", "CVC [3-4 digits] "), then the text ends.
 */
const CVV_BEFORE = new RegExp(
  `${CVV_NAME}(?:[^0-9]{0,20}|[^0-9([]{0,8}(?:\\([^()]{1,24}\\)|\\[[^[\\]]{1,24}\\])[^0-9]{0,12})$`,
  'i',
);
/** The text starts with up to 12 characters that are not digits (" is the ", " ("), then a name of the code. */
const CVV_AFTER = new RegExp(`^[^0-9]{0,12}${CVV_NAME}`, 'i');

/**
 * Card security codes (CVV, CVC…): three or four digits that come first after a name of the code
 * ("my CVV is 123", "código de seguridad: 4321", "CVV 123 12/26") or last before one ("123 is the
 * CVV", "4321 (CVC)"). PCI DSS forbids storing one after the payment, even encrypted, so the whole
 * code is masked; the rest of its number is left alone (a card number is the card detector's).
 */
export function findSecurityCodes(text: string): Span[] {
  const found: Span[] = [];
  const isCode = (group: DigitGroup) => group.digits.length >= 3 && group.digits.length <= 4;
  for (const chain of digitChains(text, isNumberSeparator, 1)) {
    // "CVV2 123" is the chain 2 · 123: its "2" belongs to the name, which the context then holds.
    const first = chain.length > 1 && chain[0].digits === '2' ? chain[1] : chain[0];
    const last = chain[chain.length - 1];
    if (isCode(first) && CVV_BEFORE.test(text.slice(Math.max(0, first.start - 60), first.start))) {
      found.push({ start: first.start, end: first.end });
    } else if (isCode(last) && CVV_AFTER.test(text.slice(last.end, last.end + 60))) {
      found.push({ start: last.start, end: last.end });
    }
  }
  return found;
}

const SAYS_CVV_NAME = new RegExp(CVV_NAME, 'i');

/**
 * Whether a message asks for a card security code, or announces one, without giving it: "What is
 * the CVV on the back?", "my security code is". Its answer may then come alone in the next message.
 */
export function asksForSecurityCode(text: string): boolean {
  return SAYS_CVV_NAME.test(text) && findSecurityCodes(text).length === 0;
}

/**
 * A bare answer to that question: the message's only number, of three or four digits, within its
 * first 20 characters and with at most 40 other characters in all ("739", "it's 4321, thanks").
 */
export function findBareCodeAnswer(text: string): Span | undefined {
  const chains = digitChains(text, isNumberSeparator, 1);
  if (chains.length !== 1 || chains[0].length !== 1) return undefined;
  const code = chains[0][0];
  const short = code.start <= 20 && text.length - (code.end - code.start) <= 40;
  const isCode = code.digits.length >= 3 && code.digits.length <= 4;
  return short && isCode && !spanTouchesLetter(text, code.start, code.end) ? code : undefined;
}

/** The number ranges the Social Security Administration never issues (area 000, 666, 900–999; group 00; serial 0000). */
function ssnIssuable(area: string, group: string, serial: string): boolean {
  const areaNumber = Number(area);
  return areaNumber !== 0 && areaNumber !== 666 && areaNumber < 900 && group !== '00' && serial !== '0000';
}

const SSN_CONTEXT = /\b(?:ssn|ss#|social[\s-]+security)(?:\W|\W[^0-9]{0,20}\W)$/i;
const SSN_SEPARATORS = [' ', '-', '.'];

/** Whether the words "SSN" or "social security" come right before `start`. */
const saysSsnBefore = (text: string, start: number): boolean =>
  SSN_CONTEXT.test(text.slice(Math.max(0, start - 40), start));

/**
 * US social security numbers: "123-45-6789" (or with spaces or dots, the same separator twice),
 * and, only right after the words "SSN" or "social security", mixed separators ("123-45 6789")
 * and nine bare digits, since those alone are as often an order number or a date and a count.
 * One touching a letter is an ID ("A123-45-6789"); a letter touching the next number is not its
 * business ("SSN 123-45-6789 2nd try").
 */
export function findSsns(text: string): Span[] {
  const found: Span[] = [];
  for (const chain of digitChains(text, isNumberSeparator, 1)) {
    for (let i = 0; i + 2 < chain.length; i += 1) {
      const [area, group, serial] = [chain[i], chain[i + 1], chain[i + 2]];
      if (
        area.digits.length === 3 &&
        group.digits.length === 2 &&
        serial.digits.length === 4 &&
        SSN_SEPARATORS.indexOf(group.gap) >= 0 &&
        SSN_SEPARATORS.indexOf(serial.gap) >= 0 &&
        (group.gap === serial.gap || saysSsnBefore(text, area.start)) &&
        ssnIssuable(area.digits, group.digits, serial.digits) &&
        !spanTouchesLetter(text, area.start, serial.end)
      ) {
        found.push({ start: area.start, end: serial.end });
        i += 2;
      }
    }
    for (const group of chain) {
      const digits = group.digits;
      if (
        digits.length === 9 &&
        ssnIssuable(digits.slice(0, 3), digits.slice(3, 5), digits.slice(5)) &&
        !spanTouchesLetter(text, group.start, group.end) &&
        saysSsnBefore(text, group.start)
      ) {
        found.push({ start: group.start, end: group.end });
      }
    }
  }
  return found;
}

/** Between an IBAN's characters: a space (groups of four, as printed) or a dash. */
const isIbanSeparator = (code: number): boolean => code === 0x20 || code === 0xa0 || code === 0x2d;

/** Up to this many separators between an IBAN's groups: one pasted from a table or a PDF has runs of spaces. */
const IBAN_MAX_GAP = 8;

/**
 * IBANs: two letters, two check digits, then the country's number of letters and digits, as one
 * run or grouped, of either case; kept only when the country's length and the mod-97 check hold.
 */
export function findIbans(text: string): Span[] {
  const found: Span[] = [];
  for (let i = 0; i + 4 <= text.length; i += 1) {
    if (
      !isAsciiLetter(text.charCodeAt(i)) ||
      !isAsciiLetter(text.charCodeAt(i + 1)) ||
      !isDigit(text.charCodeAt(i + 2)) ||
      !isDigit(text.charCodeAt(i + 3)) ||
      (i > 0 && isAlnum(text.charCodeAt(i - 1)))
    ) {
      continue;
    }
    const length = ibanLength(text.slice(i, i + 2).toUpperCase());
    if (!length) {
      continue;
    }
    let compact = '';
    let end = i;
    while (end < text.length && compact.length < length) {
      if (isAlnum(text.charCodeAt(end))) {
        compact += text[end];
        end += 1;
        continue;
      }
      // Separators go with the IBAN only when its next character follows them.
      let next = end;
      while (next < text.length && next - end < IBAN_MAX_GAP && isIbanSeparator(text.charCodeAt(next))) {
        next += 1;
      }
      if (next === end || next >= text.length || !isAlnum(text.charCodeAt(next))) {
        break;
      }
      end = next;
    }
    const runsOn = end < text.length && isAlnum(text.charCodeAt(end));
    if (compact.length === length && compact.length <= IBAN_MAX_LENGTH && !runsOn && ibanValid(compact)) {
      found.push({ start: i, end });
      i = end - 1;
    }
  }
  return found;
}

const isLocalPartCharacter = (code: number): boolean =>
  isAlnum(code) || code === 0x2e || code === 0x5f || code === 0x25 || code === 0x2b || code === 0x2d;
const isDomainCharacter = (code: number): boolean => isAlnum(code) || code === 0x2e || code === 0x2d;

/**
 * E-mail addresses: grown outwards from each "@" (at most 64 characters before it and 253 after,
 * the limits of RFC 5321), with a dot and a top-level domain of two or more letters after it.
 */
export function findEmailAddresses(text: string): Span[] {
  const found: Span[] = [];
  let at = text.indexOf('@');
  while (at >= 0) {
    let start = at;
    while (start > 0 && at - start < 64 && isLocalPartCharacter(text.charCodeAt(start - 1))) {
      start -= 1;
    }
    while (start < at && text.charCodeAt(start) === 0x2e) {
      start += 1;
    }
    let end = at + 1;
    while (end < text.length && end - at <= 253 && isDomainCharacter(text.charCodeAt(end))) {
      end += 1;
    }
    // A sentence's full stop or a trailing dash is not part of the address.
    while (end > at + 1 && !isAsciiLetter(text.charCodeAt(end - 1))) {
      end -= 1;
    }
    const domain = text.slice(at + 1, end);
    const previous = found[found.length - 1];
    if (
      start < at &&
      /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(domain) &&
      !(previous && start < previous.end)
    ) {
      found.push({ start, end });
    }
    at = text.indexOf('@', Math.max(at + 1, end));
  }
  return found;
}

/**
 * Phone numbers: 8 to 15 digits (E.164's most), grouped by spaces, dashes, dots, brackets or
 * slashes, that start with "+" or "0", use brackets, or have at least ten digits; so dates
 * ("2024-01-15") and short codes stay. Broad on purpose, hence off by default.
 */
export function findPhoneNumbers(text: string): Span[] {
  const found: Span[] = [];
  for (const typedChain of digitChains(text, isPhoneSeparator, 2)) {
    // A group a letter touches belongs to a word ("9am", "A12"), not to the number beside it.
    const chain = typedChain.filter(
      (group, i) => !((i === 0 || i === typedChain.length - 1) && spanTouchesLetter(text, group.start, group.end)),
    );
    if (chain.length === 0) continue;
    const digits = chain.map((g) => g.digits).join('');
    let start = chain[0].start;
    const end = chain[chain.length - 1].end;
    while (start > 0 && (text[start - 1] === '(' || text[start - 1] === '+')) {
      start -= 1;
    }
    const typed = text.slice(start, end);
    const looksLikePhone = typed[0] === '+' || digits[0] === '0' || typed.indexOf('(') >= 0 || digits.length >= 10;
    if (digits.length >= 8 && digits.length <= 15 && looksLikePhone) {
      found.push({ start, end });
    }
  }
  return found;
}

/** Each detector by its id, in the order they claim text (an IBAN before the card number inside it). */
export const BUILTIN_DETECTORS: ReadonlyArray<{ id: BuiltinDetectorId; find: (text: string) => Span[] }> = [
  { id: 'iban', find: findIbans },
  { id: 'card', find: findCardNumbers },
  { id: 'cvv', find: findSecurityCodes },
  { id: 'ssn', find: findSsns },
  { id: 'email', find: findEmailAddresses },
  { id: 'phone', find: findPhoneNumbers },
];
