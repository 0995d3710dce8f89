/**
 * Payment card numbers: the Luhn checksum and the brand a number belongs to.
 * Pure functions with no Node or DOM APIs: the visitor page bundles them too.
 */

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'maestro';

interface BrandRule {
  brand: CardBrand;
  /** Inclusive prefix ranges; both ends have the same number of digits. */
  prefixes: ReadonlyArray<readonly [string, string]>;
  lengths: readonly number[];
  /** UnionPay issues numbers that do not pass Luhn, so the checksum is not required of them. */
  luhn: boolean;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Issuer identification ranges, after the public card-brand tables (ISO/IEC 7812 assignments).
const BRAND_RULES: readonly BrandRule[] = [
  { brand: 'visa', prefixes: [['4', '4']], lengths: [13, 16, 19], luhn: true },
  {
    brand: 'mastercard',
    prefixes: [
      ['51', '55'],
      ['2221', '2720'],
    ],
    lengths: [16],
    luhn: true,
  },
  {
    brand: 'amex',
    prefixes: [
      ['34', '34'],
      ['37', '37'],
    ],
    lengths: [15],
    luhn: true,
  },
  {
    brand: 'discover',
    prefixes: [
      ['6011', '6011'],
      ['644', '649'],
      ['65', '65'],
    ],
    lengths: range(16, 19),
    luhn: true,
  },
  {
    brand: 'diners',
    prefixes: [
      ['300', '305'],
      ['3095', '3095'],
      ['36', '36'],
      ['38', '39'],
    ],
    lengths: [14, ...range(16, 19)],
    luhn: true,
  },
  { brand: 'jcb', prefixes: [['3528', '3589']], lengths: range(16, 19), luhn: true },
  {
    brand: 'unionpay',
    prefixes: [
      ['62', '62'],
      ['81', '81'],
    ],
    lengths: range(14, 19),
    luhn: false,
  },
  {
    brand: 'maestro',
    prefixes: [
      ['50', '50'],
      ['56', '58'],
      ['6304', '6304'],
      ['6390', '6390'],
      ['67', '67'],
    ],
    lengths: range(12, 19),
    luhn: true,
  },
];

export const CARD_BRANDS: readonly CardBrand[] = BRAND_RULES.map((rule) => rule.brand);

/** The Luhn (mod 10) checksum of a string of digits; false for anything but digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function matchingRule(digits: string): BrandRule | undefined {
  if (!/^\d+$/.test(digits)) return undefined;
  // The longest matching prefix wins, so a specific range beats a broad one.
  let best: { rule: BrandRule; length: number } | undefined;
  for (const rule of BRAND_RULES) {
    for (const [from, to] of rule.prefixes) {
      if (digits.length < from.length) continue;
      const head = digits.slice(0, from.length);
      if (head >= from && head <= to && (!best || from.length > best.length)) {
        best = { rule, length: from.length };
      }
    }
  }
  return best?.rule;
}

/**
 * The brand of a card number given as digits only, from its leading digits.
 * @example detectCardBrand('4111111111111111') // 'visa'
 */
export function detectCardBrand(digits: string): CardBrand | undefined {
  return matchingRule(digits)?.brand;
}

/** The number lengths a brand issues. */
export function cardBrandLengths(brand: CardBrand): readonly number[] {
  return BRAND_RULES.find((rule) => rule.brand === brand)?.lengths ?? [];
}

/** Whether numbers of this brand must pass the Luhn checksum. */
export function cardBrandUsesLuhn(brand: CardBrand): boolean {
  return BRAND_RULES.find((rule) => rule.brand === brand)?.luhn ?? true;
}
