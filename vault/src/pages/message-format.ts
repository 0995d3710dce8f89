/**
 * Fills a catalog message with its parameters. Pure, so the server and the page script (which
 * gets its messages in the page data) phrase errors identically.
 *
 * Syntax, a small subset of ICU MessageFormat:
 * - `{name}` → the parameter, or left as written when it is missing;
 * - `{count, plural, =0 {none} one {# item} other {# items}}` → the branch for the number, with
 *   `#` replaced by it; categories come from `Intl.PluralRules` of the locale.
 */
import type { VisitorFieldView } from '../contract';
import type { FieldError } from '../contract/field-rules';
import { ownValue } from '../contract/own-value';

export type MessageParams = Record<string, string | number>;

/** Finds the message for a key in one locale's catalog (with its fallbacks), or undefined. */
export type MessageLookup = (key: string) => string | undefined;

/**
 * @example formatMessage('{n, plural, one {# digit} other {# digits}}', { n: 3 }, 'en') // '3 digits'
 */
export function formatMessage(template: string, params: MessageParams | undefined, locale: string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) break;
    const close = matchingBrace(template, open);
    if (close < 0) break;
    out +=
      template.slice(i, open) +
      formatArgument(template.slice(open + 1, close), template.slice(open, close + 1), params, locale);
    i = close + 1;
  }
  return out + template.slice(i);
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function formatArgument(inner: string, written: string, params: MessageParams | undefined, locale: string): string {
  const comma = inner.indexOf(',');
  const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
  const value = params !== undefined ? ownValue(params, name) : undefined;
  if (value === undefined) return written;
  if (comma < 0) return String(value);
  const rest = inner.slice(comma + 1);
  const secondComma = rest.indexOf(',');
  if (secondComma < 0 || rest.slice(0, secondComma).trim() !== 'plural') return written;
  const branches = parsePluralBranches(rest.slice(secondComma + 1));
  const count = Number(value);
  const exact = branches.get(`=${count}`);
  const category = pluralCategory(count, locale);
  const branch = exact ?? branches.get(category) ?? branches.get('other');
  if (branch === undefined) return written;
  // `#` first, so a '#' inside another parameter (a label) stays as written.
  return formatMessage(branch.split('#').join(String(value)), params, locale);
}

function parsePluralBranches(text: string): Map<string, string> {
  const branches = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) break;
    const close = matchingBrace(text, open);
    if (close < 0) break;
    branches.set(text.slice(i, open).trim(), text.slice(open + 1, close));
    i = close + 1;
  }
  return branches;
}

function pluralCategory(count: number, locale: string): string {
  try {
    return new Intl.PluralRules(locale).select(count);
  } catch {
    return count === 1 ? 'one' : 'other';
  }
}

/**
 * The message for a field error, e.g. "Card number must be 12 to 19 digits". The field's label
 * is the `{label}` parameter; a card brand code becomes its display name (`brand.<code>`).
 */
export function formatFieldError(
  lookup: MessageLookup,
  locale: string,
  field: Pick<VisitorFieldView, 'label'>,
  error: FieldError,
): string {
  const template = lookup(`error.${error.code}`) ?? lookup('error.invalid_value') ?? error.code;
  const params: MessageParams = { ...error.params, label: field.label };
  if (typeof params.brand === 'string') params.brand = lookup(`brand.${params.brand}`) ?? params.brand;
  return formatMessage(template, params, locale);
}
