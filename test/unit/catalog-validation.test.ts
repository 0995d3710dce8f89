import { BUILTIN_FORM_IDS, builtinCatalog } from '../../src/forms/builtin-forms';
import * as catalogModule from '../../src/forms/catalog';
import { describeCatalogProblems, localizeForm, localizeText, parseCatalog } from '../../src/forms/catalog';
import { loadCatalog } from '../../src/forms/load-catalog';
import { translatorFor } from '../../src/i18n/i18n';

const iban = {
  id: 'iban',
  title: { en: 'Bank account', es: 'Cuenta bancaria' },
  fields: [
    { id: 'iban', label: 'IBAN', type: 'text', required: true, masked: true, pattern: '^[A-Z]{2}[0-9A-Z]{13,32}$' },
  ],
};

function problemsOf(catalog: unknown): Array<{ path: string; key: string }> {
  return parseCatalog(JSON.stringify(catalog)).problems.map(({ path, key }) => ({ path, key }));
}

describe('parseCatalog', () => {
  it('treats an empty setting as an empty catalog, not an error', () => {
    expect(parseCatalog('')).toEqual({ forms: [], problems: [] });
    expect(parseCatalog('   \n')).toEqual({ forms: [], problems: [] });
    expect(parseCatalog(undefined)).toEqual({ forms: [], problems: [] });
  });

  it('accepts a valid catalog, as an array or as {"forms": [...]}', () => {
    expect(parseCatalog(JSON.stringify([iban])).forms).toEqual([iban]);
    expect(parseCatalog(JSON.stringify({ forms: [iban] })).forms).toEqual([iban]);
  });

  it('accepts select fields with options, and keeps cvv off the record', () => {
    const form = {
      id: 'pay',
      title: 'Pay',
      fields: [
        { id: 'method', label: 'Method', type: 'select', options: ['Visa', { value: 'mc', label: 'Mastercard' }] },
        { id: 'cvv', label: 'CVV', type: 'cvv' },
      ],
    };
    const [parsed] = parseCatalog(JSON.stringify([form])).forms;
    expect(parsed.fields[0].options).toEqual(['Visa', { value: 'mc', label: 'Mastercard' }]);
    expect(parsed.fields[1].offTheRecord).toBe(true);
  });

  it('says where broken JSON is, and ignores the whole catalog', () => {
    const result = parseCatalog('[{"id": "x",');
    expect(result.forms).toEqual([]);
    expect(result.problems).toEqual([{ path: '', key: 'catalog_error_json_at', params: { line: 1, column: 13 } }]);
  });

  it('names each problem with its place in the JSON', () => {
    const broken = [
      iban,
      { id: 'bad id!', title: '', fields: [] },
      {
        id: 'iban',
        title: 'Again',
        fields: [
          { id: 'a', label: 'A', type: 'colour' },
          { id: 'a', label: 'B', type: 'text', requird: true },
        ],
      },
    ];
    expect(problemsOf(broken)).toEqual([
      { path: '[1].id', key: 'catalog_error_id' },
      { path: '[1].title', key: 'catalog_error_text' },
      { path: '[1].fields', key: 'catalog_error_fields' },
      { path: '[2].id', key: 'catalog_error_duplicate_id' },
      { path: '[2].fields[0].type', key: 'catalog_error_type' },
      { path: '[2].fields[1]', key: 'catalog_error_unknown_key' },
      { path: '[2].fields[1].id', key: 'catalog_error_duplicate_id' },
    ]);
    expect(parseCatalog(JSON.stringify(broken)).forms).toEqual([]);
  });

  it('refuses IDs of built-in forms, wrong shapes and types', () => {
    expect(problemsOf([{ ...iban, id: 'card_payment' }])).toEqual([
      { path: '[0].id', key: 'catalog_error_reserved_id' },
    ]);
    expect(problemsOf({ iban })).toEqual([{ path: '', key: 'catalog_error_shape' }]);
    expect(problemsOf(['iban'])).toEqual([{ path: '[0]', key: 'catalog_error_not_object' }]);
    const field = (extra: object) => [{ ...iban, fields: [{ id: 'f', label: 'F', type: 'text', ...extra }] }];
    expect(problemsOf(field({ required: 'yes' }))).toEqual([
      { path: '[0].fields[0].required', key: 'catalog_error_boolean' },
    ]);
    expect(problemsOf(field({ minLength: 5, maxLength: 2 }))).toEqual([
      { path: '[0].fields[0].minLength', key: 'catalog_error_min_max' },
    ]);
    expect(problemsOf(field({ maxLength: -1 }))).toEqual([
      { path: '[0].fields[0].maxLength', key: 'catalog_error_length' },
    ]);
    expect(problemsOf(field({ pattern: '([a-z' }))).toEqual([
      { path: '[0].fields[0].pattern', key: 'catalog_error_pattern' },
    ]);
    expect(problemsOf(field({ options: ['a'] }))).toEqual([
      { path: '[0].fields[0].options', key: 'catalog_error_options_only_select' },
    ]);
    expect(problemsOf(field({ type: 'select' }))).toEqual([
      { path: '[0].fields[0].options', key: 'catalog_error_options' },
    ]);
    expect(problemsOf(field({ type: 'cvv', offTheRecord: false }))).toEqual([
      { path: '[0].fields[0].offTheRecord', key: 'catalog_error_cvv_on_record' },
    ]);
  });

  it('takes an autofill token the vault accepts, and refuses any other (passwords included)', () => {
    const withToken = (autocomplete: unknown) => [
      { id: 'addr', title: 'Address', fields: [{ id: 'zip', label: 'Postcode', type: 'text', autocomplete }] },
    ];
    expect(parseCatalog(JSON.stringify(withToken('postal-code'))).forms[0].fields[0].autocomplete).toBe('postal-code');
    for (const bad of ['current-password', 'zip', 42, 'cc-name cc-number']) {
      expect(problemsOf(withToken(bad))).toEqual([
        { path: '[0].fields[0].autocomplete', key: 'catalog_error_autocomplete' },
      ]);
    }
  });

  it('refuses a pattern the linear-time engine cannot run, naming the field and why', () => {
    const catalog = [{ ...iban, fields: [{ id: 'code', label: 'Code', type: 'text', pattern: '(?=a)a' }] }];
    const { problems } = parseCatalog(JSON.stringify(catalog));
    expect(problems.map(({ path, key }) => ({ path, key }))).toEqual([
      { path: '[0].fields[0].pattern', key: 'catalog_error_pattern' },
    ]);
    expect(describeCatalogProblems(problems, translatorFor('en'))).toBe(
      '[0].fields[0].pattern: The pattern of field "code" cannot be used: invalid or unsupported Perl syntax: `(?=`. ' +
        'Patterns use JavaScript syntax, up to 200 characters, on a linear-time engine: no backreferences, lookahead ' +
        'or lookbehind, repeat counts up to 1000.',
    );
  });

  it('holds ids and lengths to the vault contract', () => {
    const field = (extra: object) => [{ ...iban, fields: [{ id: 'f', label: 'F', type: 'text', ...extra }] }];
    expect(problemsOf(field({ id: '2fa' }))).toEqual([{ path: '[0].fields[0].id', key: 'catalog_error_field_id' }]);
    expect(problemsOf(field({ maxLength: 5000 }))).toEqual([
      { path: '[0].fields[0].maxLength', key: 'catalog_error_length' },
    ]);
    expect(problemsOf(field({ maxLength: 0 }))).toEqual([
      { path: '[0].fields[0].maxLength', key: 'catalog_error_length' },
    ]);
    expect(problemsOf(field({ pattern: '\\d{2}\\-\\d{2}' }))).toEqual([]);
  });

  it('limits the number of forms', () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ ...iban, id: `f${i}` }));
    expect(problemsOf(many)).toEqual([{ path: '', key: 'catalog_error_too_many' }]);
  });

  it("describes problems in the reader's language", () => {
    const { problems } = parseCatalog(JSON.stringify([{ ...iban, fields: [{ id: 'f', label: 'F', type: 'colour' }] }]));
    expect(describeCatalogProblems(problems, translatorFor('en'))).toBe(
      '[0].fields[0].type: Unknown field type "colour". Use one of: text, number, card_number, expiry, cvv, ssn, date, email, select.',
    );
    expect(describeCatalogProblems(problems, translatorFor('es'))).toContain('Tipo de campo desconocido "colour"');
  });
});

