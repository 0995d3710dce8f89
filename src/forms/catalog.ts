/**
 * The admin's form catalog (a JSON setting): strict validation that names every problem with its
 * place in the JSON, and the helpers that put a catalog form into one language for the vault.
 * All or nothing: a catalog with any problem is ignored as a whole, and the built-in forms keep
 * working. Pure functions, no Apps-Engine types.
 *
 * @example
 * parseCatalog('[{"id":"iban","title":"Bank account","fields":[{"id":"iban","label":"IBAN","type":"text"}]}]')
 * // { forms: [ { id: 'iban', … } ], problems: [] }
 */
import { matchLocale } from '../i18n/i18n';
import type { Translator } from '../i18n/i18n';
import { listProblems } from '../lib/admin-problems';
import type { ValidationProblem } from '../lib/validation';
import type { FieldSpecProblem, FormFieldSpec, FormSpec, SelectOption } from '../vault/contract';
import {
  closestLocale,
  DEFAULT_LOCALE,
  FIELD_TYPES,
  fieldSpecProblems,
  formPatternsTooComplex,
  isAutofillToken,
  isFieldId,
  isFieldType,
  isFormId,
  isRelayId,
  isRelayParamName,
  isRelayParamValue,
  isText,
  LENGTH_RANGES,
  LIMITS,
  MAX_FORM_PATTERN_PROGRAM,
} from '../vault/contract';
import { maskIdentifiers, quoteMasked } from '../redaction/mask-identifiers';
import { BUILTIN_FORM_IDS } from './builtin-forms';
import type { AskedParam, CatalogField, CatalogForm, CatalogRelay, LocalizedText } from './catalog-types';

/** How many custom forms a catalog may hold; everything inside a form follows the vault's contract. */
export const MAX_CATALOG_FORMS = 50;
const FORM_KEYS = ['id', 'title', 'fields', 'relay'];
const RELAY_KEYS = ['id', 'params', 'ask', 'sendOnSubmit'];
const ASK_KEYS = ['name', 'label', 'hint'];
const FIELD_KEYS = [
  'id',
  'label',
  'type',
  'required',
  'masked',
  'offTheRecord',
  'options',
  'minLength',
  'maxLength',
  'pattern',
  'hint',
  'autocomplete',
];

export interface CatalogProblem extends ValidationProblem {
  /** Where in the JSON, e.g. `[0].fields[2].type`; empty for the whole document. */
  path: string;
}

export interface CatalogValidation {
  forms: CatalogForm[];
  problems: CatalogProblem[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as the admin wrote it, clipped. An object would read "[object Object]", so it is shown as
 * JSON; one nested too deep for JSON.stringify's stack is shown by its brackets. */
function shownValue(value: Json | undefined): string {
  if (typeof value !== 'object' || value === null) {
    return quoteMasked(String(value));
  }
  try {
    return quoteMasked(JSON.stringify(value));
  } catch {
    return Array.isArray(value) ? '[…]' : '{…}';
  }
}

function maskedParams(params: NonNullable<ValidationProblem['params']>): NonNullable<ValidationProblem['params']> {
  const masked: NonNullable<ValidationProblem['params']> = {};
  for (const name of Object.keys(params)) {
    const value = params[name];
    masked[name] = typeof value === 'string' ? maskIdentifiers(value) : value;
  }
  return masked;
}

/**
 * Where JSON.parse stopped, as line and column, when its message says: the message itself may
 * quote the text (V8: `Unexpected token ' ', "{"x": tru 411111111"... is not valid JSON`).
 */
function jsonErrorAt(text: string, err: unknown): { line: number; column: number } | undefined {
  const position = /\bposition (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
  if (position === undefined) return undefined;
  const before = text.slice(0, Number(position));
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: before.length - lineStart + 1 };
}

class Checker {
  public readonly problems: CatalogProblem[] = [];

  /** A problem; a card number, IBAN or SSN the admin typed into an id or a pattern is masked in it. */
  public add(path: string, key: string, params?: ValidationProblem['params']): void {
    const masked = params && maskedParams(params);
    this.problems.push({ path, key, ...(masked ? { params: masked } : {}) });
  }

  public unknownKeys(value: JsonObject, allowed: string[], path: string): void {
    Object.keys(value)
      .filter((k) => allowed.indexOf(k) < 0)
      .forEach((name) => this.add(path, 'catalog_error_unknown_key', { name: quoteMasked(name) }));
  }

  public formId(value: Json | undefined, path: string): string | undefined {
    if (!isFormId(value)) {
      this.add(path, 'catalog_error_id', { max: LIMITS.formId });
      return undefined;
    }
    return value;
  }

  public fieldId(value: Json | undefined, path: string): string | undefined {
    if (!isFieldId(value)) {
      this.add(path, 'catalog_error_field_id', { max: LIMITS.fieldId });
      return undefined;
    }
    return value;
  }

  /** Texts are trimmed, then held to the contract's text rule, so the vault gets what was checked. */
  public text(value: Json | undefined, path: string, max: number): LocalizedText | undefined {
    const ok = (s: Json | undefined): s is string => typeof s === 'string' && isText(s.trim(), max);
    if (ok(value)) {
      return value.trim();
    }
    if (
      isObject(value) &&
      Object.keys(value).length > 0 &&
      Object.keys(value).every((k) => matchLocale(k) !== undefined || /^[a-z]{2}(-[A-Za-z]{2})?$/.test(k))
    ) {
      const entries = Object.keys(value).map((k) => [k, value[k]] as [string, Json]);
      if (entries.every(([, s]) => ok(s))) {
        const localized: { [locale: string]: string } = {};
        entries.forEach(([k, s]) => {
          localized[k] = (s as string).trim();
        });
        return localized;
      }
    }
    this.add(path, 'catalog_error_text', { max });
    return undefined;
  }

  public boolean(value: Json | undefined, path: string): boolean | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'boolean') {
      this.add(path, 'catalog_error_boolean');
      return undefined;
    }
    return value;
  }

