/**
 * Translation lookup for everything the app says: pure functions over the generated bundle of
 * i18n/*.json (src/i18n/translations.ts). Placeholders are written `__name__`, as in Rocket.Chat.
 *
 * @example translate('es', 'visitor_idv_button') // "Responder de forma segura"
 */
import { closestLocale, DEFAULT_LOCALE } from '../../vault/src/contract/locale';
import { TRANSLATIONS } from './translations';

export { DEFAULT_LOCALE };
export const SUPPORTED_LOCALES: readonly string[] = [
  'en',
  'es',
  'pt-BR',
  'de',
  'fr',
  'ar',
  'he',
  'it',
  'nl',
  'pl',
  'ja',
];

export type TranslationParams = { [name: string]: string | number };

/**
 * The supported locale closest to `candidate`: exact ("pt-BR"), then by language ("pt" → "pt-BR",
 * "es-MX" → "es"), case and "_" insensitive; undefined when none fits. The contract's rule, which
 * the vault's pages follow too.
 */
export function matchLocale(candidate: string | undefined | null): string | undefined {
  return closestLocale(candidate, SUPPORTED_LOCALES);
}

/** The first of the candidates that matches a supported locale, else English. */
export function resolveLocale(...candidates: Array<string | undefined | null>): string {
  for (const candidate of candidates) {
    const match = matchLocale(candidate);
    if (match) {
      return match;
    }
  }
  return DEFAULT_LOCALE;
}

/** `key` in `locale`, falling back to English, then to the key itself; fills `__name__` placeholders. */
export function translate(locale: string, key: string, params: TranslationParams = {}): string {
  const table = TRANSLATIONS[locale] || TRANSLATIONS[DEFAULT_LOCALE];
  const template = (table && table[key]) || TRANSLATIONS[DEFAULT_LOCALE][key] || key;
  return template.replace(/__([a-zA-Z0-9]+)__/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The placeholder names a template uses, e.g. for checking translations keep them all. */
export function placeholdersOf(template: string): string[] {
  const names: string[] = [];
  template.replace(/__([a-zA-Z0-9]+)__/g, (whole, name: string) => {
    names.push(name);
    return whole;
  });
  return names.sort();
}

/** A translator bound to one locale. */
export type Translator = (key: string, params?: TranslationParams) => string;

export function translatorFor(locale: string): Translator {
  return (key, params) => translate(locale, key, params);
}
