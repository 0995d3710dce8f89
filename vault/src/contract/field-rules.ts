/**
 * The field rules of a visitor form: the server checks a submit with them and the visitor page
 * (which bundles this module) checks the same values before posting. Pure functions only, no
 * Node or DOM APIs, lib es2017. Lengths are counted in Unicode code points, never in UTF-16 units.
 */
import { foldToAscii } from './ascii-fold';
import type { VisitorFieldView } from './index';
import { cardBrandLengths, cardBrandUsesLuhn, detectCardBrand, luhnValid } from './card';
import { codePointLength, holdsForbiddenCharacter, LIMITS } from './limits';
import { ownValue } from './own-value';
import { matchesPattern } from './pattern';

export { codePointLength, holdsForbiddenCharacter } from './limits';

export { CARD_BRANDS, cardBrandLengths, detectCardBrand, luhnValid } from './card';
export type { CardBrand } from './card';

/** Every code a field error can carry; each has a message `error.<code>` in the catalogs. */
export const FIELD_ERROR_CODES = [
  'unknown_field',
  'invalid_value',
  'required',
  'too_short',
  'too_long',
  'pattern',
  'card_format',
  'card_brand',
  'card_length',
  'card_checksum',
  'expiry_format',
  'expiry_past',
  'cvv_format',
  'ssn_format',
  'ssn_invalid',
  'number_format',
  'date_format',
  'date_invalid',
  'email_format',
  'select_option',
] as const;

export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[number];

/** Why one value was refused: a stable code and the numbers or names its message needs. */
export interface FieldError {
  code: string;
  params?: Record<string, string | number>;
}

/** No value may be longer than this, whatever the form says. */
export const MAX_VALUE_LENGTH = LIMITS.value;

/** Field types whose values are digits and separators: typed in any script's digits, kept in ASCII. */
const NUMERIC_TYPES: ReadonlySet<string> = new Set(['card_number', 'expiry', 'cvv', 'ssn', 'number', 'date']);

/**
 * The value as the vault stores it: numeric fields in ASCII digits ("٤١١١", "４１１１" are 4111: an
 * Arabic keyboard or a Japanese IME types those), card numbers as digits only, anything else trimmed;
 * but an ID&V box holding only spaces holds one space, the character asked for (an IME's U+3000 too).
 */
export function normalizeValue(field: VisitorFieldView, value: string): string {
  const folded = NUMERIC_TYPES.has(field.type) ? foldToAscii(value) : value;
  if (field.type === 'card_number') return folded.replace(/[\s-]/g, '');
  const trimmed = folded.trim();
  return trimmed === '' && field.keepsSpace === true && folded !== '' ? ' ' : trimmed;
}

/**
 * Checks the values a visitor submitted against the form's fields. Returns an error per bad key,
 * so an empty object means valid. Keys that are not fields are refused as `unknown_field`.
 * @example validateValues(fields, { pan: '4111 1111 1111 1111' }, new Date()) // {}
 */
export function validateValues(
  fields: VisitorFieldView[],
  values: Record<string, string>,
  now: Date,
): Record<string, FieldError> {
  const known = new Set(fields.map((field) => field.id));
  const errors: Record<string, FieldError> = {};
  // defineProperty, not assignment: a key such as "__proto__" must stay an ordinary key.
  const add = (key: string, error: FieldError) =>
    Object.defineProperty(errors, key, { value: error, enumerable: true, writable: true, configurable: true });
  for (const key of Object.keys(values)) {
    if (!known.has(key)) add(key, { code: 'unknown_field' });
  }
  for (const field of fields) {
    const raw: unknown = ownValue(values, field.id) ?? '';
    const error = validateValue(field, raw, now);
    if (error) add(field.id, error);
  }
  return errors;
}

/** The first rule one value breaks, or undefined when it is fine. */
export function validateValue(field: VisitorFieldView, raw: unknown, now: Date): FieldError | undefined {
  if (typeof raw !== 'string') return { code: 'invalid_value' };
  if (codePointLength(raw) > MAX_VALUE_LENGTH) return { code: 'too_long', params: { max: MAX_VALUE_LENGTH } };
  const value = normalizeValue(field, raw);
  // The value as stored: whitespace a trim or a card number's spacing drops is no harm.
  if (holdsForbiddenCharacter(value)) return { code: 'invalid_value' };
  if (value === '') return field.required ? { code: 'required' } : undefined;
  const typeError = checkType(field, value, now);
  if (typeError) return typeError;
  const length = codePointLength(value);
  if (field.minLength !== undefined && length < field.minLength) {
    return { code: 'too_short', params: { min: field.minLength } };
  }
  if (field.maxLength !== undefined && length > field.maxLength) {
    return { code: 'too_long', params: { max: field.maxLength } };
  }
  if (field.pattern !== undefined && !matchesPattern(field.pattern, value)) return { code: 'pattern' };
  return undefined;
}

