/**
 * Card numbers as the visitor types them: grouped the way the card prints them, with the brand
 * named as soon as its leading digits say it. Pure functions: the page script bundles them, and
 * the server's rules (which drop the spaces) stay the only judge of a number.
 */
import { foldToAscii } from '../contract/ascii-fold';
import { detectCardBrand, type CardBrand } from '../contract/card';

/** The most digits any brand issues. */
export const MAX_CARD_DIGITS = 19;

/** Group sizes: American Express and 14-digit Diners print 4-6-5 and 4-6-4, the rest in fours. */
function groupSizes(brand: CardBrand | undefined, digitCount: number): number[] {
  if (brand === 'amex') return [4, 6, 5];
  if (brand === 'diners' && digitCount <= 14) return [4, 6, 4];
  return [4, 4, 4, 4, 3];
}

export interface GroupedCardNumber {
  text: string;
  brand: CardBrand | undefined;
}

/**
 * The digits of what was typed, in ASCII: a Japanese IME's fullwidth ４ or an Arabic keyboard's ٤
 * is the digit 4 (the server reads them so too); anything but digits is dropped.
 */
export function cardDigits(typed: string): string {
  return foldToAscii(typed).replace(/\D/g, '');
}

/**
 * Groups the digits of what was typed; anything but digits is dropped, and digits past 19 too.
 * @example groupCardNumber('4111111111111111') // { text: '4111 1111 1111 1111', brand: 'visa' }
 */
export function groupCardNumber(typed: string): GroupedCardNumber {
  const digits = cardDigits(typed).slice(0, MAX_CARD_DIGITS);
  const brand = detectCardBrand(digits);
  const groups: string[] = [];
  let at = 0;
  for (const size of groupSizes(brand, digits.length)) {
    if (at >= digits.length) break;
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) groups.push(digits.slice(at));
  return { text: groups.join(' '), brand };
}

/** Where the caret goes in the grouped text: after the same number of digits as before. */
export function caretAfterDigits(grouped: string, digitsBefore: number): number {
  if (digitsBefore <= 0) return 0;
  let seen = 0;
  for (let index = 0; index < grouped.length; index += 1) {
    if (/\d/.test(grouped[index])) seen += 1;
    if (seen === digitsBefore) return index + 1;
  }
  return grouped.length;
}
