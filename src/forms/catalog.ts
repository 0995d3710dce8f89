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
import { DEFAULT_LOCALE, matchLocale } from '../i18n/i18n';
import type { Translator } from '../i18n/i18n';
import type { ValidationProblem } from '../lib/validation';
import type { FormFieldSpec, FormSpec, SelectOption } from '../vault/contract';
import { BUILTIN_FORM_IDS } from './builtin-forms';
import type { CatalogField, CatalogForm, LocalizedText } from './catalog-types';
import { FIELD_TYPE_SET, isAutofillToken, isFieldType } from './catalog-types';

export const CATALOG_LIMITS = {
  forms: 50,
  fields: 30,
  text: 120,
  hint: 200,
  pattern: 200,
  options: 100,
  length: 10000,
} as const;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const FORM_KEYS = ['id', 'title', 'fields'];
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

class Checker {
  public readonly problems: CatalogProblem[] = [];

  public add(path: string, key: string, params?: ValidationProblem['params']): void {
    this.problems.push({ path, key, ...(params ? { params } : {}) });
  }

  public unknownKeys(value: JsonObject, allowed: string[], path: string): void {
    Object.keys(value)
      .filter((k) => allowed.indexOf(k) < 0)
      .forEach((name) => this.add(path, 'catalog_error_unknown_key', { name }));
  }

  public id(value: Json | undefined, path: string): string | undefined {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      this.add(path, 'catalog_error_id');
      return undefined;
    }
    return value;
  }

  public text(value: Json | undefined, path: string, max: number): LocalizedText | undefined {
    const ok = (s: Json | undefined): s is string => typeof s === 'string' && s.trim().length > 0 && s.length <= max;
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

  public length(value: Json | undefined, path: string): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > CATALOG_LIMITS.length) {
      this.add(path, 'catalog_error_length', { max: CATALOG_LIMITS.length });
      return undefined;
    }
    return value;
  }

  public pattern(value: Json | undefined, path: string): string | undefined {
    if (value === undefined) {
      return undefined;
    }
    let valid = typeof value === 'string' && value.length > 0 && value.length <= CATALOG_LIMITS.pattern;
    if (valid) {
      try {
        new RegExp(value as string);
      } catch {
        valid = false;
      }
    }
    if (!valid) {
      this.add(path, 'catalog_error_pattern', { max: CATALOG_LIMITS.pattern });
      return undefined;
    }
    return value as string;
  }

  public options(value: Json | undefined, path: string): SelectOption[] | undefined {
    const okText = (s: Json | undefined): s is string =>
      typeof s === 'string' && s.trim().length > 0 && s.length <= CATALOG_LIMITS.text;
    const valid =
      Array.isArray(value) &&
      value.length > 0 &&
      value.length <= CATALOG_LIMITS.options &&
      value.every(
        (o) => okText(o) || (isObject(o) && Object.keys(o).length === 2 && okText(o.value) && okText(o.label)),
      );
    if (!valid) {
      this.add(path, 'catalog_error_options', { max: CATALOG_LIMITS.options });
      return undefined;
    }
    return (value as Json[]).map((o) =>
      typeof o === 'string'
        ? o
        : { value: (o as JsonObject).value as string, label: (o as JsonObject).label as string },
    );
  }
}

