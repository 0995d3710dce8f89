/**
 * The visitor pages in a real browser (Debian's Chromium), served by a tiny Fastify server with
 * the vault's security headers: keyboard-only filling by label, the page script's checks and
 * error summary, what each button posts, the ID&V page, a 320px screen, and a clean CSP.
 * Screenshots go to visitor-*.png in the temp dir (`npm test` gives each run its own and removes it).
 */
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import type { VisitorFieldView, VisitorRequestView } from '../src/contract';
import { parseBodies } from '../src/http/bodies';
import { securityHeaders } from '../src/http/security-headers';
import { ASSET_CONTENT_TYPES, readAsset, type AssetName } from '../src/pages/assets';
import { readFormValues } from '../src/pages/form-values';
import { idvFields } from '../src/pages/idv-fields';
import { negotiateLocale } from '../src/pages/i18n';
import { renderNoticePage, renderRequestPage } from '../src/pages/render';
import { validateValues } from '../src/contract/field-rules';
import fs from 'node:fs';
import {
  isFocused,
  launchBrowser,
  launchWithProfile,
  openWatchedPage,
  tabTo,
  typeIntoLabelled,
  type WatchedPage,
} from '../../testkit/browser';
import { chooseChromium } from '../../testkit/chromium';

jest.setTimeout(90_000);

const screenshot = (name: string) => path.join(os.tmpdir(), name);

interface Post {
  path: string;
  body: Record<string, unknown>;
}

function field(
  overrides: Partial<VisitorFieldView> & Pick<VisitorFieldView, 'id' | 'type' | 'label'>,
): VisitorFieldView {
  return { required: true, masked: false, offTheRecord: false, ...overrides };
}

