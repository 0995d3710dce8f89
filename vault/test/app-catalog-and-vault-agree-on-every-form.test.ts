/**
 * Drift test: the same form definitions go to the app's catalog check (src/forms/catalog.ts, what
 * an admin's catalog setting runs through) and to the vault's `POST /v1/requests` (its JSON schema
 * and request checks), and both must give the same verdict. Before the contract had rules, a field
 * id `2fa`, `maxLength` 5000 or 0, or the pattern `\d{2}\-\d{2}` passed the catalog and got a 400.
 */
import { parseCatalog } from '../../src/forms/catalog';
import { cardForm, startTestVault, type TestVault } from './helpers/vault';

type Field = Record<string, unknown>;
type Form = { id: unknown; title: unknown; fields: unknown };

const text = (id = 'f', extra: Field = {}): Field => ({ id, label: 'Label', type: 'text', ...extra });
const form = (fields: unknown[], extra: Partial<Form> = {}): Form => ({
  id: 'custom',
  title: 'Custom',
  fields,
  ...extra,
});
const withField = (extra: Field) => form([text('f', extra)]);

const ACCEPTED: Array<[string, Form]> = [
  ['a plain text field', form([text()])],
  [
    'every field type',
    form(
      ['text', 'number', 'card_number', 'expiry', 'cvv', 'ssn', 'date', 'email'].map((type) => ({
        id: `f${type.replace('_', '')}`,
        label: type,
        type,
      })),
    ),
  ],
  [
    'a select with string and object options',
    form([{ id: 's', label: 'S', type: 'select', options: ['a', { value: 'b', label: 'B' }] }]),
  ],
  ['a dotted form id', form([text()], { id: 'bank.iban-2' })],
  ['a 64-character field id', form([text(`a${'b'.repeat(63)}`)])],
  ['maxLength 1000 and minLength 0', withField({ minLength: 0, maxLength: 1000 })],
  ['minLength equal to maxLength', withField({ minLength: 4, maxLength: 4 })],
  ['the pattern \\d{2}\\-\\d{2}', withField({ pattern: '\\d{2}\\-\\d{2}' })],
  ['an IBAN pattern with anchors', withField({ pattern: '^[A-Z]{2}[0-9A-Z]{13,32}$' })],
  ['a JavaScript \\u escape', withField({ pattern: 'caf\\u00e9' })],
  ['a named group', withField({ pattern: '(?<year>\\d{4})' })],
  ['a non-capturing group and a class with an escaped dash', withField({ pattern: '(?:[\\-a-z]|\\p{Lu})+' })],
  // Hostile for a backtracking engine, harmless for a linear one: accepted on both sides.
  ['the pattern (a+)+$', withField({ pattern: '(a+)+$' })],
  ['the pattern ([A-Za-z0-9]+\\s?)*', withField({ pattern: '([A-Za-z0-9]+\\s?)*' })],
  ['a 200-character pattern', withField({ pattern: 'a'.repeat(200) })],
  ['a 200-character label', form([{ ...text(), label: 'x'.repeat(200) }])],
  ['a label of 200 emoji (counted in characters, not UTF-16 units)', form([{ ...text(), label: '😀'.repeat(200) }])],
  ['a label with a newline and a tab', form([{ ...text(), label: 'Line one\n\tline two' }])],
  ['a 300-character hint', withField({ hint: 'h'.repeat(300) })],
  ['a 200-character title', form([text()], { title: 't'.repeat(200) })],
  ['50 fields', form(Array.from({ length: 50 }, (_, i) => text(`f${i}`)))],
  [
    '100 options',
    form([{ id: 's', label: 'S', type: 'select', options: Array.from({ length: 100 }, (_, i) => `o${i}`) }]),
  ],
];