function checkField(c: Checker, raw: Json, path: string, seen: string[]): CatalogField | undefined {
  if (!isObject(raw)) {
    c.add(path, 'catalog_error_not_object');
    return undefined;
  }
  const before = c.problems.length;
  c.unknownKeys(raw, FIELD_KEYS, path);
  const id = c.id(raw.id, `${path}.id`);
  if (id && seen.indexOf(id) >= 0) {
    c.add(`${path}.id`, 'catalog_error_duplicate_id', { id });
  }
  if (id) {
    seen.push(id);
  }
  const label = c.text(raw.label, `${path}.label`, CATALOG_LIMITS.text);
  const type = isFieldType(raw.type) ? raw.type : undefined;
  if (!type) {
    c.add(`${path}.type`, 'catalog_error_type', {
      // An object would read "[object Object]"; JSON shows the admin what they wrote.
      value: typeof raw.type === 'object' ? JSON.stringify(raw.type) : String(raw.type),
      allowed: Object.keys(FIELD_TYPE_SET).join(', '),
    });
  }
  const required = c.boolean(raw.required, `${path}.required`);
  const masked = c.boolean(raw.masked, `${path}.masked`);
  const offTheRecord = c.boolean(raw.offTheRecord, `${path}.offTheRecord`);
  if (type === 'cvv' && offTheRecord === false) {
    c.add(`${path}.offTheRecord`, 'catalog_error_cvv_on_record');
  }
  let options: SelectOption[] | undefined;
  if (type === 'select') {
    options = c.options(raw.options, `${path}.options`);
  } else if (raw.options !== undefined) {
    c.add(`${path}.options`, 'catalog_error_options_only_select');
  }
  const minLength = c.length(raw.minLength, `${path}.minLength`);
  const maxLength = c.length(raw.maxLength, `${path}.maxLength`);
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
    c.add(`${path}.minLength`, 'catalog_error_min_max');
  }
  const pattern = c.pattern(raw.pattern, `${path}.pattern`);
  const hint = raw.hint === undefined ? undefined : c.text(raw.hint, `${path}.hint`, CATALOG_LIMITS.hint);
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
  const id = c.id(raw.id, `${path}.id`);
  if (id && reserved.indexOf(id) >= 0) {
    c.add(`${path}.id`, 'catalog_error_reserved_id', { id });
  } else if (id && seen.indexOf(id) >= 0) {
    c.add(`${path}.id`, 'catalog_error_duplicate_id', { id });
  }
  if (id) {
    seen.push(id);
  }
  const title = c.text(raw.title, `${path}.title`, CATALOG_LIMITS.text);
  const fieldIds: string[] = [];
  const fields: CatalogField[] = [];
  if (!Array.isArray(raw.fields) || raw.fields.length === 0 || raw.fields.length > CATALOG_LIMITS.fields) {
    c.add(`${path}.fields`, 'catalog_error_fields', { max: CATALOG_LIMITS.fields });
  } else {
    raw.fields.forEach((f, i) => {
      const field = checkField(c, f, `${path}.fields[${i}]`, fieldIds);
      if (field) {
        fields.push(field);
      }
    });
  }
  if (c.problems.length > before || !id || !title) {
    return undefined;
  }
  return { id, title, fields };
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
    c.add('', 'catalog_error_json', { detail: err instanceof Error ? err.message : String(err) });
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
  if (list.length > CATALOG_LIMITS.forms) {
    c.add('', 'catalog_error_too_many', { max: CATALOG_LIMITS.forms });
    return { forms: [], problems: c.problems };
  }
  const prefix = Array.isArray(doc) ? '' : '.forms';
  const seen: string[] = [];
  const forms = list
    .map((raw, i) => checkForm(c, raw, `${prefix}[${i}]`, seen, reservedIds))
    .filter((f): f is CatalogForm => Boolean(f));
  return c.problems.length > 0 ? { forms: [], problems: c.problems } : { forms, problems: [] };
}

/** One line per problem, e.g. `[0].fields[1].type: Unknown field type "colour". …`. */
export function describeCatalogProblems(problems: readonly CatalogProblem[], t: Translator): string {
  return problems.map((p) => `${p.path ? `${p.path}: ` : ''}${t(p.key, p.params)}`).join('\n');
}

/** The text in `locale`, else the same language, else English, else the first one given. */
export function localizeText(text: LocalizedText, locale: string): string {
  if (typeof text === 'string') {
    return text;
  }
  const keys = Object.keys(text);
  const exact = keys.find((k) => k.toLowerCase() === locale.toLowerCase());
  const sameLanguage = keys.find((k) => k.toLowerCase().split('-')[0] === locale.toLowerCase().split('-')[0]);
  const english = keys.find((k) => k.toLowerCase().split('-')[0] === DEFAULT_LOCALE);
  const chosen = exact || sameLanguage || english || keys[0];
  return text[chosen];
}

/** The form in one language, as the vault's `POST /v1/requests` takes it. */
export function localizeForm(form: CatalogForm, locale: string): FormSpec {
  return {
    id: form.id,
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
