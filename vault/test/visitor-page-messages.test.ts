import fs from 'fs';
import path from 'path';
import { FIELD_ERROR_CODES, CARD_BRANDS } from '../src/contract/field-rules';
import {
  availableLocales,
  catalogFor,
  clientMessages,
  fieldErrorMessage,
  formatList,
  negotiateLocale,
  t,
} from '../src/pages/i18n';
import { formatMessage } from '../src/pages/message-format';
import { NOTICE_KINDS } from '../src/pages/render';

const english = catalogFor('en') ?? {};
const PAGES_DIR = path.resolve(__dirname, '../src/pages');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Parameter names of a message: `{label}`, `{max, plural, …}` → label, max. */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{\s*([A-Za-z_]\w*)\s*(?:,|\})/g)].map((match) => match[1]).sort();
}

describe('message catalogs', () => {
  it('has the eleven languages, Arabic and Hebrew right to left', () => {
    expect(availableLocales()).toEqual(['ar', 'de', 'en', 'es', 'fr', 'he', 'it', 'ja', 'nl', 'pl', 'pt-BR']);
    for (const locale of availableLocales()) {
      expect({ locale, dir: catalogFor(locale)?.['meta.dir'] }).toEqual({
        locale,
        dir: ['ar', 'he'].includes(locale) ? 'rtl' : 'ltr',
      });
    }
  });

  it("words plurals with each language's own categories (Polish, Arabic)", () => {
    expect(fieldErrorMessage('pl', { label: 'PIN' }, { code: 'too_short', params: { min: 2 } })).toBe(
      'Pole PIN musi mieć co najmniej 2 znaki',
    );
    expect(fieldErrorMessage('pl', { label: 'PIN' }, { code: 'too_short', params: { min: 5 } })).toBe(
      'Pole PIN musi mieć co najmniej 5 znaków',
    );
    expect(fieldErrorMessage('ar', { label: 'PIN' }, { code: 'too_short', params: { min: 2 } })).toContain('حرفين');
  });

  it.each(availableLocales())(
    '%s has exactly the English keys, each a non-empty string with the same parameters',
    (locale) => {
      const catalog = catalogFor(locale) ?? {};
      expect(Object.keys(catalog).sort()).toEqual(Object.keys(english).sort());
      for (const [key, message] of Object.entries(catalog)) {
        expect(typeof message).toBe('string');
        expect(message.trim()).not.toBe('');
        expect({ key, params: placeholders(message) }).toEqual({ key, params: placeholders(english[key]) });
      }
    },
  );

  it('has a message for every field error code, notice and card brand', () => {
    for (const code of FIELD_ERROR_CODES) expect(english).toHaveProperty([`error.${code}`]);
    for (const kind of NOTICE_KINDS) {
      expect(english).toHaveProperty([`notice.${kind}.title`]);
      expect(english).toHaveProperty([`notice.${kind}.body`]);
    }
    for (const brand of CARD_BRANDS) expect(english).toHaveProperty([`brand.${brand}`]);
  });

  it('has every key the page code names literally', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(PAGES_DIR)) {
      const source = fs.readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\bt\(\s*[\w.]+\s*,\s*'([^'$]+)'/g)) used.add(match[1]);
      for (const match of source.matchAll(/'((?:hint|form|idv|summary|page|meta)\.[a-z_]+)'/g)) used.add(match[1]);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const key of used) expect(english).toHaveProperty([key]);
  });
});