  public length(value: Json | undefined, path: string, range: { min: number; max: number }): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      this.add(path, 'catalog_error_length', { min: range.min, max: range.max });
      return undefined;
    }
    return value;
  }

  /** Options as the vault takes them: texts are not trimmed here, since a value must match exactly. */
  public options(value: Json | undefined, path: string): SelectOption[] | undefined {
    const okText = (s: Json | undefined): s is string => isText(s, LIMITS.optionText);
    const valid =
      Array.isArray(value) &&
      value.length > 0 &&
      value.length <= LIMITS.options &&
      value.every(
        (o) => okText(o) || (isObject(o) && Object.keys(o).length === 2 && okText(o.value) && okText(o.label)),
      );
    if (!valid) {
      this.add(path, 'catalog_error_options', { max: LIMITS.options });
      return undefined;
    }
    return (value as Json[]).map((o) =>
      typeof o === 'string'
        ? o
        : { value: (o as JsonObject).value as string, label: (o as JsonObject).label as string },
    );
  }

  /** A relay binding: the vault's relay ID and the parameters the contract allows, fixed or asked. */
  public relay(value: Json | undefined, path: string): CatalogRelay | undefined {
    if (!isObject(value)) {
      this.add(path, 'catalog_error_not_object');
      return undefined;
    }
    const before = this.problems.length;
    this.unknownKeys(value, RELAY_KEYS, path);
    if (!isRelayId(value.id)) {
      this.add(`${path}.id`, 'catalog_error_relay_id');
    }
    const params = value.params === undefined ? {} : value.params;
    const names = isObject(params) ? Object.keys(params) : [];
    const fixed = (n: string) => isObject(params) && params[n] !== '' && isRelayParamValue(params[n]);
    if (!isObject(params) || !names.every((n) => isRelayParamName(n) && fixed(n))) {
      this.add(`${path}.params`, 'catalog_error_relay_params');
    }
    const rawAsk = value.ask === undefined ? [] : value.ask;
    const ask = Array.isArray(rawAsk) ? rawAsk.map((a, i) => this.askedParam(a, `${path}.ask[${i}]`)) : [];
    const asked = ask.map((a) => (a ? a.name : ''));
    if (
      !Array.isArray(rawAsk) ||
      !asked.every((n, i) => isRelayParamName(n) && asked.indexOf(n) === i && names.indexOf(n) < 0)
    ) {
      this.add(`${path}.ask`, 'catalog_error_relay_ask');
    } else if (names.length + ask.length > LIMITS.relayParams) {
      this.add(path, 'catalog_error_relay_too_many', { max: LIMITS.relayParams });
    }
    const sendOnSubmit = this.boolean(value.sendOnSubmit, `${path}.sendOnSubmit`);
    if (sendOnSubmit && ask.length > 0) {
      this.add(`${path}.sendOnSubmit`, 'catalog_error_relay_send_on_submit');
    }
    if (this.problems.length > before) {
      return undefined;
    }
    return {
      id: value.id as string,
      params: params as { [name: string]: string },
      ask: ask as AskedParam[],
      sendOnSubmit: sendOnSubmit === true,
    };
  }

  /** `"amount"`, or `{"name": "amount", "label": …, "hint": …}` with texts that may be localized. */
  private askedParam(value: Json, path: string): AskedParam | undefined {
    if (typeof value === 'string') {
      return { name: value };
    }
    if (!isObject(value) || typeof value.name !== 'string') {
      return undefined; // named by catalog_error_relay_ask
    }
    this.unknownKeys(value, ASK_KEYS, path);
    const label = value.label === undefined ? undefined : this.text(value.label, `${path}.label`, LIMITS.label);
    const hint = value.hint === undefined ? undefined : this.text(value.hint, `${path}.hint`, LIMITS.hint);
    return { name: value.name, ...(label ? { label } : {}), ...(hint ? { hint } : {}) };
  }

  /** A problem of the field's definition, found by the contract's own rules, at its place in the JSON. */
  public fieldSpec(problem: FieldSpecProblem, path: string, id: string): void {
    switch (problem.code) {
      case 'options_missing':
        this.add(`${path}.options`, 'catalog_error_options', { max: LIMITS.options });
        return;
      case 'options_not_select':
        this.add(`${path}.options`, 'catalog_error_options_only_select');
        return;
      case 'min_over_max':
        this.add(`${path}.minLength`, 'catalog_error_min_max');
        return;
      case 'pattern':
        this.add(`${path}.pattern`, 'catalog_error_pattern', { id, reason: problem.reason, max: LIMITS.pattern });
        return;
    }
  }
}