describe('a form bound to a payment-processor relay', () => {
  const pay = (relay: unknown) => ({
    id: 'pay',
    title: 'Pay',
    fields: [{ id: 'pan', label: 'Card', type: 'card_number' }],
    relay,
  });

  it('keeps the relay, fills in its defaults, and names the relay to the vault', () => {
    const [parsed] = parseCatalog(
      JSON.stringify([pay({ id: 'stripe', params: { currency: 'eur' }, ask: ['amount'] })]),
    ).forms;
    expect(parsed.relay).toEqual({
      id: 'stripe',
      params: { currency: 'eur' },
      ask: [{ name: 'amount' }],
      sendOnSubmit: false,
    });
    expect(localizeForm(parsed, 'en').relay).toBe('stripe');
    expect(parseCatalog(JSON.stringify([pay({ id: 'stripe', sendOnSubmit: true })])).forms[0].relay).toEqual({
      id: 'stripe',
      params: {},
      ask: [],
      sendOnSubmit: true,
    });
    expect(localizeForm(parseCatalog(JSON.stringify([iban])).forms[0], 'en')).not.toHaveProperty('relay');
  });

  it('takes an asked parameter as a name, or with a label and hint in several languages', () => {
    const ask = [
      'currency',
      { name: 'amount', label: { en: 'Amount in cents', es: 'Importe en céntimos' }, hint: 'e.g. 1999' },
    ];
    expect(parseCatalog(JSON.stringify([pay({ id: 'stripe', ask })])).forms[0].relay?.ask).toEqual([
      { name: 'currency' },
      { name: 'amount', label: { en: 'Amount in cents', es: 'Importe en céntimos' }, hint: 'e.g. 1999' },
    ]);
  });

  it.each([
    ['a relay given as text', 'stripe', '[0].relay', 'catalog_error_not_object'],
    ['an upper-case relay id', { id: 'Stripe' }, '[0].relay.id', 'catalog_error_relay_id'],
    ['no relay id', { params: {} }, '[0].relay.id', 'catalog_error_relay_id'],
    [
      'a parameter value with a comma and a symbol',
      { id: 'r', params: { amount: '19,99 €' } },
      '[0].relay.params',
      'catalog_error_relay_params',
    ],
    [
      'a parameter given as a number',
      { id: 'r', params: { amount: 1999 } },
      '[0].relay.params',
      'catalog_error_relay_params',
    ],
    [
      'a parameter name with a dot',
      { id: 'r', params: { 'a.b': 'x' } },
      '[0].relay.params',
      'catalog_error_relay_params',
    ],
    ['params as a list', { id: 'r', params: ['amount'] }, '[0].relay.params', 'catalog_error_relay_params'],
    [
      'an empty fixed parameter',
      { id: 'r', params: { currency: '' } },
      '[0].relay.params',
      'catalog_error_relay_params',
    ],
    [
      'a fixed parameter shaped like a card number',
      { id: 'r', params: { note: '4242 4242 4242 4242' } },
      '[0].relay.params',
      'catalog_error_relay_params',
    ],
    [
      'an asked parameter without a name',
      { id: 'r', ask: [{ label: 'Amount' }] },
      '[0].relay.ask',
      'catalog_error_relay_ask',
    ],
    [
      'an asked parameter with a blank label',
      { id: 'r', ask: [{ name: 'amount', label: ' ' }] },
      '[0].relay.ask[0].label',
      'catalog_error_text',
    ],
    [
      'an asked parameter with an unknown key',
      { id: 'r', ask: [{ name: 'amount', min: 1 }] },
      '[0].relay.ask[0]',
      'catalog_error_unknown_key',
    ],
    [
      'asking for a fixed parameter',
      { id: 'r', params: { amount: '5' }, ask: ['amount'] },
      '[0].relay.ask',
      'catalog_error_relay_ask',
    ],
    ['asking twice', { id: 'r', ask: ['amount', 'amount'] }, '[0].relay.ask', 'catalog_error_relay_ask'],
    ['ask as text', { id: 'r', ask: 'amount' }, '[0].relay.ask', 'catalog_error_relay_ask'],
    [
      'sending on submit what the agent must type',
      { id: 'r', ask: ['amount'], sendOnSubmit: true },
      '[0].relay.sendOnSubmit',
      'catalog_error_relay_send_on_submit',
    ],
    ['sendOnSubmit as text', { id: 'r', sendOnSubmit: 'yes' }, '[0].relay.sendOnSubmit', 'catalog_error_boolean'],
    ['a relay URL in the catalog', { id: 'r', url: 'https://evil.example' }, '[0].relay', 'catalog_error_unknown_key'],
    [
      'more parameters than the vault takes',
      {
        id: 'r',
        params: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '7', h: '8', i: '9' },
        ask: ['j', 'k', 'l', 'm', 'n', 'o', 'p', 'q'],
      },
      '[0].relay',
      'catalog_error_relay_too_many',
    ],
  ])('refuses %s, naming where', (_name, relay, path, key) => {
    expect(problemsOf([pay(relay)])).toEqual([{ path, key }]);
    expect(parseCatalog(JSON.stringify([pay(relay)])).forms).toEqual([]);
  });
});