const REFUSED: Array<[string, Form]> = [
  ['the field id 2fa', form([text('2fa')])],
  ['a field id with a space', form([text('a b')])],
  ['a 65-character field id', form([text(`a${'b'.repeat(64)}`)])],
  ['a form id starting with a dot', form([text()], { id: '.custom' })],
  ['a 65-character form id', form([text()], { id: 'f'.repeat(65) })],
  ['maxLength 5000', withField({ maxLength: 5000 })],
  ['maxLength 0', withField({ maxLength: 0 })],
  ['a fractional maxLength', withField({ maxLength: 1.5 })],
  ['a negative minLength', withField({ minLength: -1 })],
  ['minLength 1001', withField({ minLength: 1001 })],
  ['a length given as text', withField({ maxLength: '5' })],
  ['minLength above maxLength', withField({ minLength: 5, maxLength: 2 })],
  ['a backreference', withField({ pattern: '(a)\\1' })],
  ['a lookahead', withField({ pattern: '(?=a)a' })],
  ['a negative lookahead', withField({ pattern: '(?!a)b' })],
  ['a lookbehind', withField({ pattern: '(?<=a)b' })],
  // RE2's own syntax, which JavaScript reads otherwise (or not at all): refused, not read RE2's way.
  ['a named backreference', withField({ pattern: '(?<a>x)\\k<a>' })],
  ['an RE2 anchor \\A', withField({ pattern: '\\Aabc' })],
  ['an RE2 anchor \\z', withField({ pattern: 'abc\\z' })],
  ['an RE2 quote \\Q…\\E', withField({ pattern: '\\Qa.b\\E' })],
  ['an RE2 bell \\a', withField({ pattern: 'x\\a' })],
  ['a POSIX class', withField({ pattern: '[[:alpha:]]+' })],
  ['a one-letter property', withField({ pattern: '\\pL+' })],
  ['an RE2 hex escape', withField({ pattern: '\\x{41}' })],
  ['an unclosed class', withField({ pattern: '([a-z' })],
  ['a pattern breaking out of its group', withField({ pattern: 'a)|(b' })],
  ['a repeat count over 1000', withField({ pattern: 'a{1001}' })],
  ['a pattern too complex to run', withField({ pattern: '(.*){1000}' })],
  ['patterns too complex together', form(['a', 'b', 'c'].map((id) => text(id, { pattern: '\\p{L}{900}' })))],
  ['an empty pattern', withField({ pattern: '' })],
  ['a 201-character pattern', withField({ pattern: 'a'.repeat(201) })],
  ['a pattern that is not text', withField({ pattern: 5 })],
  ['an empty label', form([{ ...text(), label: '' }])],
  ['a blank label', form([{ ...text(), label: '   ' }])],
  ['a 201-character label', form([{ ...text(), label: 'x'.repeat(201) }])],
  ['a label of 201 emoji', form([{ ...text(), label: '😀'.repeat(201) }])],
  ['a control character in a label', form([{ ...text(), label: 'bad\u0001label' }])],
  ['a 301-character hint', withField({ hint: 'h'.repeat(301) })],
  ['a 201-character title', form([text()], { title: 't'.repeat(201) })],
  ['no fields', form([])],
  ['51 fields', form(Array.from({ length: 51 }, (_, i) => text(`f${i}`)))],
  ['two fields with one id', form([text('a'), text('a')])],
  ['a select without options', form([{ id: 's', label: 'S', type: 'select' }])],
  ['a select with no options', form([{ id: 's', label: 'S', type: 'select', options: [] }])],
  ['options on a text field', withField({ options: ['a'] })],
  [
    '101 options',
    form([{ id: 's', label: 'S', type: 'select', options: Array.from({ length: 101 }, (_, i) => `o${i}`) }]),
  ],
  ['a 201-character option', form([{ id: 's', label: 'S', type: 'select', options: ['o'.repeat(201)] }])],
  ['an unknown type', form([{ id: 'f', label: 'F', type: 'password' }])],
  ['an unknown property', withField({ requird: true })],
  ['required given as text', withField({ required: 'yes' })],
];

