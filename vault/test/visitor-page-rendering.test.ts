import path from 'node:path';
import type { VisitorFieldView, VisitorRequestView } from '../src/contract';
import { renderNoticePage, renderRequestPage, NOTICE_KINDS } from '../src/pages/render';
import { idvFields } from '../src/pages/idv-fields';
import { readFormValues } from '../src/pages/form-values';
import { ASSET_DIR, readAsset } from '../src/pages/assets';
import { validateValues } from '../src/contract/field-rules';
import type { VisitorPageData } from '../src/pages/page-data';

const HOSTILE = `<script>alert("x")</script>"'><img src=x onerror=alert(1)>'; DROP TABLE requests; --`;

function f(overrides: Partial<VisitorFieldView> & Pick<VisitorFieldView, 'id' | 'type' | 'label'>): VisitorFieldView {
  return { required: true, masked: false, offTheRecord: false, ...overrides };
}

function formView(fields: VisitorFieldView[], title = 'Card payment'): VisitorRequestView {
  return {
    requestId: '6f1c1b1e-0000-4000-8000-000000000001',
    kind: 'form',
    title,
    locale: 'en',
    fields,
    submitUrl: '/f/x/submit',
    cancelUrl: '/f/x/cancel',
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
}

const CARD_FIELDS = [
  f({ id: 'name', label: 'Name on card', type: 'text' }),
  f({ id: 'pan', label: 'Card number', type: 'card_number', masked: true }),
  f({ id: 'expiry', label: 'Expiry date', type: 'expiry' }),
  f({ id: 'cvv', label: 'Security code', type: 'cvv', offTheRecord: true }),
];

/** Attributes of the element whose id is `id`, as a name → value map. */
function elementAttributes(page: string, id: string): Record<string, string> {
  const tag = [...page.matchAll(/<(input|select)\b[^>]*>/g)].map((m) => m[0]).find((t) => t.includes(` id="${id}"`));
  if (!tag) throw new Error(`no input with id ${id}`);
  return Object.fromEntries([...tag.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)].map((m) => [m[1], m[2] ?? '']));
}

function pageData(page: string): VisitorPageData {
  const match = /<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page);
  if (!match) throw new Error('no page data');
  return JSON.parse(match[1]) as VisitorPageData;
}

describe('right-to-left pages', () => {
  it('Arabic and Hebrew pages are dir="rtl", with numbers, dates and e-mail inputs kept left to right', () => {
    for (const locale of ['ar', 'he']) {
      const page = renderRequestPage({ view: { ...formView(CARD_FIELDS), locale }, locale });
      expect(page).toContain(`<html lang="${locale}" dir="rtl">`);
      expect(elementAttributes(page, 'field-pan').dir).toBe('ltr');
      expect(elementAttributes(page, 'field-expiry').dir).toBe('ltr');
      expect(elementAttributes(page, 'field-cvv').dir).toBe('ltr');
      expect(elementAttributes(page, 'field-name').dir).toBeUndefined();
    }
    expect(renderRequestPage({ view: formView(CARD_FIELDS), locale: 'ja' })).toContain('<html lang="ja" dir="ltr">');
  });
});

