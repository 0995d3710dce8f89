import type { VisitorFieldView } from '../src/contract';
import {
  CARD_BRANDS,
  MAX_VALUE_LENGTH,
  codePointLength,
  detectCardBrand,
  luhnValid,
  normalizeValue,
  validateValues,
} from '../src/contract/field-rules';
import { idvFields } from '../src/pages/idv-fields';
import { compilePattern, matchesPattern } from '../src/contract/pattern';

const NOW = new Date('2026-03-15T12:00:00Z');

function field(overrides: Partial<VisitorFieldView> & Pick<VisitorFieldView, 'id' | 'type'>): VisitorFieldView {
  return { label: overrides.id, required: true, masked: false, offTheRecord: false, ...overrides };
}

/** Error code for one value of one field (undefined when valid). */
function codeFor(
  spec: Partial<VisitorFieldView> & Pick<VisitorFieldView, 'type'>,
  value: string,
  now = NOW,
): string | undefined {
  const f = field({ id: 'x', ...spec });
  return validateValues([f], { x: value }, now).x?.code;
}

/** Appends the Luhn check digit that makes `body` valid. */
function withCheckDigit(body: string): string {
  for (let digit = 0; digit <= 9; digit += 1) {
    if (luhnValid(body + digit)) return body + digit;
  }
  throw new Error('unreachable');
}

/** A Luhn-valid number of `length` digits starting with `prefix`. */
function cardNumber(prefix: string, length: number): string {
  return withCheckDigit(prefix + '0'.repeat(length - prefix.length - 1));
}

describe('luhnValid', () => {
  it.each(['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '79927398713'])(
    'accepts %s',
    (digits) => expect(luhnValid(digits)).toBe(true),
  );
  it.each(['4111111111111112', '79927398710', '1234567812345678'])('refuses %s', (digits) =>
    expect(luhnValid(digits)).toBe(false),
  );
  it('refuses anything but digits', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('٤١١١١١١١١١١١١١١١')).toBe(false);
  });
});