function view(id: string, overrides: Partial<VisitorRequestView>): VisitorRequestView {
  return {
    requestId: `00000000-0000-4000-8000-00000000000${id.length}`,
    kind: 'form',
    title: 'Card payment',
    locale: 'en',
    fields: [],
    submitUrl: `/f/${id}/submit`,
    cancelUrl: `/f/${id}/cancel`,
    expiresAt: '2099-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const VIEWS: Record<string, VisitorRequestView> = {
  x: view('x', {
    fields: [
      field({ id: 'name', label: 'Name on card', type: 'text' }),
      field({ id: 'pan', label: 'Card number', type: 'card_number', masked: true }),
      field({ id: 'expiry', label: 'Expiry date', type: 'expiry' }),
      field({ id: 'cvv', label: 'Security code', type: 'cvv', offTheRecord: true }),
    ],
  }),
  // Patterns run by the contract's engine in the page script, as on the server.
  p: view('p', {
    title: 'Reference',
    fields: [
      // `\-` is refused by JavaScript's RegExp in Unicode mode, which the page used to run.
      field({ id: 'sort', label: 'Sort code', type: 'text', pattern: '\\d{2}\\-\\d{2}\\-\\d{2}' }),
      // Backtracks exponentially in JavaScript's RegExp: the page would hang.
      field({ id: 'ref', label: 'Reference', type: 'text', pattern: '(a+)+$' }),
    ],
  }),
  rtl: view('rtl', {
    locale: 'ar',
    title: 'الدفع بالبطاقة',
    fields: [
      field({ id: 'name', label: 'الاسم على البطاقة', type: 'text' }),
      field({ id: 'pan', label: 'رقم البطاقة', type: 'card_number', masked: true }),
      field({ id: 'expiry', label: 'تاريخ الانتهاء', type: 'expiry' }),
    ],
  }),
  idv: view('idv', {
    kind: 'idv',
    title: 'PIN',
    idv: { label: 'PIN', positions: [2, 4] },
    fields: idvFields({ label: 'PIN', positions: [2, 4] }, 'en'),
  }),
};

const FUTURE_EXPIRY = `12/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;
const BAD_PAN = '4111 1111 1111 1112';
const GOOD_PAN = '4111 1111 1111 1111';

/** The visitor routes the vault will have, minus OTKs and storage: renders, checks, records posts. */
async function startPageServer(posts: Post[]): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = Fastify();
  parseBodies(app);
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(securityHeaders(false));
  });
  const html = 'text/html; charset=utf-8';
  app.get<{ Params: { id: string } }>('/f/:id', async (request, reply) => {
    const found = VIEWS[request.params.id];
    const locale = negotiateLocale(found?.locale, request.headers['accept-language']);
    if (!found) return reply.code(404).type(html).send(renderNoticePage('link_invalid', locale));
    return reply.type(html).send(renderRequestPage({ view: found, locale }));
  });
  app.post<{ Params: { id: string } }>('/f/:id/submit', async (request, reply) => {
    const found = VIEWS[request.params.id];
    posts.push({ path: request.url, body: { ...(request.body as Record<string, unknown>) } });
    const values = readFormValues(request.body);
    const errors = validateValues(found.fields, values, new Date());
    if (Object.keys(errors).length > 0) {
      return reply
        .code(422)
        .type(html)
        .send(renderRequestPage({ view: found, locale: 'en', values, errors }));
    }
    return reply.type(html).send(renderNoticePage('submitted', 'en'));
  });
  app.post<{ Params: { id: string } }>('/f/:id/cancel', async (request, reply) => {
    posts.push({ path: request.url, body: { ...(request.body as Record<string, unknown>) } });
    return reply.type(html).send(renderNoticePage('cancelled', 'en'));
  });
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const name = request.params.name as AssetName;
    if (!Object.prototype.hasOwnProperty.call(ASSET_CONTENT_TYPES, name)) return reply.code(404).send();
    return reply.type(ASSET_CONTENT_TYPES[name]).send(readAsset(name));
  });
  // Another page of the site, to leave the form for.
  app.get('/elsewhere', async (_request, reply) => reply.type(html).send(renderNoticePage('cancelled', 'en')));
  // Breaks the CSP on purpose, to prove violations are noticed at all.
  app.get('/csp-probe', async (_request, reply) =>
    reply
      .type(html)
      .send(
        '<!DOCTYPE html><html lang="en"><head><title>probe</title><style>p{color:red}</style></head>' +
          '<body><p style="color:blue">probe</p><script>document.title = "ran"</script></body></html>',
      ),
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, baseUrl: address };
}

let browser: Browser;
let server: { app: FastifyInstance; baseUrl: string };
const posts: Post[] = [];
let watched: WatchedPage | undefined;

beforeAll(async () => {
  server = await startPageServer(posts);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.app.close();
});

beforeEach(() => {
  posts.length = 0;
});

afterEach(async () => {
  await watched?.close();
  watched = undefined;
});

async function open(path: string, options: Parameters<typeof openWatchedPage>[1] = {}): Promise<WatchedPage> {
  watched = await openWatchedPage(browser, options);
  const response = await watched.page.goto(`${server.baseUrl}${path}`);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  return watched;
}

function expectCleanPage(w: WatchedPage): void {
  expect(w.cspViolations).toEqual([]);
  expect(w.scriptErrors).toEqual([]);
}

describe('the form page in Chromium', () => {
  it('is filled by label with the keyboard only, stops a bad card number with a summary, and posts once fixed', async () => {
    const w = await open('/f/x');
    const { page } = w;
    await page.screenshot({ path: screenshot('visitor-form.png'), fullPage: true });

    await typeIntoLabelled(page, 'Name on card', 'Alice Example');
    await page.screenshot({
      path: screenshot('visitor-form-focus.png'),
      clip: { x: 0, y: 0, width: 1024, height: 320 },
    });
    await typeIntoLabelled(page, 'Card number', BAD_PAN);
    await typeIntoLabelled(page, 'Expiry date', FUTURE_EXPIRY);
    await typeIntoLabelled(page, 'Security code', '123');
    await page.keyboard.press('Enter');

    const summary = page.locator('#error-summary');
    await summary.waitFor();
    expect(await isFocused(summary)).toBe(true);
    expect(await summary.getAttribute('role')).toBe('alert');
    expect(await summary.locator('h2').textContent()).toBe('There is a problem');
    const links = summary.locator('a');
    expect(await links.allTextContents()).toEqual(['Check Card number: it is not a valid card number']);
    const pan = page.getByLabel('Card number');
    expect(await pan.getAttribute('aria-invalid')).toBe('true');
    expect(await pan.getAttribute('aria-describedby')).toBe('field-pan-hint field-pan-error');
    expect(await page.locator('#field-pan-error').textContent()).toBe(
      'Error: Check Card number: it is not a valid card number',
    );
    expect(await page.getByLabel('Name on card').getAttribute('aria-invalid')).toBeNull();
    expect(posts).toEqual([]);
    await page.screenshot({ path: screenshot('visitor-form-errors.png'), fullPage: true });

    // From the summary, Tab reaches its link and Enter puts the cursor in the card number.
    await page.keyboard.press('Tab');
    expect(await isFocused(links.first())).toBe(true);
    await page.keyboard.press('Enter');
    expect(await isFocused(pan)).toBe(true);

    await page.keyboard.press('Control+A');
    await page.keyboard.type(GOOD_PAN);
    await Promise.all([page.waitForURL('**/f/x/submit'), page.keyboard.press('Enter')]);

    expect(posts).toEqual([
      {
        path: '/f/x/submit',
        body: { 'v.name': 'Alice Example', 'v.pan': GOOD_PAN, 'v.expiry': FUTURE_EXPIRY, 'v.cvv': '123' },
      },
    ]);
    expect(await page.locator('h1').textContent()).toBe('Sent securely');
    expect(await page.locator('main').textContent()).toContain(
      'Your information was sent securely. You can close this tab and return to the chat.',
    );
    expectCleanPage(w);
  });

  it('cancels without checking anything and without sending what was typed', async () => {
    const w = await open('/f/x');
    const { page } = w;
    await typeIntoLabelled(page, 'Card number', '1234');
    await tabTo(page, page.getByRole('button', { name: 'Cancel' }));
    await Promise.all([page.waitForURL('**/f/x/cancel'), page.keyboard.press('Enter')]);

    expect(posts).toEqual([{ path: '/f/x/cancel', body: { action: 'cancel' } }]);
    expect(await page.locator('h1').textContent()).toBe('Nothing was sent');
    expectCleanPage(w);
  });

  it('still works without the script: the server answers with the summary and never echoes a masked value', async () => {
    const w = await open('/f/x', { javaScriptEnabled: false });
    const { page } = w;
    await typeIntoLabelled(page, 'Name on card', 'Bob <b>Example</b>');
    await typeIntoLabelled(page, 'Card number', BAD_PAN);
    await typeIntoLabelled(page, 'Security code', '987');
    await Promise.all([page.waitForURL('**/f/x/submit'), page.keyboard.press('Enter')]);

    expect(posts).toHaveLength(1);
    const summary = page.locator('#error-summary');
    expect(await summary.locator('a').allTextContents()).toEqual([
      'Check Card number: it is not a valid card number',
      'Expiry date is required',
    ]);
    expect(await isFocused(summary)).toBe(true);
    expect(await page.getByLabel('Name on card').inputValue()).toBe('Bob <b>Example</b>');
    expect(await page.getByLabel('Card number').inputValue()).toBe('');
    expect(await page.getByLabel('Security code').inputValue()).toBe('');
    const source = await page.content();
    expect(source).not.toContain('4111');
    expect(source).not.toContain('987');
    expectCleanPage(w);
  });

  it('fits a 320px-wide screen without sideways scrolling', async () => {
    const w = await open('/f/x', { viewport: { width: 320, height: 640 } });
    const { page } = w;
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      widest: Math.max(
        ...Array.from(document.querySelectorAll('input, select, button, label, h1')).map(
          (element) => element.getBoundingClientRect().right,
        ),
      ),
    }));
    expect(widths.page).toBeLessThanOrEqual(320);
    expect(widths.widest).toBeLessThanOrEqual(320);
    await page.screenshot({ path: screenshot('visitor-form-320.png'), fullPage: true });
    expectCleanPage(w);
  });
});

describe('field patterns in Chromium', () => {
  it('are checked by the same linear-time engine as the server: a hostile pattern answers at once', async () => {
    const w = await open('/f/p');
    const { page } = w;
    const hostile = `${'a'.repeat(999)}!`;
    await page.getByLabel('Sort code').fill('12-34-56');
    await page.getByLabel('Reference').fill(hostile);
    // The page's verdict is the server's verdict for the same values.
    expect(validateValues(VIEWS.p.fields, { sort: '12-34-56', ref: hostile }, new Date())).toEqual({
      ref: { code: 'pattern' },
    });

    const started = Date.now();
    await page.getByLabel('Reference').press('Enter');
    const summary = page.locator('#error-summary');
    await summary.waitFor({ timeout: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await summary.locator('a').allTextContents()).toEqual(['Reference is not in the expected format']);
    expect(posts).toEqual([]);

    await page.getByLabel('Reference').fill('aaa');
    await Promise.all([page.waitForURL('**/f/p/submit'), page.getByLabel('Reference').press('Enter')]);
    expect(posts).toEqual([{ path: '/f/p/submit', body: { 'v.sort': '12-34-56', 'v.ref': 'aaa' } }]);
    expect(await page.locator('h1').textContent()).toBe('Sent securely');
    expectCleanPage(w);
  });
});

describe('the ID&V page in Chromium', () => {
  it('asks for two characters in masked one-character inputs and posts them by position', async () => {
    const w = await open('/f/idv');
    const { page } = w;
    expect(await page.locator('h1').textContent()).toBe('Enter characters 2 and 4 from your PIN');
    for (const label of ['Character 2', 'Character 4']) {
      expect(await page.getByLabel(label).getAttribute('type')).toBe('password');
    }
    expect(await page.locator('input:not([type="hidden"])').count()).toBe(2);
    await page.screenshot({ path: screenshot('visitor-idv.png'), fullPage: true });

    await typeIntoLabelled(page, 'Character 2', '77');
    await typeIntoLabelled(page, 'Character 4', '3');
    await page.keyboard.press('Enter');
    await page.locator('#error-summary').waitFor();
    expect(await page.locator('#error-summary a').allTextContents()).toEqual([
      'Character 2 must be at most 1 character',
    ]);
    expect(posts).toEqual([]);

    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await isFocused(page.getByLabel('Character 2'))).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('7');
    await Promise.all([page.waitForURL('**/f/idv/submit'), page.keyboard.press('Enter')]);

    expect(posts).toEqual([{ path: '/f/idv/submit', body: { 'v.2': '7', 'v.4': '3' } }]);
    expect(await page.locator('h1').textContent()).toBe('Sent securely');
    expectCleanPage(w);
  });
});

describe('card entry in Chromium', () => {
  it('groups the card number as typed and names its brand; the caret stays where the visitor typed', async () => {
    const w = await open('/f/x');
    const { page } = w;
    const pan = page.locator('#field-pan');
    const brand = page.locator('#field-pan-brand');
    expect(await brand.getAttribute('aria-live')).toBe('polite');
    expect(await brand.textContent()).toBe('');
    await typeIntoLabelled(page, 'Card number', '378282246310005');
    expect(await pan.inputValue()).toBe('3782 822463 10005');
    expect(await brand.textContent()).toBe('American Express');

    await page.keyboard.press('Control+A');
    await page.keyboard.type('4111111');
    expect(await pan.inputValue()).toBe('4111 111');
    expect(await brand.textContent()).toBe('Visa');
    // A digit typed in the middle: grouping moves, the caret stays after the digit just typed.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.type('9');
    expect(await pan.inputValue()).toBe('4191 1111');
    expect(await pan.evaluate((input: HTMLInputElement) => input.selectionStart)).toBe(3);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('abc-12');
    expect(await pan.inputValue()).toBe('12');
    expect(await brand.textContent()).toBe('');
    expectCleanPage(w);
  });

  it("reads a Japanese IME's fullwidth digits and an Arabic keyboard's as the digits they are, and leaves a composition alone", async () => {
    const w = await open('/f/x');
    const { page } = w;
    const pan = page.locator('#field-pan');
    await pan.focus();
    await page.keyboard.insertText('٤١١١١١١');
    expect(await pan.inputValue()).toBe('4111 111');
    // An IME composing: the text under composition is not rewritten; once committed, it is grouped.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.imeSetComposition', { text: '１１', selectionStart: 2, selectionEnd: 2 });
    expect(await pan.inputValue()).toBe('4111 111１１');
    await cdp.send('Input.insertText', { text: '１１' });
    expect(await pan.inputValue()).toBe('4111 1111 1');
    expect(await page.locator('#field-pan-brand').textContent()).toBe('Visa');
    expectCleanPage(w);
  });

  it('masked fields get a Show/Hide button, usable by keyboard, masked again before the form posts', async () => {
    const w = await open('/f/x');
    const { page } = w;
    const pan = page.locator('#field-pan');
    await typeIntoLabelled(page, 'Name on card', 'Alice Example');
    await typeIntoLabelled(page, 'Card number', GOOD_PAN);
    // Tab order: the card number, then its button.
    await page.keyboard.press('Tab');
    const toggle = page.locator('button[aria-controls="field-pan"]');
    expect(await isFocused(toggle)).toBe(true);
    expect(await toggle.textContent()).toBe('Show');
    expect(await toggle.getAttribute('aria-describedby')).toBe('field-pan-label');
    expect(await page.locator('#field-pan-label').textContent()).toContain('Card number');
    await page.keyboard.press('Space');
    expect(await pan.getAttribute('type')).toBe('text');
    expect(await toggle.textContent()).toBe('Hide');
    expect(await pan.inputValue()).toBe(GOOD_PAN);
    await page.screenshot({ path: screenshot('visitor-card-shown.png'), fullPage: true });
    // Only masked fields have one: the CVV does, the expiry and the name do not.
    expect(
      await page.locator('button[aria-controls]').evaluateAll((all) => all.map((b) => b.getAttribute('aria-controls'))),
    ).toEqual(['field-pan', 'field-cvv']);
    await typeIntoLabelled(page, 'Expiry date', FUTURE_EXPIRY);
    await typeIntoLabelled(page, 'Security code', '123');
    await Promise.all([page.waitForURL('**/f/x/submit'), page.keyboard.press('Enter')]);
    expect(posts).toEqual([
      {
        path: '/f/x/submit',
        body: { 'v.name': 'Alice Example', 'v.pan': GOOD_PAN, 'v.expiry': FUTURE_EXPIRY, 'v.cvv': '123' },
      },
    ]);
    expectCleanPage(w);
  });

  it('what was typed does not come back when the visitor leaves and returns with Back', async () => {
    const w = await open('/f/x');
    const { page } = w;
    await typeIntoLabelled(page, 'Name on card', 'Alice Example');
    await typeIntoLabelled(page, 'Card number', GOOD_PAN);
    await typeIntoLabelled(page, 'Expiry date', FUTURE_EXPIRY);
    await page.goto(`${server.baseUrl}/elsewhere`);
    await page.goBack();
    await page.locator('#field-pan').waitFor();
    const values = await page
      .locator('input.control')
      .evaluateAll((all) => all.map((i) => (i as HTMLInputElement).value));
    expect(values).toEqual(['', '', '', '']);
    expect(await page.locator('#field-pan-brand').textContent()).toBe('');
  });

  it('the ID&V page has no Show/Hide buttons and no autofill', async () => {
    const w = await open('/f/idv');
    const { page } = w;
    expect(await page.locator('button[aria-controls]').count()).toBe(0);
    const tokens = await page
      .locator('input.control')
      .evaluateAll((all) => all.map((i) => i.getAttribute('autocomplete')));
    expect(tokens).toEqual(['off', 'off']);
    expectCleanPage(w);
  });
});

describe('a right-to-left page in Chromium', () => {
  it('is mirrored: text, labels, buttons and error marks start on the right; the card number still reads left to right', async () => {
    const w = await open('/f/rtl');
    const { page } = w;
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    const card = (await page.locator('.card').boundingBox())!;
    const heading = (await page.locator('h1').boundingBox())!;
    // The heading hugs the right edge of the card, far from its left edge.
    expect(card.x + card.width - (heading.x + heading.width)).toBeLessThan(40);
    const submit = (await page.getByRole('button', { name: 'إرسال' }).boundingBox())!;
    const cancel = (await page.getByRole('button', { name: 'إلغاء' }).boundingBox())!;
    expect(submit.x).toBeGreaterThan(cancel.x);

    await typeIntoLabelled(page, 'رقم البطاقة', '4111111111111111');
    const pan = page.locator('#field-pan');
    expect(await pan.evaluate((input) => getComputedStyle(input).direction)).toBe('ltr');
    expect(await pan.evaluate((input) => getComputedStyle(input).textAlign)).toBe('right');
    await page.locator('button[aria-controls="field-pan"]').click();
    expect(await pan.inputValue()).toBe('4111 1111 1111 1111');
    expect(await page.locator('#field-pan-brand').textContent()).toBe('Visa');
    // The Show/Hide button sits on the input's left, the end of the row in right-to-left.
    const toggle = (await page.locator('button[aria-controls="field-pan"]').boundingBox())!;
    expect(toggle.x).toBeLessThan((await pan.boundingBox())!.x);

    await pan.focus();
    await page.keyboard.press('Enter');
    await page.locator('#error-summary').waitFor();
    const marked = page.locator('.field--error').first();
    expect(await marked.evaluate((element) => getComputedStyle(element).borderRightWidth)).toBe('4px');
    expect(await marked.evaluate((element) => getComputedStyle(element).borderLeftWidth)).toBe('0px');
    await page.screenshot({ path: screenshot('visitor-rtl-ar.png'), fullPage: true });
    expectCleanPage(w);
  });
});

describe('the CSP watch', () => {
  it('notices inline script and style, so a clean result above means something', async () => {
    const w = await open('/csp-probe');
    await w.page.waitForLoadState('load');
    expect(await w.page.title()).toBe('probe');
    expect(w.cspViolations.length).toBeGreaterThanOrEqual(2);
  });
});

describe("what the visitor's browser profile keeps", () => {
  /** Every file under `dir` as text, for a search. */
  function readAll(dir: string): string {
    if (!fs.existsSync(dir)) return '';
    return fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name)).toString('latin1'))
      .join('\n');
  }

  // Secrets are password inputs, which Chrome never writes there (as text inputs, it wrote the card
  // number into them); the other fields it did not either, in this Chromium.
  it('holds nothing typed in the form in its session files once the form is sent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visitor-profile-'));
    try {
      const context = await launchWithProfile(dir);
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/f/x`);
      await typeIntoLabelled(page, 'Name on card', 'Zorro Quixote');
      await typeIntoLabelled(page, 'Card number', GOOD_PAN);
      await typeIntoLabelled(page, 'Expiry date', FUTURE_EXPIRY);
      await typeIntoLabelled(page, 'Security code', '739');
      await Promise.all([page.waitForURL('**/f/x/submit'), page.keyboard.press('Enter')]);
      // Another page, then a pause: the browser writes the page it left into its session files.
      await page.goto(`${server.baseUrl}/elsewhere`);
      await page.waitForTimeout(1500);
      await context.close();
      const sessions = readAll(path.join(dir, 'Default', 'Sessions'));
      if (chooseChromium().source === 'npm') {
        // The npm package's Chromium is a headless shell: it keeps no session files at all.
        expect(sessions).toBe('');
      } else {
        expect(sessions).toContain('/f/x');
      }
      for (const typed of ['Zorro Quixote', GOOD_PAN, GOOD_PAN.replace(/ /g, ''), FUTURE_EXPIRY, 'v.cvv=739']) {
        expect([typed, sessions.includes(typed)]).toEqual([typed, false]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