describe('the catalog agents pick from', () => {
  it('offers the enabled built-in forms, then valid custom ones', () => {
    expect(
      loadCatalog({ enabledBuiltins: [...BUILTIN_FORM_IDS], formCatalog: JSON.stringify([iban]) }).forms.map(
        (f) => f.id,
      ),
    ).toEqual(['card_payment', 'cvv_only', 'ssn', 'security_question', 'iban']);
    expect(loadCatalog({ enabledBuiltins: ['ssn'], formCatalog: '' }).forms.map((f) => f.id)).toEqual(['ssn']);
  });

  it('keeps the built-in forms working when the custom catalog is broken', () => {
    const loaded = loadCatalog({ enabledBuiltins: ['card_payment'], formCatalog: '{not json' });
    expect(loaded.forms.map((f) => f.id)).toEqual(['card_payment']);
    expect(loaded.problems).toHaveLength(1);
  });

  it('checks a catalog once for as long as its settings stay the same, and again when either changes', () => {
    const parse = jest.spyOn(catalogModule, 'parseCatalog');
    try {
      // Spelled as no other test spells it, so the first load is this test's own.
      const settings = { enabledBuiltins: [...BUILTIN_FORM_IDS], formCatalog: JSON.stringify([iban], null, 3) };
      const first = loadCatalog(settings);
      expect(loadCatalog({ ...settings, enabledBuiltins: [...BUILTIN_FORM_IDS] })).toBe(first);
      expect(parse).toHaveBeenCalledTimes(1);
      expect(loadCatalog({ ...settings, enabledBuiltins: ['ssn'] }).forms.map((f) => f.id)).toEqual(['ssn', 'iban']);
      expect(loadCatalog({ ...settings, formCatalog: '' }).forms).toHaveLength(BUILTIN_FORM_IDS.length);
      expect(parse).toHaveBeenCalledTimes(3);
    } finally {
      parse.mockRestore();
    }
  });

  it('hands out a catalog no caller can change for the next', () => {
    const loaded = loadCatalog({ enabledBuiltins: ['card_payment'], formCatalog: JSON.stringify([iban]) });
    const [card] = loaded.forms;
    expect(() => (card.fields as unknown[]).push({})).toThrow(TypeError);
    expect(() => Object.assign(card.title, { en: 'changed' })).toThrow(TypeError);
    expect(loadCatalog({ enabledBuiltins: ['card_payment'], formCatalog: JSON.stringify([iban]) }).forms[0]).toEqual(
      builtinCatalog(['card_payment'])[0],
    );
  });

  it('has the built-in card form ask the browser for the name on the card (cc-name)', () => {
    const [card] = builtinCatalog(['card_payment']);
    expect(card.fields.find((field) => field.id === 'cardholder')?.autocomplete).toBe('cc-name');
  });

  it('has the built-in card form keep the CVV off the record and the card number masked', () => {
    const [card] = builtinCatalog(['card_payment']);
    const byId = (id: string) => card.fields.find((f) => f.id === id);
    expect(byId('cvv')).toMatchObject({ type: 'cvv', offTheRecord: true, masked: true });
    expect(byId('pan')).toMatchObject({ type: 'card_number', masked: true, required: true });
  });

  it("puts a form into the visitor's language for the vault", () => {
    const [card] = builtinCatalog(['card_payment']);
    const spec = localizeForm(card, 'pt-BR');
    expect(spec.title).toBe('Pagamento com cartão');
    expect(spec.fields.map((f) => f.label)).toEqual([
      'Nome no cartão',
      'Número do cartão',
      'Data de validade',
      'Código de segurança (CVV)',
    ]);
    expect(JSON.stringify(spec)).not.toContain('builtin');
  });

  it('falls back from locale to language to English to the first text', () => {
    expect(localizeText({ en: 'Account', es: 'Cuenta' }, 'es-MX')).toBe('Cuenta');
    expect(localizeText({ en: 'Account', es: 'Cuenta' }, 'de')).toBe('Account');
    expect(localizeText({ it: 'Conto' }, 'de')).toBe('Conto');
    expect(localizeText('Plain', 'fr')).toBe('Plain');
  });
});
