import { isRelayParamValue } from '../contract/limits';
import { parseExpiry } from '../contract/field-rules';

/**
 * A relay's body template: data, not code. Strings may hold `{{placeholder}}`s and nothing else
 * (no expressions, conditions or loops); each value is encoded for the body's format by the
 * encoder of that format (JSON.stringify, URLSearchParams), never pasted into text.
 *
 * Placeholders:
 * - `{{<fieldId>}}`: a submitted field's value; a `card_number` field's digits only;
 * - `{{<fieldId>.month}}`, `{{<fieldId>.year}}`: an `expiry` field's month (`1`–`12`) and 4-digit year;
 * - `{{param.<name>}}`: a plain parameter the caller passes with the send (e.g. `amount`, `currency`);
 * - `{{request_id}}`: the vault's request ID.
 */

export type BodyFormat = 'json' | 'form';

export interface RelayTemplate {
  format: BodyFormat;
  /**
   * JSON: any JSON value whose strings may hold placeholders. Form: `[name, value]` pairs in
   * order (a name may repeat, as in Stripe's `expand[]`); names are literal, values may hold placeholders.
   */
  body: unknown;
}

/** What the placeholders are filled from. */
export interface TemplateValues {
  requestId: string;
  /** Submitted values by field ID. */
  fields: Readonly<Record<string, string>>;
  /** Field types by ID, for the digits-only and expiry placeholders. */
  types: Readonly<Record<string, string>>;
  /** The caller's parameters. */
  params: Readonly<Record<string, string>>;
}

export class TemplateError extends Error {
  readonly code = 'relay_template';
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_.-]{0,80})\s*\}\}/g;

/** Every placeholder name the template uses (to check a relay against a form when it is configured). */
export function placeholdersOf(template: RelayTemplate): string[] {
  const names = new Set<string>();
  for (const text of templateStrings(template)) for (const m of text.matchAll(PLACEHOLDER)) names.add(m[1]);
  return [...names];
}

/** Checks a template's shape; throws TemplateError naming what is wrong. */
export function checkTemplate(template: RelayTemplate): void {
  if (template.format !== 'json' && template.format !== 'form') {
    throw new TemplateError('format must be "json" or "form"');
  }
  if (template.format === 'form') {
    const pairs = template.body;
    if (!Array.isArray(pairs) || pairs.length === 0)
      throw new TemplateError('a form body is a list of [name, value] pairs');
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new TemplateError('each form pair is [name, value], both strings');
      }
      if (PLACEHOLDER.test(pair[0])) throw new TemplateError(`form names are literal: ${pair[0]}`);
      PLACEHOLDER.lastIndex = 0;
    }
  }
  for (const text of templateStrings(template)) {
    if (text.replace(PLACEHOLDER, '').includes('{{')) throw new TemplateError(`not a placeholder: ${text}`);
  }
}

/** The request body for `template`, with its content type. Throws TemplateError when a value is missing. */
export function renderTemplate(template: RelayTemplate, values: TemplateValues): { contentType: string; body: string } {
  checkTemplate(template);
  const fill = (text: string) => text.replace(PLACEHOLDER, (_all, name: string) => valueOf(name, values));
  if (template.format === 'form') {
    const form = new URLSearchParams();
    for (const [name, value] of template.body as [string, string][]) form.append(name, fill(value));
    return { contentType: 'application/x-www-form-urlencoded', body: form.toString() };
  }
  return { contentType: 'application/json', body: JSON.stringify(mapStrings(template.body, fill)) };
}

function valueOf(name: string, values: TemplateValues): string {
  if (name === 'request_id') return values.requestId;
  if (name.startsWith('param.')) {
    const param = values.params[name.slice('param.'.length)];
    if (param === undefined) throw new TemplateError(`the parameter ${name.slice(6)} is required`);
    if (!isRelayParamValue(param))
      throw new TemplateError(`the parameter ${name.slice(6)} must be plain words or numbers`);
    return param;
  }
  const [fieldId, part] = name.split('.', 2);
  const raw = values.fields[fieldId];
  if (raw === undefined || raw === '') throw new TemplateError(`the field ${fieldId} has no value`);
  const type = values.types[fieldId];
  if (part === undefined) return type === 'card_number' ? raw.replace(/\D/g, '') : raw;
  if (type !== 'expiry' || (part !== 'month' && part !== 'year')) {
    throw new TemplateError(`${name}: only expiry fields have .month and .year`);
  }
  const expiry = parseExpiry(raw);
  if (!expiry) throw new TemplateError(`the field ${fieldId} is not an expiry date`);
  return String(part === 'month' ? expiry.month : expiry.year);
}

function templateStrings(template: RelayTemplate): string[] {
  const found: string[] = [];
  mapStrings(template.body, (text) => {
    found.push(text);
    return text;
  });
  return found;
}

function mapStrings(node: unknown, fill: (text: string) => string): unknown {
  if (typeof node === 'string') return fill(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, fill));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, fill)]));
  }
  return node;
}

/**
 * Stripe's PaymentIntents API (`POST https://api.stripe.com/v1/payment_intents`, form-encoded,
 * `Authorization: Bearer sk_…`, `Idempotency-Key`), confirming at once with the card from a form
 * with fields `pan`, `expiry`, `cvv`; `amount` (in the currency's smallest unit) and `currency`
 * come with the send. The payment method is expanded so the answer carries brand and last 4.
 */
export const STRIPE_PAYMENT_INTENT: RelayTemplate = {
  format: 'form',
  body: [
    ['amount', '{{param.amount}}'],
    ['currency', '{{param.currency}}'],
    ['confirm', 'true'],
    ['payment_method_data[type]', 'card'],
    ['payment_method_data[card][number]', '{{pan}}'],
    ['payment_method_data[card][exp_month]', '{{expiry.month}}'],
    ['payment_method_data[card][exp_year]', '{{expiry.year}}'],
    ['payment_method_data[card][cvc]', '{{cvv}}'],
    ['metadata[vault_request_id]', '{{request_id}}'],
    ['expand[]', 'payment_method'],
  ],
};

/** The fields of Stripe's answer worth keeping: never the number, only its outcome and last 4. */
export const STRIPE_KEEP: Record<string, string> = {
  id: 'id',
  status: 'status',
  brand: 'payment_method.card.brand',
  last4: 'payment_method.card.last4',
  decline_code: 'last_payment_error.decline_code',
  error_code: 'error.code',
};
