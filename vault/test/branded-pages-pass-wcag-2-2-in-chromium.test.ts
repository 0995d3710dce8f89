/**
 * Branded visitor pages in Chromium against the real vault: "<Company> secure form", the logo the
 * vault serves (loaded under the strict CSP, img-src 'self') and the accent colour on the buttons,
 * left to right and right to left, at a desktop and a phone size; axe-core finds nothing for WCAG
 * 2.0, 2.1 and 2.2 A and AA on the start step, the form and its errors, with a full brand and with
 * a name alone. The docs' screenshots of each direction with and without a brand are taken here:
 * with UPDATE_DOCS_SCREENSHOTS=1 they go to docs/images/, else to a temporary directory.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app';
import { axeCheck, formLoaded, launchBrowser, openWatchedPage, VIEWPORTS } from '../../testkit/browser';
import { ScreenshotFolder } from '../../testkit/screenshots';
import { logoPng } from './helpers/png';
import { CALLBACK, cardForm, freePort, LogCapture, testConfig } from './helpers/vault';

jest.setTimeout(180_000);

describe('branded visitor pages pass axe for WCAG 2.2 AA', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let base: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await buildApp(testConfig({ VAULT_PUBLIC_URL: base, VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '10000' }), {
      logStream: new LogCapture(),
      doorbell: { retryDelaysMs: [] },
    });
    await app.listen({ host: '127.0.0.1', port });
    for (const siteId of ['site-full', 'site-name', 'site-plain']) {
      keys[siteId] = (await app.vault.sites.addSite(siteId, 'http://chat.test')).apiKey;
    }
    await app.vault.sites.setBrand('site-full', {
      displayName: 'ACME Bank',
      accentColour: '#0b5d33',
      logo: logoPng(160, 48),
    });
    await app.vault.sites.setBrand('site-name', { displayName: 'Banco Ñandú' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    screenshots.cleanUp();
  });

  const screenshots = new ScreenshotFolder('brand-screenshots-');

  async function create(siteId: string, locale: string): Promise<string> {
    const response = await fetch(`${base}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys[siteId]}`, 'content-type': 'application/json' },
      body: JSON.stringify(cardForm({ locale, callbackUrl: CALLBACK })),
    });
    return ((await response.json()) as { visitorUrl: string }).visitorUrl;
  }

  async function expectClean(page: Page, what: string): Promise<void> {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      const { violations, passes } = await axeCheck(page);
      expect({ what, size, violations }).toEqual({ what, size, violations: [] });
      expect({ what, size, vacuous: passes < 5 }).toEqual({ what, size, vacuous: false });
    }
  }

  it.each([
    ['site-full', 'en', 'ACME Bank secure form'],
    ['site-full', 'ar', 'نموذج ACME Bank الآمن'],
    ['site-name', 'he', 'טופס מאובטח של Banco Ñandú'],
    ['site-name', 'ja', 'Banco Ñandú の安全なフォーム'],
  ])('%s in %s: says "%s", and start, form and errors are clean', async (siteId, locale, says) => {
    const url = await create(siteId, locale);
    const watched = await openWatchedPage(browser);
    const { page } = watched;
    await page.goto(url);
    const name = page.locator('.brand__name');
    // The isolates around the name are invisible: what a visitor reads is the sentence.
    expect((await name.textContent())?.replace(/[\u2068\u2069]/g, '')).toBe(says);
    await expectClean(page, `${siteId} ${locale} start step`);
    await Promise.all([page.waitForURL(url), page.locator('#start-form button').click()]);
    await formLoaded(page);
    expect((await page.locator('.brand__name').textContent())?.replace(/[\u2068\u2069]/g, '')).toBe(says);
    const submit = page.locator('#visitor-form button[type=submit]').first();
    const logo = page.locator('.brand__logo');
    if (siteId === 'site-full') {
      expect(await logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(160);
      expect(await submit.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(11, 93, 51)');
    } else {
      expect(await logo.count()).toBe(0);
      expect(await submit.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(26, 79, 196)');
    }
    await expectClean(page, `${siteId} ${locale} form`);
    await submit.click();
    await page.locator('#error-summary').waitFor();
    await expectClean(page, `${siteId} ${locale} errors`);
    expect([...watched.cspViolations, ...watched.scriptErrors]).toEqual([]);
    await watched.close();
  });

  it.each([
    ['site-plain', 'en', 'visitor-form-ltr.png'],
    ['site-plain', 'ar', 'visitor-form-rtl.png'],
    ['site-full', 'en', 'visitor-form-brand-ltr.png'],
    ['site-full', 'ar', 'visitor-form-brand-rtl.png'],
  ])('%s in %s: mirrored as its direction says, screenshot %s', async (siteId, locale, file) => {
    const url = await create(siteId, locale);
    const watched = await openWatchedPage(browser, { viewport: { width: 800, height: 900 } });
    const { page } = watched;
    await page.goto(url);
    await Promise.all([page.waitForURL(url), page.locator('#start-form button').click()]);
    await formLoaded(page);
    // Right to left: the card's first line and the buttons start from the right; Submit comes first.
    const rtl = locale === 'ar';
    const card = (await page.locator('.card').boundingBox())!;
    const badge = (await page.locator(siteId === 'site-plain' ? '.badge' : '.brand > :first-child').boundingBox())!;
    const submit = (await page.locator('.actions .button--primary').boundingBox())!;
    const cancel = (await page.locator('.actions .button--secondary').boundingBox())!;
    const centre = card.x + card.width / 2;
    expect({ file, badgeOnTheRight: badge.x + badge.width / 2 > centre }).toEqual({ file, badgeOnTheRight: rtl });
    expect({ file, submitOnTheRight: submit.x > cancel.x }).toEqual({ file, submitOnTheRight: rtl });
    const screenshot = await screenshots.take(page, file, { hideCaret: true });
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
    expect([...watched.cspViolations, ...watched.scriptErrors]).toEqual([]);
    await watched.close();
  });
});