function checkField(c: Checker, raw: Json, path: string, seen: string[]): CatalogField | undefined {
  if (!isObject(raw)) {
    c.add(path, 'catalog_error_not_object');
    return undefined;
  }
  const before = c.problems.length;
  c.unknownKeys(raw, FIELD_KEYS, path);
  const id = c.fieldId(raw.id, `${path}.id`);
  if (id && seen.indexOf(id) >= 0) {
    c.add(`${path}.id`, 'catalog_error_duplicate_id', { id });
  }
  if (id) {
    seen.push(id);
  }
  const label = c.text(raw.label, `${path}.label`, LIMITS.label);
  const type = isFieldType(raw.type) ? raw.type : undefined;
  if (!type) {
    c.add(`${path}.type`, 'catalog_error_type', { value: shownValue(raw.type), allowed: FIELD_TYPES.join(', ') });
  }
  const required = c.boolean(raw.required, `${path}.required`);
  const masked = c.boolean(raw.masked, `${path}.masked`);
  const offTheRecord = c.boolean(raw.offTheRecord, `${path}.offTheRecord`);
  if (type === 'cvv' && offTheRecord === false) {
    c.add(`${path}.offTheRecord`, 'catalog_error_cvv_on_record');
  }
  const options =
    type === 'select' && raw.options !== undefined ? c.options(raw.options, `${path}.options`) : undefined;
  const minLength = c.length(raw.minLength, `${path}.minLength`, LENGTH_RANGES.minLength);
  const maxLength = c.length(raw.maxLength, `${path}.maxLength`, LENGTH_RANGES.maxLength);
  const pattern = typeof raw.pattern === 'string' ? raw.pattern : undefined;
  if (raw.pattern !== undefined && pattern === undefined) {
    c.add(`${path}.pattern`, 'catalog_error_pattern', { id: id || path, reason: 'not a text', max: LIMITS.pattern });
  }
  // The vault's own rules on the rest; options whose shape was refused above are not refused twice.
  fieldSpecProblems({
    type: type || 'text',
    options: raw.options === undefined ? undefined : options || [],
    minLength,
    maxLength,
    pattern,
  })
    .filter((problem) => !(problem.code === 'options_missing' && raw.options !== undefined))
    .forEach((problem) => c.fieldSpec(problem, path, id || path));
  const hint = raw.hint === undefined ? undefined : c.text(raw.hint, `${path}.hint`, LIMITS.hint);
  const autocomplete =
    raw.autocomplete === undefined || isAutofillToken(raw.autocomplete) ? raw.autocomplete : undefined;
  if (raw.autocomplete !== undefined && autocomplete === undefined) {
    c.add(`${path}.autocomplete`, 'catalog_error_autocomplete');
  }
  if (c.problems.length > before || !id || !label || !type) {
    return undefined;
  }
  const field: CatalogField = { id, label, type };
  const optional: Partial<CatalogField> = {
    required,
    masked,
    offTheRecord: type === 'cvv' ? true : offTheRecord,
    options,
    minLength,
    maxLength,
    pattern,
    hint,
    autocomplete,
  };
  (Object.keys(optional) as Array<keyof CatalogField>).forEach((key) => {
    if (optional[key] !== undefined) {
      (field as unknown as { [k: string]: unknown })[key] = optional[key];
    }
  });
  return field;
}