describe('detectCardBrand', () => {
  it.each([
    ['4111111111111111', 'visa'],
    ['4222222222222', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['5105105105105100', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['2720990000000007', 'mastercard'],
    ['378282246310005', 'amex'],
    ['341111111111111', 'amex'],
    ['6011111111111117', 'discover'],
    ['6445644564456445', 'discover'],
    ['6500000000000002', 'discover'],
    ['30569309025904', 'diners'],
    ['38520000023237', 'diners'],
    ['36227206271667', 'diners'],
    ['3095000000000004', 'diners'],
    ['3530111333300000', 'jcb'],
    ['3566002020360505', 'jcb'],
    ['6200000000000005', 'unionpay'],
    ['8171999927660000', 'unionpay'],
    ['6759649826438453', 'maestro'],
    ['6304000000000000', 'maestro'],
    ['5018000000000009', 'maestro'],
  ])('%s is %s', (digits, brand) => expect(detectCardBrand(digits)).toBe(brand));

  it('knows no brand for other prefixes or for non-digits', () => {
    expect(detectCardBrand('1234567812345670')).toBeUndefined();
    expect(detectCardBrand('9999999999999995')).toBeUndefined();
    expect(detectCardBrand('2220990000000000')).toBeUndefined(); // just below Mastercard's 2-series
    expect(detectCardBrand('2721000000000000')).toBeUndefined(); // just above it
    expect(detectCardBrand('3527000000000000')).toBeUndefined(); // just below JCB
    expect(detectCardBrand('4111-1111')).toBeUndefined();
    expect(detectCardBrand('')).toBeUndefined();
  });

  it('lists each supported brand', () => {
    expect([...CARD_BRANDS].sort()).toEqual([
      'amex',
      'diners',
      'discover',
      'jcb',
      'maestro',
      'mastercard',
      'unionpay',
      'visa',
    ]);
  });
});

describe('card_number fields', () => {
  it.each([
    ['visa', '4', [13, 16, 19]],
    ['mastercard', '51', [16]],
    ['mastercard 2-series', '2221', [16]],
    ['amex', '37', [15]],
    ['discover', '6011', [16, 19]],
    ['diners', '36', [14, 16]],
    ['jcb', '3528', [16, 19]],
    ['maestro', '6759', [12, 19]],
  ])('accepts a %s number at each valid length', (_name, prefix, lengths) => {
    for (const length of lengths as number[]) {
      expect(codeFor({ type: 'card_number' }, cardNumber(prefix as string, length))).toBeUndefined();
    }
  });

  it('accepts spaces and dashes, and stores digits only', () => {
    expect(codeFor({ type: 'card_number' }, '4111 1111 1111 1111')).toBeUndefined();
    expect(codeFor({ type: 'card_number' }, ' 4111-1111-1111-1111 ')).toBeUndefined();
    expect(normalizeValue(field({ id: 'pan', type: 'card_number' }), ' 4111-1111 1111-1111 ')).toBe('4111111111111111');
  });

  it('refuses letters and numbers outside 12–19 digits', () => {
    expect(codeFor({ type: 'card_number' }, '4111 1111 1111 111a')).toBe('card_format');
    expect(codeFor({ type: 'card_number' }, '41111111111')).toBe('card_format');
    expect(codeFor({ type: 'card_number' }, '41111111111111111111')).toBe('card_format');
    expect(codeFor({ type: 'card_number' }, '4111.1111.1111.1111')).toBe('card_format');
  });

  it('refuses an unknown brand even with a good checksum', () => {
    expect(codeFor({ type: 'card_number' }, cardNumber('1', 16))).toBe('card_brand');
  });

  it('refuses a length the brand does not issue, naming the brand', () => {
    const f = field({ id: 'pan', type: 'card_number' });
    expect(validateValues([f], { pan: cardNumber('4', 15) }, NOW)).toEqual({
      pan: { code: 'card_length', params: { brand: 'visa' } },
    });
    expect(codeFor({ type: 'card_number' }, cardNumber('37', 16))).toBe('card_length');
  });

  it('refuses a bad checksum', () => {
    expect(codeFor({ type: 'card_number' }, '4111 1111 1111 1112')).toBe('card_checksum');
    expect(codeFor({ type: 'card_number' }, '5555555555554443')).toBe('card_checksum');
  });

  it('does not require the checksum of UnionPay, which issues numbers without one', () => {
    const good = cardNumber('62', 16);
    const bad = good.slice(0, -1) + String((Number(good.slice(-1)) + 1) % 10);
    expect(luhnValid(bad)).toBe(false);
    expect(codeFor({ type: 'card_number' }, bad)).toBeUndefined();
  });
});

describe('expiry fields', () => {
  it.each([
    '03/26',
    '3/26',
    '03/2026',
    '12/99',
    '01/2030',
    '03 / 26',
    '0326',
    '032026',
    '03-26',
    '3-2026',
    '03.26',
    '03 26',
  ])('accepts %s in March 2026', (value) => expect(codeFor({ type: 'expiry' }, value)).toBeUndefined());
  it.each(['02/26', '12/25', '02/2026', '03/2025'])('refuses %s as past in March 2026', (value) =>
    expect(codeFor({ type: 'expiry' }, value)).toBe('expiry_past'),
  );
  it.each(['13/26', '00/26', '1326', '326', '03262', '03/026', '03--26', '03/-26', 'ab/cd', '03/26/2026'])(
    'refuses %s as malformed',
    (value) => expect(codeFor({ type: 'expiry' }, value)).toBe('expiry_format'),
  );

  it('keeps a card valid through its last day in every time zone', () => {
    // 1 April 05:00 UTC is still 31 March at UTC-12.
    expect(codeFor({ type: 'expiry' }, '03/26', new Date('2026-04-01T05:00:00Z'))).toBeUndefined();
    expect(codeFor({ type: 'expiry' }, '03/26', new Date('2026-04-01T11:59:59Z'))).toBeUndefined();
    expect(codeFor({ type: 'expiry' }, '03/26', new Date('2026-04-01T12:00:00Z'))).toBe('expiry_past');
    expect(codeFor({ type: 'expiry' }, '03/26', new Date('2026-04-15T00:00:00Z'))).toBe('expiry_past');
  });

  it('crosses the year boundary', () => {
    const newYear = new Date('2027-01-01T13:00:00Z');
    expect(codeFor({ type: 'expiry' }, '12/26', newYear)).toBe('expiry_past');
    expect(codeFor({ type: 'expiry' }, '01/27', newYear)).toBeUndefined();
    expect(codeFor({ type: 'expiry' }, '12/26', new Date('2026-12-31T23:59:59Z'))).toBeUndefined();
  });
});

describe('cvv fields', () => {
  it.each(['123', '1234', '000'])('accepts %s', (value) => expect(codeFor({ type: 'cvv' }, value)).toBeUndefined());
  it.each(['12', '12345', '12a', '1 23', '١٢'])('refuses %s', (value) =>
    expect(codeFor({ type: 'cvv' }, value)).toBe('cvv_format'),
  );
});

describe('ssn fields', () => {
  it.each(['123-45-6789', '123456789', '665-01-0001', '899-99-9999'])('accepts %s', (value) =>
    expect(codeFor({ type: 'ssn' }, value)).toBeUndefined(),
  );
  it.each(['123-456789', '12345-6789', '12-345-6789', '1234567890', '123 45 6789', 'abc-de-fghi'])(
    'refuses %s as malformed',
    (value) => expect(codeFor({ type: 'ssn' }, value)).toBe('ssn_format'),
  );
  it.each(['000-12-3456', '666-12-3456', '900-12-3456', '999999999', '123-00-4567', '123-45-0000', '123004567'])(
    'refuses %s as never issued',
    (value) => expect(codeFor({ type: 'ssn' }, value)).toBe('ssn_invalid'),
  );
});

describe('number, date, email and select fields', () => {
  it.each(['42', '-3.5', '0', '007', '-0.25'])('number accepts %s', (value) =>
    expect(codeFor({ type: 'number' }, value)).toBeUndefined(),
  );
  it.each(['1.', '.5', '1e3', '--1', '+1', '1,5', 'NaN', '١,٥'])('number refuses %s', (value) =>
    expect(codeFor({ type: 'number' }, value)).toBe('number_format'),
  );

  it.each(['2024-02-29', '2000-02-29', '2023-12-31', '0001-01-01'])('date accepts %s', (value) =>
    expect(codeFor({ type: 'date' }, value)).toBeUndefined(),
  );
  it.each(['2023-02-29', '1900-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '2024-01-00', '0000-01-01'])(
    'date refuses %s as no real day',
    (value) => expect(codeFor({ type: 'date' }, value)).toBe('date_invalid'),
  );
  it.each(['2024-4-1', '24-04-01', '2024/04/01', '2024-04-01T00:00'])('date refuses %s as malformed', (value) =>
    expect(codeFor({ type: 'date' }, value)).toBe('date_format'),
  );

  it.each(['a@b.co', 'first.last+tag@example.co.uk'])('email accepts %s', (value) =>
    expect(codeFor({ type: 'email' }, value)).toBeUndefined(),
  );
  it.each(['a@b', 'a b@c.de', '@b.co', 'a@@b.co', 'a@b..co', 'a@.b.co', `${'x'.repeat(65)}@b.co`])(
    'email refuses %s',
    (value) => expect(codeFor({ type: 'email' }, value)).toBe('email_format'),
  );

  const select = {
    type: 'select' as const,
    options: [
      { value: 'home', label: 'Home address' },
      { value: 'work', label: 'Work' },
    ],
  };
  it('select accepts only an option value', () => {
    expect(codeFor(select, 'home')).toBeUndefined();
    expect(codeFor(select, 'Home address')).toBe('select_option');
    expect(codeFor(select, 'other')).toBe('select_option');
    expect(codeFor(select, '')).toBe('required');
    expect(codeFor({ ...select, required: false }, '')).toBeUndefined();
  });

  it('text has only the generic rules', () => {
    expect(codeFor({ type: 'text' }, "'; DROP TABLE users; --")).toBeUndefined();
  });
});

describe('digits typed in another script', () => {
  // An Arabic keyboard types ٤, a Persian one ۴, Devanagari ४, a Japanese IME in full width ４ and ／.
  const scripts: [string, (ascii: string) => string][] = [
    ['Arabic-Indic', (ascii) => ascii.replace(/\d/g, (d) => String.fromCharCode(0x660 + Number(d)))],
    ['Persian', (ascii) => ascii.replace(/\d/g, (d) => String.fromCharCode(0x6f0 + Number(d)))],
    ['Devanagari', (ascii) => ascii.replace(/\d/g, (d) => String.fromCharCode(0x966 + Number(d)))],
    ['fullwidth', (ascii) => ascii.replace(/[\d/-]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))],
  ];

  it.each(scripts)('are the ASCII digits in every numeric field (%s)', (_script, typed) => {
    const cases: [VisitorFieldView['type'], string, string][] = [
      ['card_number', typed('4111 1111 1111 1111'), '4111111111111111'],
      ['cvv', typed('123'), '123'],
      ['expiry', typed('04/29'), '04/29'],
      ['ssn', typed('123-45-6789'), '123-45-6789'],
      ['number', typed('42'), '42'],
      ['date', typed('2026-02-28'), '2026-02-28'],
    ];
    for (const [type, value, stored] of cases) {
      expect([type, codeFor({ type }, value)]).toEqual([type, undefined]);
      expect(normalizeValue(field({ id: 'x', type }), value)).toBe(stored);
    }
  });

  it('are still checked as digits: a bad checksum or a past expiry is refused in any script', () => {
    expect(codeFor({ type: 'card_number' }, '٤١١١١١١١١١١١١١١٢')).toBe('card_checksum');
    expect(codeFor({ type: 'expiry' }, '０１／２６')).toBe('expiry_past');
    expect(codeFor({ type: 'cvv' }, '١٢')).toBe('cvv_format');
  });

  it('with the Arabic decimal separator and the minus sign are numbers: ٣٫٥ is 3.5, −4 is -4', () => {
    for (const [typed, stored] of [
      ['٣٫٥', '3.5'],
      ['۱۲٫۷۵', '12.75'],
      ['\u22124', '-4'],
      ['\u2212٣٫٥', '-3.5'],
    ]) {
      expect(codeFor({ type: 'number' }, typed)).toBeUndefined();
      expect(normalizeValue(field({ id: 'x', type: 'number' }), typed)).toBe(stored);
    }
    expect(codeFor({ type: 'number' }, '٣٫٥٫٦')).toBe('number_format');
  });

  it('stay as typed in text, e-mail and select fields', () => {
    expect(normalizeValue(field({ id: 'x', type: 'text' }), 'رقم ٤٢')).toBe('رقم ٤٢');
    expect(normalizeValue(field({ id: 'x', type: 'email' }), '４２@example.com')).toBe('４２@example.com');
  });
});

describe('generic rules', () => {
  it('requires a non-blank value and trims before checking', () => {
    expect(codeFor({ type: 'text' }, '   ')).toBe('required');
    expect(codeFor({ type: 'text', required: false }, '   ')).toBeUndefined();
    expect(validateValues([field({ id: 'name', type: 'text' })], {}, NOW)).toEqual({ name: { code: 'required' } });
    expect(normalizeValue(field({ id: 'x', type: 'text' }), '  Alice  ')).toBe('Alice');
  });

  it.each([
    ['a NUL', 'Bob\u0000'],
    ['an escape sequence', '\u001b[31mBob'],
    ['a line break inside', 'Bob\r\nX-Header: 1'],
    ['DEL', 'Bo\u007fb'],
    ['a C1 control', 'Bo\u0085b'],
    ['a right-to-left override', '\u202eboB'],
    ['a line separator', 'Bob\u2028X'],
    ['a paragraph separator', 'Bob\u2029X'],
    ['a bidi isolate', 'Bob\u2067'],
    ['an unpaired surrogate', 'Bob\ud800'],
  ])('refuses a value holding %s', (_name, value) => {
    expect(codeFor({ type: 'text' }, value)).toBe('invalid_value');
    expect(codeFor({ type: 'text', required: false }, value)).toBe('invalid_value');
  });

  it('keeps what people type: tabs, right-to-left text and its marks, emoji, and whitespace a trim drops', () => {
    for (const value of ['a\tb', 'שלום עולם', 'مرحبا\u200f', '😀👍🏽', 'Bob\n', ' Alice ']) {
      expect(codeFor({ type: 'text' }, value)).toBeUndefined();
    }
    expect(codeFor({ type: 'card_number' }, '4111\n1111 1111 1111')).toBeUndefined();
  });

  it('skips the type rules for an empty optional field', () => {
    expect(codeFor({ type: 'card_number', required: false }, '')).toBeUndefined();
  });

  it('counts lengths in code points, not UTF-16 units', () => {
    expect(codePointLength('😀')).toBe(1);
    expect(codePointLength('a😀b')).toBe(3);
    expect(codeFor({ type: 'text', maxLength: 1 }, '😀')).toBeUndefined();
    expect(codeFor({ type: 'text', maxLength: 1 }, '😀😀')).toBe('too_long');
    expect(codeFor({ type: 'text', minLength: 2 }, '😀')).toBe('too_short');
    expect(codeFor({ type: 'text', minLength: 2, maxLength: 2 }, 'a😀')).toBeUndefined();
  });

  it('says which limit was broken', () => {
    const f = field({ id: 'word', type: 'text', minLength: 3, maxLength: 5 });
    expect(validateValues([f], { word: 'ab' }, NOW)).toEqual({ word: { code: 'too_short', params: { min: 3 } } });
    expect(validateValues([f], { word: 'abcdef' }, NOW)).toEqual({ word: { code: 'too_long', params: { max: 5 } } });
  });

  it('caps every value at 1000 code points whatever the form says', () => {
    expect(codeFor({ type: 'text' }, 'a'.repeat(MAX_VALUE_LENGTH))).toBeUndefined();
    expect(codeFor({ type: 'text' }, '😀'.repeat(MAX_VALUE_LENGTH))).toBeUndefined();
    expect(
      validateValues([field({ id: 'x', type: 'text', maxLength: 5000 })], { x: 'a'.repeat(MAX_VALUE_LENGTH + 1) }, NOW),
    ).toEqual({ x: { code: 'too_long', params: { max: MAX_VALUE_LENGTH } } });
    expect(codeFor({ type: 'card_number' }, ' '.repeat(MAX_VALUE_LENGTH + 1))).toBe('too_long');
  });

  it('matches a pattern against the whole value, with Unicode semantics', () => {
    const spec = { type: 'text' as const, pattern: '[A-Z]{2}\\d{3}' };
    expect(codeFor(spec, 'AB123')).toBeUndefined();
    expect(codeFor(spec, 'xAB123')).toBe('pattern');
    expect(codeFor(spec, 'AB1234')).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: '.' }, '😀')).toBeUndefined();
    expect(codeFor({ type: 'text', pattern: 'a|b' }, 'ab')).toBe('pattern');
  });

  it('does not let a pattern break out of its anchors', () => {
    expect(codeFor({ type: 'text', pattern: 'a)|(b' }, 'xxb')).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: 'a)|(b' }, 'axx')).toBe('pattern');
  });

  it('fails a field whose pattern does not compile', () => {
    expect(codeFor({ type: 'text', pattern: '(' }, 'anything')).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: '\\p{Nope}' }, 'x')).toBe('pattern');
  });

  it('runs hostile patterns in linear time: 1000 characters against nested quantifiers', () => {
    const value = `${'a'.repeat(MAX_VALUE_LENGTH - 1)}!`;
    const started = performance.now();
    expect(codeFor({ type: 'text', pattern: '(a+)+$' }, value)).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: '([A-Za-z0-9]+\\s?)*' }, value)).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: '(a|aa)*b' }, value)).toBe('pattern');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('takes JavaScript escapes, and refuses what needs backtracking', () => {
    expect(codeFor({ type: 'text', pattern: '\\d{2}\\-\\d{2}' }, '12-34')).toBeUndefined();
    expect(codeFor({ type: 'text', pattern: 'caf\\u00e9' }, 'café')).toBeUndefined();
    expect(codeFor({ type: 'text', pattern: '(?<year>\\d{4})' }, '2026')).toBeUndefined();
    expect(codeFor({ type: 'text', pattern: '(a)\\1' }, 'aa')).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: '(?=a)a' }, 'a')).toBe('pattern');
    expect(codeFor({ type: 'text', pattern: '(?<=a)b' }, 'ab')).toBe('pattern');
  });

  it('refuses RE2 syntax that JavaScript reads otherwise, naming it, and keeps what JavaScript reads the same or not at all', () => {
    const refused: Array<[string, string]> = [
      ['(?<a>x)\\k<a>', 'a backreference (`\\k`) cannot be used'],
      ['\\Aabc', '`\\A` is not JavaScript syntax'],
      ['[\\z]', '`\\z` is not JavaScript syntax'],
      ['\\Qa.b\\E', '`\\Q` is not JavaScript syntax'],
      ['[^[:alpha:]]', 'a POSIX class such as `[:alpha:]` is not JavaScript syntax'],
      ['\\pL', '`\\p` must be followed by {…}'],
      ['\\x{41}', '`\\x` must be followed by two hex digits'],
    ];
    for (const [pattern, reason] of refused)
      expect({ pattern, compiled: compilePattern(pattern) }).toEqual({ pattern, compiled: { ok: false, reason } });
    // What JavaScript itself reads the same way stays accepted: an escaped letter is the letter.
    for (const [pattern, value] of [
      ['\\e\\y', 'ey'],
      ['[[:a]', ':'],
      ['\\[:alpha:]', '[:alpha:]'],
      ['(?<n>\\x41)(?:b)', 'Ab'],
      // JavaScript has no reading of RE2's flags and named groups, so they keep RE2's one.
      ['(?i)ab', 'AB'],
      ['(?P<n>x)', 'x'],
      ['\\\\A', '\\A'],
    ])
      expect({ pattern, matches: matchesPattern(pattern, value) }).toEqual({ pattern, matches: true });
  });
});