/**
 * Where the catalog is stricter on purpose: an admin's mistake is named, while the API keeps its
 * older, safe reading (the vault keeps a CVV off the record whatever it is told; the built-in ids
 * are the app's own).
 */
const CATALOG_ONLY_REFUSALS: Array<[string, Form]> = [
  ['a cvv field on the record', form([{ id: 'c', label: 'CVV', type: 'cvv', offTheRecord: false }])],
  ['the id of a built-in form', form([text()], { id: 'card_payment' })],
];

function catalogAccepts(candidate: Form): boolean {
  return parseCatalog(JSON.stringify([candidate])).problems.length === 0;
}

describe('the app catalog check and the vault give one verdict for each form', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(() => vault.close());

  async function vaultAccepts(candidate: Form): Promise<boolean> {
    const response = await vault.call('POST', '/v1/requests', cardForm({ form: candidate as never }));
    if (response.statusCode !== 201 && response.statusCode !== 400) {
      throw new Error(`the vault answered ${response.statusCode}: ${response.body}`);
    }
    return response.statusCode === 201;
  }

  it.each(ACCEPTED)('both accept %s', async (_name, candidate) => {
    expect({ catalog: catalogAccepts(candidate), vault: await vaultAccepts(candidate) }).toEqual({
      catalog: true,
      vault: true,
    });
  });

  it.each(REFUSED)('both refuse %s', async (_name, candidate) => {
    expect({ catalog: catalogAccepts(candidate), vault: await vaultAccepts(candidate) }).toEqual({
      catalog: false,
      vault: false,
    });
  });

  it.each(CATALOG_ONLY_REFUSALS)('only the catalog refuses %s (deliberately)', async (_name, candidate) => {
    expect({ catalog: catalogAccepts(candidate), vault: await vaultAccepts(candidate) }).toEqual({
      catalog: false,
      vault: true,
    });
  });
});

/** Relay ids: the catalog's `relay.id` and the vault's `form.relay` follow one rule (a relay the site has). */
const RELAY_IDS_ACCEPTED = ['stripe', 'adyen_eu', 'pay-2', `r${'x'.repeat(39)}`];
const RELAY_IDS_REFUSED = ['Stripe', '2pay', `r${'x'.repeat(40)}`, 'pay by card', '', 'stripe\n'];

describe('the app catalog check and the vault give one verdict for each relay id', () => {
  let vault: TestVault;
  const payForm = (relay: string): Form & { relay: string } => ({
    id: 'pay',
    title: 'Pay',
    fields: [{ id: 'pan', label: 'Card number', type: 'card_number', required: true }],
    relay,
  });

  beforeAll(async () => {
    vault = await startTestVault();
    for (const id of RELAY_IDS_ACCEPTED) {
      await vault.app.vault.relays.configure('site-a', id, {
        url: 'https://processor.example/v1/pay',
        allowHosts: ['processor.example'],
        template: { format: 'json', body: { number: '{{pan}}' } },
        keep: { id: 'id' },
      });
    }
  });
  afterAll(() => vault.close());

  async function verdicts(relay: string): Promise<{ catalog: boolean; vault: boolean }> {
    const catalog = parseCatalog(JSON.stringify([{ ...payForm(relay), relay: { id: relay } }])).problems.length === 0;
    const response = await vault.call('POST', '/v1/requests', cardForm({ form: payForm(relay) as never }));
    if (response.statusCode !== 201 && response.statusCode !== 400) {
      throw new Error(`the vault answered ${response.statusCode}: ${response.body}`);
    }
    return { catalog, vault: response.statusCode === 201 };
  }

  it.each(RELAY_IDS_ACCEPTED)('both accept the relay id %j', async (id) => {
    expect(await verdicts(id)).toEqual({ catalog: true, vault: true });
  });

  it.each(RELAY_IDS_REFUSED)('both refuse the relay id %j', async (id) => {
    expect(await verdicts(id)).toEqual({ catalog: false, vault: false });
  });
});