describe('negotiateLocale', () => {
  it.each([
    ['es', undefined, 'es'],
    ['ES', undefined, 'es'],
    ['es-MX', undefined, 'es'],
    ['es_AR', undefined, 'es'],
    ['en', 'es', 'en'],
    ['sv', 'es-ES,en;q=0.5', 'es'],
    [undefined, 'sv, es;q=0.8, en;q=0.9', 'en'],
    [undefined, 'sv, es;q=0.8', 'es'],
    ['pt-BR', undefined, 'pt-BR'],
    ['pt', undefined, 'pt-BR'],
    [undefined, 'fr-CA, en;q=0.5', 'fr'],
    [undefined, 'es;q=0, en', 'en'],
    [undefined, '*', 'en'],
    [undefined, 'de-CH, de;q=0.9', 'de'],
    [undefined, 'fi-FI, fi;q=0.9', 'en'],
    [undefined, undefined, 'en'],
    ['', '', 'en'],
    ['../../etc/passwd', 'x;q=abc', 'en'],
    ['<script>', undefined, 'en'],
  ])('(%p, %p) → %p', (requested, acceptLanguage, expected) => {
    expect(negotiateLocale(requested, acceptLanguage)).toBe(expected);
  });
});

describe('t and fieldErrorMessage', () => {
  it('translates and fills parameters', () => {
    expect(t('en', 'idv.character', { position: 2 })).toBe('Character 2');
    expect(t('es', 'form.submit')).toBe('Enviar');
    expect(t('es-MX', 'form.cancel')).toBe('Cancelar');
  });

  it('falls back to English for a locale without a catalog', () => {
    expect(t('sv', 'form.submit')).toBe('Submit');
    expect(t('fr', 'form.submit')).toBe('Envoyer');
  });

  it('phrases field errors with the label and plural forms', () => {
    expect(fieldErrorMessage('en', { label: 'Card number' }, { code: 'required' })).toBe('Card number is required');
    expect(fieldErrorMessage('en', { label: 'Character 2' }, { code: 'too_long', params: { max: 1 } })).toBe(
      'Character 2 must be at most 1 character',
    );
    expect(fieldErrorMessage('en', { label: 'Word' }, { code: 'too_short', params: { min: 3 } })).toBe(
      'Word must be at least 3 characters',
    );
    expect(fieldErrorMessage('es', { label: 'Palabra' }, { code: 'too_short', params: { min: 1 } })).toBe(
      'Palabra debe tener al menos 1 carácter',
    );
  });

  it('names the card brand in its display form', () => {
    expect(fieldErrorMessage('en', { label: 'Card number' }, { code: 'card_length', params: { brand: 'amex' } })).toBe(
      'Check Card number: it has the wrong number of digits for American Express',
    );
  });

  it('falls back to a generic message for an unknown code', () => {
    expect(fieldErrorMessage('en', { label: 'X' }, { code: 'no_such_code' })).toBe('Enter a valid value for X');
  });

  it('gives the page script every error, brand and Show/Hide message', () => {
    const messages = clientMessages('es');
    for (const code of FIELD_ERROR_CODES) expect(messages[`error.${code}`]).toBe(catalogFor('es')?.[`error.${code}`]);
    expect(messages['toggle.show']).toBe('Mostrar');
    expect(Object.keys(messages).every((key) => /^(error|brand|toggle)\./.test(key))).toBe(true);
  });

  it('joins lists in the locale', () => {
    expect(formatList('en', ['2', '4'])).toBe('2 and 4');
    expect(formatList('es', ['2', '4'])).toBe('2 y 4');
    expect(formatList('en', ['1', '3', '5'])).toBe('1, 3, and 5');
  });
});

describe('formatMessage', () => {
  it('leaves a missing parameter as written', () => {
    expect(formatMessage('Hello {name}', {}, 'en')).toBe('Hello {name}');
  });

  it('chooses exact and plural branches', () => {
    const template = '{n, plural, =0 {no digits} one {# digit} other {# digits}}';
    expect(formatMessage(template, { n: 0 }, 'en')).toBe('no digits');
    expect(formatMessage(template, { n: 1 }, 'en')).toBe('1 digit');
    expect(formatMessage(template, { n: 12 }, 'en')).toBe('12 digits');
  });

  it('does not touch "#" or braces inside other parameters', () => {
    expect(
      formatMessage(
        '{label} must be at most {max, plural, one {# character} other {# characters}}',
        { label: 'Code #1 {max}', max: 2 },
        'en',
      ),
    ).toBe('Code #1 {max} must be at most 2 characters');
  });
});
