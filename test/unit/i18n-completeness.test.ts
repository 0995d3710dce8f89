/**
 * Every string the app shows exists in every language, with the same placeholders, and the
 * bundle the app runs with is the one built from i18n/*.json.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { IDV_SECRET_KINDS } from '../../src/idv/positions';
import { matchLocale, placeholdersOf, resolveLocale, SUPPORTED_LOCALES, translate } from '../../src/i18n/i18n';
import { SETTINGS } from '../../src/settings/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (locale: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'i18n', `${locale}.json`), 'utf8')) as Record<string, string>;
const english = read('en');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}

const appCode = [path.join(ROOT, 'IdvSecureFormsApp.ts'), ...sourceFiles(path.join(ROOT, 'src'))]
  .filter((f) => !f.endsWith('translations.ts'))
  .map((f) => fs.readFileSync(f, 'utf8'))
  .join('\n');

function matches(patterns: RegExp[]): string[] {
  const found: string[] = [];
  for (const pattern of patterns) {
    for (const match of appCode.matchAll(pattern)) {
      found.push(match[1]);
    }
  }
  return found;
}

/** Keys the app builds from lists (settings, secret kinds, states). */
function builtKeys(): string[] {
  return [
    ...SETTINGS.flatMap((s) => [
      s.i18nLabel,
      s.i18nDescription,
      s.i18nPlaceholder,
      s.section,
      ...(s.values || []).map((v) => v.i18nLabel),
    ]),
    ...IDV_SECRET_KINDS.map((k) => `idv_secret_option_${k}`),
    ...IDV_SECRET_KINDS.filter((k) => k !== 'custom').map((k) => `idv_secret_${k}`),
    ...['sent', 'opened', 'submitted', 'answered', 'cancelled', 'expired', 'viewed', 'closed'].map((s) => `state_${s}`),
  ].filter((k): k is string => Boolean(k));
}

/** Keys the code surely looks up: t('…') calls, problem keys, descriptor fields, plus the built ones. */
function keysLookedUp(): string[] {
  const literal = matches([
    /\b(?:t|vt)\(\s*'([a-z][a-z0-9_]+)'/g,
    /key: '([a-z][a-z0-9_]+)'/g,
    /(?:labelI18n|i18nDescription|i18nParamsExample|labelKey|titleKey|hintKey|section)\s*[:=]\s*'([a-z][a-z0-9_]+)'/g,
    /'((?:error|validation|catalog|notify|values|button)_[a-z0-9_]+)'/g,
  ]);
  return Array.from(new Set([...literal, ...builtKeys()])).sort();
}

/** Every key-like string the code mentions (e.g. in a ternary), plus the built ones. */
function keysMentioned(): Set<string> {
  return new Set([...matches([/'([a-z][a-z0-9_]+)'/g]), ...builtKeys()]);
}

describe('translations', () => {
  it('exist for English, Spanish, Portuguese (Brazil), German, French, Arabic, Hebrew, Italian, Dutch, Polish and Japanese', () => {
    const all = ['ar', 'de', 'en', 'es', 'fr', 'he', 'it', 'ja', 'nl', 'pl', 'pt-BR'];
    expect(fs.readdirSync(path.join(ROOT, 'i18n')).sort()).toEqual(all.map((l) => `${l}.json`));
    expect([...SUPPORTED_LOCALES].sort()).toEqual(all);
  });

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))('%s is translated, not English left in place', (locale) => {
    const other = read(locale);
    // Product names, formats and codes (PIN, ID&V, MM/YY, the URL example) may stay as they are.
    const untranslated = Object.keys(english).filter((key) => other[key] === english[key]);
    expect(untranslated.length).toBeLessThanOrEqual(8);
  });

  it.each([
    ['ar', /[\u0600-\u06FF]/],
    ['he', /[\u0590-\u05FF]/],
    ['ja', /[\u3040-\u30FF\u4E00-\u9FFF]/],
  ])('%s is written in its own script', (locale, script) => {
    const other = read(locale);
    const words = Object.keys(english).filter((key) => /[a-z]{3}/i.test(english[key].replace(/__\w+__/g, '')));
    const inScript = words.filter((key) => script.test(other[key]));
    expect(inScript.length / words.length).toBeGreaterThan(0.9);
  });

  it.each(SUPPORTED_LOCALES)(
    "%s labels every app setting, section and option (Rocket.Chat's settings page reads i18n/<locale>.json)",
    (locale) => {
      const table = read(locale);
      const keys = SETTINGS.flatMap((s) => [
        s.i18nLabel,
        s.i18nDescription,
        s.section,
        ...(s.values || []).map((v) => v.i18nLabel),
      ]).filter((k): k is string => Boolean(k));
      expect(keys.length).toBeGreaterThan(40);
      expect(keys.filter((key) => !table[key] || !table[key].trim())).toEqual([]);
      expect(SUPPORTED_LOCALES.filter((l) => !table[`language_${l}`])).toEqual([]);
    },
  );

  it.each(SUPPORTED_LOCALES.filter((l) => l !== 'en'))(
    '%s has every English key, no other, none empty, same placeholders',
    (locale) => {
      const other = read(locale);
      expect(Object.keys(other).sort()).toEqual(Object.keys(english).sort());
      for (const key of Object.keys(english)) {
        expect({ key, empty: other[key].trim() === '' }).toEqual({ key, empty: false });
        expect({ key, placeholders: placeholdersOf(other[key]) }).toEqual({
          key,
          placeholders: placeholdersOf(english[key]),
        });
      }
    },
  );

  it('cover every key the app looks up', () => {
    const used = keysLookedUp();
    expect(used.length).toBeGreaterThan(100);
    expect(used.filter((key) => !(key in english))).toEqual([]);
  });

  it('have no key the app never mentions', () => {
    const mentioned = keysMentioned();
    expect(Object.keys(english).filter((key) => !mentioned.has(key))).toEqual([]);
  });

  it('are what the app runs with (src/i18n/translations.ts is rebuilt from them)', () => {
    const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-i18n.js'), '--check'], {
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('translate', () => {
  it('fills placeholders and falls back to English, then to the key', () => {
    expect(translate('es', 'visitor_idv_request', { first: 2, second: 4, secret: 'PIN' })).toBe(
      'Introduce los caracteres 2 y 4 de tu PIN.',
    );
    expect(translate('xx', 'button_send')).toBe('Send');
    expect(translate('de', 'no_such_key')).toBe('no_such_key');
  });

  it('matches locales by tag, then by language', () => {
    expect(matchLocale('pt-BR')).toBe('pt-BR');
    expect(matchLocale('pt')).toBe('pt-BR');
    expect(matchLocale('es_MX')).toBe('es');
    expect(matchLocale('it-CH')).toBe('it');
    expect(matchLocale('ko')).toBeUndefined();
    expect(resolveLocale('ko', undefined, 'fr-CA')).toBe('fr');
    expect(resolveLocale('he-IL')).toBe('he');
    expect(resolveLocale(undefined)).toBe('en');
  });
});
