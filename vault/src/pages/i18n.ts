/**
 * The visitor pages' message catalogs. Each language is one JSON file in `messages/` named by its
 * locale tag (`es.json`, `pt-BR.json`) with the same keys as `en.json`: adding a language is
 * adding a file. Missing keys fall back to the language, then to English.
 */
import fs from 'fs';
import path from 'path';
import type { VisitorFieldView } from '../contract';
import { closestLocale, DEFAULT_LOCALE } from '../contract/locale';
import type { FieldError } from '../contract/field-rules';
import { ownValue } from '../contract/own-value';
import { formatFieldError, formatMessage, type MessageLookup, type MessageParams } from './message-format';

/** Every key of the English catalog, which is the reference. */
export type MessageKey = keyof typeof import('./messages/en.json');
type Catalog = Record<string, string>;

export { DEFAULT_LOCALE };
export const MESSAGES_DIR = path.join(__dirname, 'messages');

/** A catalog file that is not a flat object of strings: a broken deployment, not a user error. */
export class CatalogError extends Error {
  readonly code = 'catalog_invalid';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'CatalogError';
  }
}

function loadCatalogs(): Map<string, Catalog> {
  const catalogs = new Map<string, Catalog>();
  for (const file of fs.readdirSync(MESSAGES_DIR)) {
    if (!file.endsWith('.json')) continue;
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(MESSAGES_DIR, file), 'utf8'));
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every((value) => typeof value === 'string')
    ) {
      throw new CatalogError(file, 'a message catalog must be a JSON object of strings');
    }
    catalogs.set(file.slice(0, -'.json'.length), parsed as Catalog);
  }
  if (!catalogs.has(DEFAULT_LOCALE)) throw new CatalogError(`${DEFAULT_LOCALE}.json`, 'the English catalog is missing');
  return catalogs;
}

let cache: Map<string, Catalog> | undefined;
function catalogs(): Map<string, Catalog> {
  cache ??= loadCatalogs();
  return cache;
}

let sorted: readonly string[] | undefined;
function sortedLocales(): readonly string[] {
  sorted ??= [...catalogs().keys()].sort();
  return sorted;
}

/** The locales there is a catalog for, e.g. `['en', 'es']`. */
export function availableLocales(): string[] {
  return [...sortedLocales()];
}

/** The catalog of a locale as written in its file, for tests and tooling. */
export function catalogFor(locale: string): Readonly<Record<string, string>> | undefined {
  return catalogs().get(locale);
}

/** The available locale for a tag: exact (any case), then its language (`pt-BR` → `pt`), then a region of it. */
function matchLocale(tag: string): string | undefined {
  // Most pages ask for a locale there is a catalog for: found as is, without the fallback rule.
  return catalogs().has(tag) ? tag : closestLocale(tag, sortedLocales());
}

/** Accept-Language tags, best first; `q=0` and `*` are dropped. */
function acceptedTags(header: string): string[] {
  return header
    .split(',')
    .map((part, index) => {
      const [tag, ...attributes] = part.split(';').map((piece) => piece.trim());
      const q = attributes.find((attribute) => /^q=/i.test(attribute));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { tag, quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((entry) => entry.tag !== '' && entry.tag !== '*' && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
    .map((entry) => entry.tag);
}

/**
 * The page's locale: the request's own locale if there is a catalog for it, else the best
 * Accept-Language match, else English.
 * @example negotiateLocale('pt-BR', undefined) // 'pt' when only pt.json exists
 */
export function negotiateLocale(requested: string | undefined, acceptLanguage: string | undefined): string {
  const fromRequest = requested ? matchLocale(requested) : undefined;
  if (fromRequest) return fromRequest;
  for (const tag of acceptedTags(acceptLanguage ?? '')) {
    const match = matchLocale(tag);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}

/** Looks keys up in the locale's catalog, then its language's, then English. */
export function messageLookup(locale: string): MessageLookup {
  let lookup = lookups.get(locale);
  if (!lookup) {
    lookup = newLookup(locale);
    // Only locales with a catalog are kept: any other tag would grow the map without bound.
    if (catalogs().has(locale)) lookups.set(locale, lookup);
  }
  return lookup;
}
const lookups = new Map<string, MessageLookup>();

function newLookup(locale: string): MessageLookup {
  const chain = [catalogs().get(locale), catalogs().get(locale.split('-')[0]), catalogs().get(DEFAULT_LOCALE)].filter(
    (catalog): catalog is Catalog => catalog !== undefined,
  );
  return (key) => {
    for (const catalog of chain) {
      const message = ownValue(catalog, key);
      if (message !== undefined) return message;
    }
    return undefined;
  };
}

/**
 * A message in the locale, with its parameters filled in (see `formatMessage`).
 * @example t('en', 'idv.character', { position: 2 }) // 'Character 2'
 */
export function t(locale: string, key: MessageKey, params?: MessageParams): string {
  return formatMessage(messageLookup(locale)(key) ?? key, params, locale);
}

/** The message for a field error in the locale, e.g. "Card number is required". */
export function fieldErrorMessage(locale: string, field: Pick<VisitorFieldView, 'label'>, error: FieldError): string {
  return formatFieldError(messageLookup(locale), locale, field, error);
}

/** "2 and 4", "2 y 4": a list in the locale's words. */
export function formatList(locale: string, items: string[]): string {
  try {
    return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

/** The catalog entries the page script needs to phrase errors itself, already resolved for the locale. */
export function clientMessages(locale: string): Record<string, string> {
  const lookup = messageLookup(locale);
  const keys = Object.keys(catalogs().get(DEFAULT_LOCALE) ?? {}).filter(
    (key) => key.startsWith('error.') || key.startsWith('brand.') || key.startsWith('toggle.'),
  );
  const entries: Array<[string, string]> = [];
  for (const key of keys) {
    const message = lookup(key);
    if (message !== undefined) entries.push([key, message]);
  }
  return Object.fromEntries(entries);
}
