/**
 * Locale fallback, one rule for the app's messages, the catalog's localized texts and the vault's
 * pages: the exact tag, else the bare language, else another region of the same language.
 */

export const DEFAULT_LOCALE = 'en';

const LOCALE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * The one of `available` closest to `wanted`, case and "_" insensitive; undefined when none fits.
 * @example closestLocale('pt', ['en', 'pt-BR']) // 'pt-BR'
 * @example closestLocale('es-MX', ['en', 'es']) // 'es'
 */
export function closestLocale(wanted: string | undefined | null, available: readonly string[]): string | undefined {
  if (typeof wanted !== 'string') return undefined;
  const tag = wanted.trim().replace(/_/g, '-');
  if (!LOCALE_TAG.test(tag)) return undefined;
  const lower = tag.toLowerCase();
  const language = lower.split('-')[0];
  const languageOf = (locale: string) => locale.toLowerCase().split('-')[0];
  return (
    available.find((locale) => locale.toLowerCase() === lower) ??
    available.find((locale) => locale.toLowerCase() === language) ??
    available.find((locale) => languageOf(locale) === language)
  );
}
