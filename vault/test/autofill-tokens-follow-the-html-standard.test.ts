import { AUTOFILL_TOKENS } from '../src/contract';
import { cardForm, openPage, startTestVault, type TestVault } from './helpers/vault';

/**
 * The autofill field names of the HTML standard (WHATWG HTML, "Autofill", the field name table).
 * A copy of the standard on purpose, not of the contract's AUTOFILL_TOKENS: `duplicates` pairs the
 * two lists, and the test exists to catch the day they differ.
 */
const HTML_AUTOFILL_FIELD_NAMES = new Set([
  'name',
  'honorific-prefix',
  'given-name',
  'additional-name',
  'family-name',
  'honorific-suffix',
  'nickname',
  'username',
  'new-password',
  'current-password',
  'one-time-code',
  'organization-title',
  'organization',
  'street-address',
  'address-line1',
  'address-line2',
  'address-line3',
  'address-level4',
  'address-level3',
  'address-level2',
  'address-level1',
  'country',
  'country-name',
  'postal-code',
  'cc-name',
  'cc-given-name',
  'cc-additional-name',
  'cc-family-name',
  'cc-number',
  'cc-exp',
  'cc-exp-month',
  'cc-exp-year',
  'cc-csc',
  'cc-type',
  'transaction-currency',
  'transaction-amount',
  'language',
  'bday',
  'bday-day',
  'bday-month',
  'bday-year',
  'sex',
  'url',
  'photo',
  'tel',
  'tel-country-code',
  'tel-national',
  'tel-area-code',
  'tel-local',
  'tel-local-prefix',
  'tel-local-suffix',
  'tel-extension',
  'email',
  'impp',
]);

function tokensByName(page: string): Record<string, string> {
  return Object.fromEntries(
    [...page.matchAll(/<input\b[^>]*>/g)]
      .map((match) => match[0])
      .filter((tag) => / name="v\./.test(tag))
      .map((tag) => [/ name="v\.([^"]+)"/.exec(tag)![1], / autocomplete="([^"]*)"/.exec(tag)?.[1] ?? '']),
  );
}

describe('autofill tokens (WCAG 1.3.5)', () => {
  let vault: TestVault;
  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  it('every token a field may carry is an autofill field name of the HTML standard, and no secret kind', () => {
    for (const token of AUTOFILL_TOKENS) expect(HTML_AUTOFILL_FIELD_NAMES.has(token)).toBe(true);
    for (const secret of ['new-password', 'current-password', 'one-time-code']) {
      expect(AUTOFILL_TOKENS as readonly string[]).not.toContain(secret);
    }
  });

  it('the card form asks the browser for cc-name, cc-number, cc-exp and cc-csc, and masked fields too', async () => {
    const body = cardForm();
    body.form!.fields[0].autocomplete = 'cc-name';
    body.form!.fields.push({ id: 'zip', label: 'Postcode', type: 'text', autocomplete: 'postal-code' });
    const created = (await vault.call('POST', '/v1/requests', body)).json();
    const page = (await openPage(vault, created.visitorUrl)).body;
    expect(tokensByName(page)).toEqual({
      name: 'cc-name',
      pan: 'cc-number',
      exp: 'cc-exp',
      cvv: 'cc-csc',
      zip: 'postal-code',
    });
    expect(page).toMatch(/<input[^>]* type="password"[^>]* name="v\.pan"/);
  });

  it('the JSON view carries the token, and anything that is not an allowed token is a 400', async () => {
    const body = cardForm();
    body.form!.fields[0].autocomplete = 'cc-name';
    const created = (await vault.call('POST', '/v1/requests', body)).json();
    const view = (
      await vault.call('GET', new URL(created.visitorUrl).pathname, undefined, null, {
        accept: 'application/json',
      })
    ).json();
    expect(view.fields[0].autocomplete).toBe('cc-name');
    for (const token of ['current-password', 'one-time-code', 'cc-name cc-number', 'bogus', '']) {
      const bad = cardForm();
      (bad.form!.fields[0] as { autocomplete?: string }).autocomplete = token;
      const answer = await vault.call('POST', '/v1/requests', bad);
      expect(answer.statusCode).toBe(400);
    }
  });
});