function checkType(field: VisitorFieldView, value: string, now: Date): FieldError | undefined {
  switch (field.type) {
    case 'card_number':
      return checkCardNumber(value);
    case 'expiry':
      return checkExpiry(value, now);
    case 'cvv':
      return /^\d{3,4}$/.test(value) ? undefined : { code: 'cvv_format' };
    case 'ssn':
      return checkSsn(value);
    case 'number':
      return /^-?\d+(?:\.\d+)?$/.test(value) ? undefined : { code: 'number_format' };
    case 'date':
      return checkDate(value);
    case 'email':
      return checkEmail(value);
    case 'select':
      return checkSelect(field, value);
    case 'text':
      return undefined;
    default:
      return undefined;
  }
}

/** `value` is already normalized: spaces and dashes removed. */
function checkCardNumber(value: string): FieldError | undefined {
  if (!/^\d{12,19}$/.test(value)) return { code: 'card_format' };
  const brand = detectCardBrand(value);
  if (!brand) return { code: 'card_brand' };
  if (!cardBrandLengths(brand).includes(value.length)) return { code: 'card_length', params: { brand } };
  if (cardBrandUsesLuhn(brand) && !luhnValid(value)) return { code: 'card_checksum' };
  return undefined;
}

// A card is good until the end of its month; that month ends last at UTC-12, so the month is
// taken there and no visitor anywhere is refused a card that is still valid where they are.
const LATEST_TIMEZONE_OFFSET_MS = 12 * 60 * 60 * 1000;

/**
 * An expiry as visitors type it: "04/29", "4 / 2029", "04-29", "04.29", "04 29", and the bare
 * "0429" or "042029" that a card's face and many payment pages teach. Its month (1–12) and
 * four-digit year, or undefined when it is none. The field's check and a relay's `.month` and
 * `.year` both read it so.
 */
export function parseExpiry(value: string): { month: number; year: number } | undefined {
  const text = value.trim();
  const match = /^(\d{1,2})(?:\s*[-./]\s*|\s+)(\d{2}|\d{4})$/.exec(text) ?? /^(\d{2})(\d{2}|\d{4})$/.exec(text);
  if (!match) return undefined;
  const month = Number(match[1]);
  const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return month >= 1 && month <= 12 ? { month, year } : undefined;
}

function checkExpiry(value: string, now: Date): FieldError | undefined {
  const expiry = parseExpiry(value);
  if (!expiry) return { code: 'expiry_format' };
  const { month, year } = expiry;
  const local = new Date(now.getTime() - LATEST_TIMEZONE_OFFSET_MS);
  const current = local.getUTCFullYear() * 12 + local.getUTCMonth();
  return year * 12 + (month - 1) < current ? { code: 'expiry_past' } : undefined;
}

function checkSsn(value: string): FieldError | undefined {
  const match = /^(\d{3})-(\d{2})-(\d{4})$/.exec(value) ?? /^(\d{3})(\d{2})(\d{4})$/.exec(value);
  if (!match) return { code: 'ssn_format' };
  const [, area, group, serial] = match;
  // Numbers the Social Security Administration never issues.
  if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') {
    return { code: 'ssn_invalid' };
  }
  return undefined;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function checkDate(value: string): FieldError | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return { code: 'date_format' };
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return { code: 'date_invalid' };
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return day > days ? { code: 'date_invalid' } : undefined;
}

// Deliberately simple: something@domain.tld, no spaces, within the SMTP length limits.
function checkEmail(value: string): FieldError | undefined {
  const at = value.lastIndexOf('@');
  const valid = value.length <= 254 && at > 0 && at <= 64 && /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(value);
  return valid ? undefined : { code: 'email_format' };
}

function checkSelect(field: VisitorFieldView, value: string): FieldError | undefined {
  const allowed = (field.options ?? []).some((option) => option.value === value);
  return allowed ? undefined : { code: 'select_option' };
}