describe('the form page', () => {
  const page = renderRequestPage({ view: formView(CARD_FIELDS), locale: 'en' });

  it('is an HTML5 document in the page locale with a main landmark and the form title as heading', () => {
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('<html lang="en" dir="ltr">');
    expect(page).toMatch(/<main[\s>]/);
    expect(page).toContain('<h1 class="page__title">Card payment</h1>');
    expect(page).toContain('<title>Card payment – secure form</title>');
    expect(renderRequestPage({ view: formView(CARD_FIELDS), locale: 'es' })).toContain('<html lang="es"');
  });

  it('posts v.<fieldId> inputs to the submit URL and cancels without sending them', () => {
    expect(page).toMatch(/<form class="form" id="visitor-form" method="post" action="\/f\/x\/submit" novalidate/);
    for (const field of CARD_FIELDS) expect(elementAttributes(page, `field-${field.id}`).name).toBe(`v.${field.id}`);
    const cancel = /<button[^>]*>Cancel<\/button>/.exec(page)?.[0] ?? '';
    expect(cancel).toContain('formaction="/f/x/cancel"');
    expect(cancel).toContain('formnovalidate');
    expect(cancel).toContain('form="cancel-form"');
    expect(page).toMatch(
      /<form id="cancel-form" method="post" action="\/f\/x\/cancel"><input type="hidden" name="action" value="cancel"><\/form>/,
    );
    expect(page).toMatch(/<button class="button button--primary" type="submit">Submit<\/button>/);
  });

  it('labels every input and points aria-describedby at elements that exist', () => {
    const ids = [...page.matchAll(/<(?:input|select)\b[^>]*\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['field-name', 'field-pan', 'field-expiry', 'field-cvv']);
    for (const id of ids) {
      expect(page).toMatch(new RegExp(`<label class="field__label" for="${id}"( id="${id}-label")?>`));
      for (const described of (elementAttributes(page, id)['aria-describedby'] ?? '').split(' ').filter(Boolean)) {
        expect(page).toContain(` id="${described}"`);
      }
    }
    expect(elementAttributes(page, 'field-expiry')['aria-describedby']).toBe('field-expiry-hint');
    expect(page).not.toContain('aria-invalid');
    expect(page).not.toContain('error-summary');
  });

  it('masks secrets, and gives autofill tokens by type (masked or not) or from the field itself', () => {
    expect(elementAttributes(page, 'field-pan')).toMatchObject({
      type: 'password',
      autocomplete: 'cc-number',
      inputmode: 'numeric',
    });
    expect(elementAttributes(page, 'field-cvv')).toMatchObject({
      type: 'password',
      autocomplete: 'cc-csc',
      inputmode: 'numeric',
    });
    expect(elementAttributes(page, 'field-expiry')).toMatchObject({
      type: 'text',
      autocomplete: 'cc-exp',
      inputmode: 'numeric',
    });
    expect(elementAttributes(page, 'field-name')).toMatchObject({ type: 'text', autocomplete: 'off' });
    const named = renderRequestPage({
      view: formView([f({ id: 'holder', label: 'Name on card', type: 'text', autocomplete: 'cc-name' })]),
      locale: 'en',
    });
    expect(elementAttributes(named, 'field-holder')).toMatchObject({ autocomplete: 'cc-name' });
    const open = renderRequestPage({
      view: formView([f({ id: 'pan', label: 'Card number', type: 'card_number' })]),
      locale: 'en',
    });
    expect(elementAttributes(open, 'field-pan')).toMatchObject({
      type: 'text',
      autocomplete: 'cc-number',
      inputmode: 'numeric',
    });
  });

  it('renders a select with its options and a neutral first choice', () => {
    const select = renderRequestPage({
      view: formView([
        f({
          id: 'kind',
          label: 'Account',
          type: 'select',
          options: [
            { value: 'c', label: 'Current' },
            { value: 's', label: 'Savings' },
          ],
        }),
      ]),
      locale: 'en',
      values: { kind: 's' },
    });
    expect(select).toMatch(
      /<select class="control" id="field-kind" name="v.kind" required><option value="">Choose an option<\/option><option value="c">Current<\/option><option value="s" selected>Savings<\/option><\/select>/,
    );
  });

  it('loads only its own stylesheet and script: no inline script, style or handler', () => {
    expect(page).toContain('<link rel="stylesheet" href="/assets/visitor.css">');
    expect(page).toContain('<script src="/assets/visitor.js" defer></script>');
    const scripts = [...page.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual([
      '<script src="/assets/visitor.js" defer>',
      '<script type="application/json" id="page-data">',
    ]);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('hands the script the fields and messages, but no values', () => {
    const data = pageData(
      renderRequestPage({ view: formView(CARD_FIELDS), locale: 'en', values: { name: 'Alice Example' } }),
    );
    expect(data.fields.map((field) => [field.id, field.elementId])).toEqual(
      CARD_FIELDS.map((field) => [field.id, `field-${field.id}`]),
    );
    expect(data.messages['error.card_checksum']).toBe('Check {label}: it is not a valid card number');
    expect(JSON.stringify(data)).not.toContain('Alice Example');
  });
});

describe('hostile strings from the requesting site', () => {
  const fields = [
    f({ id: 'q', label: HOSTILE, type: 'text', hint: HOSTILE }),
    f({
      id: 'pick',
      label: 'Pick',
      type: 'select',
      options: [{ value: `"><script>alert(2)</script>`, label: HOSTILE }],
    }),
    f({ id: 'bad id"><b>', label: 'Odd id', type: 'text' }),
  ];
  const page = renderRequestPage({
    view: { ...formView(fields, HOSTILE), submitUrl: '/f/"><script>1</script>/submit' },
    locale: '"><script>',
    values: { q: HOSTILE },
    errors: { q: { code: 'required' } },
  });

  it('escapes titles, labels, hints, options, values, URLs and the locale', () => {
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>');
    expect(page).not.toMatch(/"'?><(?:img|script|b)/);
    expect(page).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;; DROP TABLE requests; --',
    );
    expect(page).toContain(`<label class="field__label" for="field-q">&lt;script&gt;`);
  });

  it('gives an odd field id a safe element id and keeps it only in the escaped input name', () => {
    expect(elementAttributes(page, 'field.2').name).toBe('v.bad id&quot;&gt;&lt;b&gt;');
  });

  it('keeps the page data block closed and intact', () => {
    const block = /<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    expect(block).not.toMatch(/[<>]/);
    const data = pageData(page);
    expect(data.fields[0].label).toBe(HOSTILE);
    expect(data.fields[1].options?.[0].value).toBe(`"><script>alert(2)</script>`);
  });
});

describe('after a server-side error', () => {
  const values = { name: 'Alice Example', pan: '4111111111111112', expiry: '01/20', cvv: '987' };
  const errors = validateValues(CARD_FIELDS, values, new Date('2026-03-15T12:00:00Z'));
  const page = renderRequestPage({ view: formView(CARD_FIELDS), locale: 'en', values, errors });

  it('refills only values that are not masked', () => {
    expect(Object.keys(errors).sort()).toEqual(['expiry', 'pan']);
    expect(elementAttributes(page, 'field-name').value).toBe('Alice Example');
    expect(elementAttributes(page, 'field-expiry').value).toBe('01/20');
    expect(page).not.toContain('4111111111111112');
    expect(page).not.toContain('987');
    expect(elementAttributes(page, 'field-pan').value).toBeUndefined();
  });

  it('never refills a card number, an SSN or an off-the-record answer, even unmasked', () => {
    const fields = [
      f({ id: 'pan', label: 'Card number', type: 'card_number' }),
      f({ id: 'ssn', label: 'SSN', type: 'ssn' }),
      f({ id: 'answer', label: 'First pet', type: 'text', offTheRecord: true }),
      f({ id: 'expiry', label: 'Expiry date', type: 'expiry' }),
    ];
    const sent = { pan: '4111111111111112', ssn: '234-56-7891', answer: 'Rex the dog', expiry: '01/20' };
    const again = renderRequestPage({
      view: formView(fields),
      locale: 'en',
      values: sent,
      errors: validateValues(fields, sent, new Date('2026-03-15T12:00:00Z')),
    });
    for (const id of ['pan', 'ssn', 'answer']) expect(elementAttributes(again, `field-${id}`).value).toBeUndefined();
    for (const value of [sent.pan, sent.ssn, sent.answer]) expect(again).not.toContain(value);
    expect(elementAttributes(again, 'field-expiry').value).toBe('01/20');
  });

  it('shows a focusable alert summary that links to each bad field', () => {
    expect(page).toMatch(
      /<div class="error-summary" id="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="error-summary-title">\n<h2 class="error-summary__title" id="error-summary-title">There is a problem<\/h2>/,
    );
    const links = [...page.matchAll(/<li><a href="#([^"]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([
      ['field-pan', 'Check Card number: it is not a valid card number'],
      ['field-expiry', 'Expiry date must be this month or in the future'],
    ]);
  });

  it('marks bad fields invalid and describes them by their error', () => {
    expect(elementAttributes(page, 'field-pan')).toMatchObject({
      'aria-invalid': 'true',
      'aria-describedby': 'field-pan-hint field-pan-error',
    });
    expect(elementAttributes(page, 'field-name')['aria-invalid']).toBeUndefined();
    expect(page).toContain(
      '<p class="field__error" id="field-pan-error"><span class="visually-hidden">Error: </span>Check Card number: it is not a valid card number</p>',
    );
  });

  it('says once that a posted key is no field, without linking it', () => {
    const stray = renderRequestPage({
      view: formView(CARD_FIELDS),
      locale: 'en',
      errors: { nope: { code: 'unknown_field' } },
    });
    expect(stray).toContain('<li>This page is out of date: reload it and try again</li>');
  });
});

describe('the ID&V page', () => {
  const view: VisitorRequestView = {
    ...formView(idvFields({ label: 'PIN', positions: [2, 4] }, 'en'), 'PIN'),
    kind: 'idv',
    idv: { label: 'PIN', positions: [2, 4] },
  };

  it('asks for the characters by position, with two masked one-character inputs', () => {
    const page = renderRequestPage({ view, locale: 'en' });
    expect(page).toContain('<h1 class="page__title">Enter characters 2 and 4 from your PIN</h1>');
    for (const position of ['2', '4']) {
      expect(page).toContain(`<label class="field__label" for="field-${position}">Character ${position}</label>`);
      expect(elementAttributes(page, `field-${position}`)).toMatchObject({
        type: 'password',
        autocomplete: 'off',
        name: `v.${position}`,
      });
    }
    expect(page).toContain('>Submit</button>');
    expect(page).toContain('>Cancel</button>');
  });

  it('never refills an answer, masked or not', () => {
    const unmasked = { ...view, fields: view.fields.map((field) => ({ ...field, masked: false })) };
    const page = renderRequestPage({
      view: unmasked,
      locale: 'en',
      values: { 2: 'Q', 4: 'Z' },
      errors: { 4: { code: 'required' } },
    });
    expect(page).not.toMatch(/value="[QZ]"/);
    expect(elementAttributes(page, 'field-2').type).toBe('password');
  });

  it('speaks Spanish', () => {
    // Labels follow the page locale even when the view was built with English ones.
    const page = renderRequestPage({ view, locale: 'es' });
    expect(page).toContain('Escriba los caracteres 2 y 4 de su PIN');
    expect(page).toContain('>Carácter 2</label>');
    expect(page).toContain('>Enviar</button>');
  });
});

describe('notice pages', () => {
  it.each(NOTICE_KINDS)('%s is a plain page with a heading and no script', (kind) => {
    const page = renderNoticePage(kind, 'en');
    expect(page).toContain('<html lang="en"');
    expect(page).toMatch(/<h1 class="page__title">[^<]+<\/h1>/);
    expect(page).not.toContain('<script');
  });

  it('says what happened', () => {
    expect(renderNoticePage('link_invalid', 'en')).toContain('This link is no longer valid');
    expect(renderNoticePage('submitted', 'en')).toContain(
      'Your information was sent securely. You can close this tab and return to the chat.',
    );
    expect(renderNoticePage('submitted', 'es')).toContain('Su información se envió de forma segura.');
  });
});

describe('form body and assets', () => {
  it("reads v.-named values beside the pages' own action, and refuses any other entry without naming it", () => {
    expect(readFormValues({ 'v.pan': '4111', 'v.2': '7', action: 'cancel' })).toEqual({ pan: '4111', 2: '7' });
    expect(readFormValues(undefined)).toEqual({});
    expect(() => readFormValues({ 'v.pan': '4111', pan: '4111' })).toThrow(
      'The form sent an entry this page does not have: each value is posted as "v.<fieldId>".',
    );
    expect(() => readFormValues({ 'v.dup': ['a', 'b'] })).toThrow('A form value was sent more than once.');
    expect(() => readFormValues({ 'v.pan': '4111', action: ['cancel', 'cancel'] })).toThrow(
      'A form value was sent more than once.',
    );
  });

  it('serves the built script and stylesheet from vault/public', () => {
    expect(ASSET_DIR.endsWith(`vault${path.sep}public`)).toBe(true);
    expect(readAsset('visitor.css').toString('utf8')).toContain('.error-summary');
    expect(readAsset('visitor.js').toString('utf8')).toContain('page-data');
  });
});