describe('validateValues', () => {
  const fields = [field({ id: 'pan', type: 'card_number' }), field({ id: 'note', type: 'text', required: false })];

  it('returns an empty object when everything is valid', () => {
    expect(validateValues(fields, { pan: '4111111111111111', note: '' }, NOW)).toEqual({});
  });

  it('refuses keys that are not fields', () => {
    expect(validateValues(fields, { pan: '4111111111111111', extra: 'x' }, NOW)).toEqual({
      extra: { code: 'unknown_field' },
    });
  });

  it('keeps hostile keys as plain keys and never reads inherited properties', () => {
    const values = JSON.parse('{"pan":"4111111111111111","__proto__":"x"}') as Record<string, string>;
    const errors = validateValues(fields, values, NOW);
    expect(Object.getPrototypeOf(errors)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(errors, '__proto__')).toBe(true);
    expect(validateValues([field({ id: 'constructor', type: 'text' })], {}, NOW)).toEqual({
      constructor: { code: 'required' },
    });
  });

  it('refuses values that are not strings', () => {
    const values = { pan: 4111111111111111 } as unknown as Record<string, string>;
    expect(validateValues(fields, values, NOW)).toEqual({ pan: { code: 'invalid_value' } });
  });

  it('reports every bad field at once', () => {
    const many = [field({ id: 'a', type: 'cvv' }), field({ id: 'b', type: 'ssn' }), field({ id: 'c', type: 'email' })];
    expect(Object.keys(validateValues(many, { a: '1', b: '1', c: '1' }, NOW)).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('ID&V fields', () => {
  const fields = idvFields({ label: 'PIN', positions: [2, 4] }, 'en');

  it('are one required masked one-character field per position', () => {
    expect(fields.map((f) => [f.id, f.label, f.type, f.required, f.masked, f.minLength, f.maxLength])).toEqual([
      ['2', 'Character 2', 'text', true, true, 1, 1],
      ['4', 'Character 4', 'text', true, true, 1, 1],
    ]);
  });

  it('take exactly one character per position, counted in code points', () => {
    expect(validateValues(fields, { 2: '7', 4: '3' }, NOW)).toEqual({});
    expect(validateValues(fields, { 2: '😀', 4: 'é' }, NOW)).toEqual({});
    expect(validateValues(fields, { 2: '73', 4: '' }, NOW)).toEqual({
      2: { code: 'too_long', params: { max: 1 } },
      4: { code: 'required' },
    });
    expect(validateValues(fields, { 2: '7', 4: '3', 3: '1' }, NOW)).toEqual({ 3: { code: 'unknown_field' } });
  });

  it('take a space as the character asked for (a password may hold one), and trim around any other', () => {
    expect(validateValues(fields, { 2: ' ', 4: '\u3000' }, NOW)).toEqual({});
    expect(fields.map((f) => normalizeValue(f, ' '))).toEqual([' ', ' ']);
    // An IME's ideographic space, a no-break space, a space typed twice: one space.
    for (const typed of ['\u3000', '\u00a0', '  ']) expect(normalizeValue(fields[0], typed)).toBe(' ');
    expect(normalizeValue(fields[0], ' 7 ')).toBe('7');
    expect(validateValues(fields, { 2: '', 4: ' 3' }, NOW)).toEqual({ 2: { code: 'required' } });
    // Only ID&V boxes: elsewhere a space alone is still nothing typed.
    expect(codeFor({ type: 'text', maxLength: 1 }, ' ')).toBe('required');
  });
});
