/**
 * A visitor's link is single use: its start step's POST opens the request. A reload re-posts that
 * used link, and following the link again from the chat asks it again; both met the dead-link page
 * while the request waited, opened, for half an hour. The browser that opened it keeps the form
 * session (the submit key, in an HttpOnly cookie on the link's path) and is shown the form again;
 * any other browser still meets the dead link, and nothing is shown once the form is submitted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { openWatchedPage, takeStartStep, typeIntoLabelled, type WatchedPage } from '../../testkit/browser';
import { useBrowserAndVault } from './helpers/browser-and-vault';
import {
  cardForm,
  futureExpiry,
  openPage,
  pathOf,
  startTestVault,
  testConfig,
  type ListeningVault,
  type TestVault,
} from './helpers/vault';

jest.setTimeout(90_000);

const FORM_HEADING = 'Card payment';
const DEAD = 'This link is no longer valid';

describe('in Chromium: the browser that opened a form keeps it', () => {
  let browser: Browser;
  let vault: ListeningVault;
  const tabs: WatchedPage[] = [];
  useBrowserAndVault('site-form-session', (started) => {
    ({ browser } = started);
    vault = started;
  });
  afterEach(async () => {
    for (const tab of tabs.splice(0)) {
      expect([...tab.cspViolations, ...tab.scriptErrors]).toEqual([]);
      await tab.close();
    }
  });

  async function newTab(): Promise<Page> {
    const tab = await openWatchedPage(browser);
    tabs.push(tab);
    return tab.page;
  }

  async function opened(roomId: string): Promise<{ page: Page; requestId: string; visitorUrl: string }> {
    const { requestId, visitorUrl } = await vault.api('POST', '/v1/requests', cardForm({ roomId }));
    const page = await newTab();
    await page.goto(visitorUrl);
    await takeStartStep(page);
    await page.getByRole('heading', { name: FORM_HEADING }).waitFor();
    return { page, requestId, visitorUrl };
  }

  async function submitCard(page: Page): Promise<void> {
    await typeIntoLabelled(page, 'Name on card', 'Ada Lovelace');
    await typeIntoLabelled(page, 'Card number', '4111 1111 1111 1111');
    await typeIntoLabelled(page, 'Expiry date', futureExpiry());
    await typeIntoLabelled(page, 'Security code', '737');
    await page.keyboard.press('Enter');
    await page.getByText('Your information was sent securely').waitFor();
  }

  it('a reload shows the form again, and it submits', async () => {
    const { page, requestId, visitorUrl } = await opened('room-reload');
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    await page.getByRole('heading', { name: FORM_HEADING }).waitFor();
    expect(await page.getByText(DEAD).count()).toBe(0);
    await submitCard(page);
    expect((await vault.api('GET', `/v1/requests/${requestId}`)).status).toBe('submitted');

    // The link again after the submit: the session ended with it.
    const again = await page.goto(visitorUrl);
    expect(again?.status()).toBe(404);
    await page.getByText(DEAD).first().waitFor();
  });

  it('the link followed again from the chat (another site) shows the form; another browser gets the dead link', async () => {
    const { page, visitorUrl } = await opened('room-again');
    const chat = await chatPage(visitorUrl);
    try {
      // Another tab of the same browser, from a page on another site, as the chat widget's link is.
      const sameBrowser = await page.context().newPage();
      await sameBrowser.goto(chat.url);
      await Promise.all([sameBrowser.waitForURL(visitorUrl), sameBrowser.getByRole('link', { name: 'Open' }).click()]);
      await sameBrowser.getByRole('heading', { name: FORM_HEADING }).waitFor();
      await sameBrowser.close();

      const otherBrowser = await newTab();
      await otherBrowser.goto(chat.url);
      await Promise.all([
        otherBrowser.waitForURL(visitorUrl),
        otherBrowser.getByRole('link', { name: 'Open' }).click(),
      ]);
      await otherBrowser.getByText(DEAD).first().waitFor();
      expect(await otherBrowser.getByRole('heading', { name: FORM_HEADING }).count()).toBe(0);
    } finally {
      await chat.close();
    }
  });
});

/** A page on another site (localhost, not 127.0.0.1) holding the visitor link, as the chat does. */
async function chatPage(visitorUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><a href="${visitorUrl}">Open</a>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/chat`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the form session cookie', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(() => vault.app.close());

  interface Opened {
    visitorPath: string;
    /** `form_session=<value>`, as the browser sends it back. */
    cookie: string;
    setCookie: string;
    submitKey: string;
  }

  async function openedInBrowser(on: TestVault = vault): Promise<Opened> {
    const created = await on.call('POST', '/v1/requests', cardForm());
    const { visitorUrl } = created.json() as { visitorUrl: string };
    const page = await openPage(on, visitorUrl);
    expect(page.statusCode).toBe(200);
    const setCookie = String(page.headers['set-cookie']);
    const cookie = setCookie.split(';')[0];
    const submitKey = /action="\/f\/([A-Za-z0-9_-]{43})\/submit"/.exec(page.body)?.[1] ?? '';
    return { visitorPath: pathOf(visitorUrl), cookie, setCookie, submitKey };
  }

  const post = (path: string, cookie?: string) =>
    vault.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        ...(cookie ? { cookie } : {}),
      },
      payload: 'action=start',
    });

  it("is a session cookie, HttpOnly, SameSite=Lax, on the link's own path, holding the submit key bound to the link", async () => {
    const { visitorPath, setCookie, submitKey } = await openedInBrowser();
    const attributes = setCookie.split('; ');
    expect(attributes[0]).toMatch(new RegExp(`^form_session=${submitKey}\\.[A-Za-z0-9_-]{43}$`));
    expect(attributes.slice(1)).toEqual([`Path=${visitorPath}`, 'HttpOnly', 'SameSite=Lax']);
  });

  it('under https it is __Secure-form_session, and Secure: a plain-http answer cannot set it', async () => {
    const https = await startTestVault({ config: testConfig({ VAULT_PUBLIC_URL: 'https://vault.test' }) });
    try {
      const { setCookie } = await openedInBrowser(https);
      expect(setCookie).toMatch(
        /^__Secure-form_session=[^;]+; Path=\/f\/[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Secure$/,
      );
    } finally {
      await https.close();
    }
  });

  it('shows the form again on a re-post or a GET with it, and the dead link without it', async () => {
    const { visitorPath, cookie, submitKey } = await openedInBrowser();
    const again = await post(visitorPath, cookie);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('id="visitor-form"');
    // Shown again, not opened again: no new session, and the page posts to the same submit key.
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain(`action="/f/${submitKey}/submit"`);
    const looked = await vault.app.inject({
      method: 'GET',
      url: visitorPath,
      headers: { accept: 'text/html', cookie },
    });
    expect(looked.statusCode).toBe(200);
    expect(looked.body).toContain('id="visitor-form"');

    const without = await post(visitorPath);
    expect(without.statusCode).toBe(404);
    expect(without.body).toContain(DEAD);
  });

  it("another link's session, even a live one, shows nothing here: a planted cookie cannot put someone else's form at this link", async () => {
    const victim = await openedInBrowser();
    const attacker = await openedInBrowser();
    const [, attackerValue] = attacker.cookie.split('=');
    const [, victimValue] = victim.cookie.split('=');
    const forged = [
      attacker.cookie,
      // The attacker's live submit key, bare or with a MAC of their own making.
      `form_session=${attacker.submitKey}`,
      `form_session=${attacker.submitKey}.${victimValue.split('.')[1]}`,
      `form_session=${attacker.submitKey}.${'A'.repeat(43)}`,
      'form_session=garbage',
      'form_session=',
      `form_session=${attackerValue}.extra`,
    ];
    for (const cookie of forged) {
      for (const answer of [
        await post(victim.visitorPath, cookie),
        await vault.app.inject({ method: 'GET', url: victim.visitorPath, headers: { accept: 'text/html', cookie } }),
      ]) {
        expect([answer.statusCode, answer.body.includes(DEAD), answer.body.includes(attacker.submitKey)]).toEqual([
          404,
          true,
          false,
        ]);
      }
    }
    // A planted cookie sent before the visitor's own: the visitor's own form, never the planted one.
    const both = await post(victim.visitorPath, `${attacker.cookie}; ${victim.cookie}`);
    expect(both.statusCode).toBe(200);
    expect(both.body).toContain(`action="/f/${victim.submitKey}/submit"`);
    expect(both.body).not.toContain(attacker.submitKey);
  });

  it('after a cancel the session shows the dead link', async () => {
    const { visitorPath, cookie, submitKey } = await openedInBrowser();
    const cancelled = await vault.app.inject({
      method: 'POST',
      url: `/f/${submitKey}/cancel`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'action=cancel',
    });
    expect(cancelled.statusCode).toBe(303);
    const after = await post(visitorPath, cookie);
    expect(after.statusCode).toBe(404);
  });

  it('a JSON open sets no cookie: its client holds the submit URL itself', async () => {
    const created = await vault.call('POST', '/v1/requests', cardForm());
    const { visitorUrl } = created.json() as { visitorUrl: string };
    const opened = await vault.call('GET', pathOf(visitorUrl), undefined, null, { accept: 'application/json' });
    expect(opened.statusCode).toBe(200);
    expect(opened.headers['set-cookie']).toBeUndefined();
  });

  it('a used link stays a 404 for JSON, even with the session (single use, as VAULT-API says)', async () => {
    const { visitorPath, cookie } = await openedInBrowser();
    const headers = { accept: 'application/json', cookie };
    const looked = await vault.app.inject({ method: 'GET', url: visitorPath, headers });
    const posted = await vault.app.inject({ method: 'POST', url: visitorPath, headers });
    expect([looked.statusCode, posted.statusCode]).toEqual([404, 404]);
    expect(looked.json()).toEqual({ error: { code: 'not_found', message: 'This link is no longer valid.' } });
  });

  it('an https public URL written in capitals still makes the cookie Secure', async () => {
    const https = await startTestVault({ config: testConfig({ VAULT_PUBLIC_URL: 'HTTPS://Vault.Test' }) });
    try {
      expect(https.config.publicUrl).toBe('https://vault.test');
      const { setCookie } = await openedInBrowser(https);
      expect(setCookie).toMatch(
        /^__Secure-form_session=[^;]+; Path=\/f\/[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Secure$/,
      );
    } finally {
      await https.close();
    }
  });
});