function checkForm(
  c: Checker,
  raw: Json,
  path: string,
  seen: string[],
  reserved: readonly string[],
): CatalogForm | undefined {
  if (!isObject(raw)) {
    c.add(path, 'catalog_error_not_object');
    return undefined;
  }
  const before = c.problems.length;
  c.unknownKeys(raw, FORM_KEYS, path);
  const id = c.formId(raw.id, `${path}.id`);
  if (id && reserved.indexOf(id) >= 0) {
    c.add(`${path}.id`, 'catalog_error_reserved_id', { id });
  } else if (id && seen.indexOf(id) >= 0) {
    c.add(`${path}.id`, 'catalog_error_duplicate_id', { id });
  }
  if (id) {
    seen.push(id);
  }
  const title = c.text(raw.title, `${path}.title`, LIMITS.title);
  const fieldIds: string[] = [];
  const fields: CatalogField[] = [];
  if (!Array.isArray(raw.fields) || raw.fields.length === 0 || raw.fields.length > LIMITS.fields) {
    c.add(`${path}.fields`, 'catalog_error_fields', { max: LIMITS.fields });
  } else {
    raw.fields.forEach((f, i) => {
      const field = checkField(c, f, `${path}.fields[${i}]`, fieldIds);
      if (field) {
        fields.push(field);
      }
    });
    if (formPatternsTooComplex(fields)) {
      c.add(`${path}.fields`, 'catalog_error_patterns_too_complex', { max: MAX_FORM_PATTERN_PROGRAM });
    }
  }
  const relay = raw.relay === undefined ? undefined : c.relay(raw.relay, `${path}.relay`);
  if (c.problems.length > before || !id || !title) {
    return undefined;
  }
  return relay ? { id, title, fields, relay } : { id, title, fields };
}

/**
 * Validates the admin's catalog text. Empty text is an empty catalog, not an error. Accepts an
 * array of forms or `{ "forms": [ … ] }`. Any problem empties `forms`: a half-valid catalog is
 * never used.
 */
export function parseCatalog(
  text: string | undefined | null,
  reservedIds: readonly string[] = BUILTIN_FORM_IDS,
): CatalogValidation {
  if (text === undefined || text === null || String(text).trim() === '') {
    return { forms: [], problems: [] };
  }
  const c = new Checker();
  let doc: Json;
  try {
    doc = JSON.parse(String(text)) as Json;
  } catch (err) {
    const at = jsonErrorAt(String(text), err);
    c.add('', at ? 'catalog_error_json_at' : 'catalog_error_json', at);
    return { forms: [], problems: c.problems };
  }
  const list = Array.isArray(doc)
    ? doc
    : isObject(doc) && Object.keys(doc).length === 1 && Array.isArray(doc.forms)
      ? doc.forms
      : undefined;
  if (!list) {
    c.add('', 'catalog_error_shape');
    return { forms: [], problems: c.problems };
  }
  if (list.length > MAX_CATALOG_FORMS) {
    c.add('', 'catalog_error_too_many', { max: MAX_CATALOG_FORMS });
    return { forms: [], problems: c.problems };
  }
  const prefix = Array.isArray(doc) ? '' : '.forms';
  const seen: string[] = [];
  const forms = list
    .map((raw, i) => checkForm(c, raw, `${prefix}[${i}]`, seen, reservedIds))
    .filter((f): f is CatalogForm => Boolean(f));
  return c.problems.length > 0 ? { forms: [], problems: c.problems } : { forms, problems: [] };
}

/** One line per problem, e.g. `[0].fields[1].type: Unknown field type "colour". …`; a long list is cut short. */
export function describeCatalogProblems(problems: readonly CatalogProblem[], t: Translator): string {
  return listProblems(problems, (p) => `${p.path ? `${p.path}: ` : ''}${t(p.key, p.params)}`, t);
}

/** The text in `locale`, else the same language, else English, else the first one given. */
export function localizeText(text: LocalizedText, locale: string): string {
  if (typeof text === 'string') {
    return text;
  }
  const keys = Object.keys(text);
  return text[closestLocale(locale, keys) || closestLocale(DEFAULT_LOCALE, keys) || keys[0]];
}

/** The form in one language, as the vault's `POST /v1/requests` takes it. */
export function localizeForm(form: CatalogForm, locale: string): FormSpec {
  return {
    id: form.id,
    ...(form.relay ? { relay: form.relay.id } : {}),
    title: localizeText(form.title, locale),
    fields: form.fields.map((field) => {
      const spec: FormFieldSpec = { ...field, label: localizeText(field.label, locale) } as FormFieldSpec;
      if (field.hint !== undefined) {
        spec.hint = localizeText(field.hint, locale);
      }
      return spec;
    }),
  };
}

/** Built-in forms first, then the admin's. */
export function mergeCatalogs(builtin: readonly CatalogForm[], custom: readonly CatalogForm[]): CatalogForm[] {
  return [...builtin, ...custom];
}

export function findForm(catalog: readonly CatalogForm[], id: string): CatalogForm | undefined {
  return catalog.find((f) => f.id === id);
}
