/**
 * Every visitor page state in every language, left to right and right to left, at a desktop and a
 * phone size, against the real vault in Chromium: axe-core finds nothing for WCAG 2.0, 2.1 and 2.2
 * A and AA. States: the start step, the empty form, the form with the page script's errors, the
 * confirmation, and the dead link. Screenshots of the Arabic and Japanese forms go to the temp dir.
 */
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { availableLocales } from '../src/pages/i18n';
import { axeCheck, formLoaded, openWatchedPage, VIEWPORTS } from '../../testkit/browser';
import { useBrowserAndVault } from './helpers/browser-and-vault';
import { cardForm, futureExpiry, type ListeningVault } from './helpers/vault';

jest.setTimeout(180_000);

describe('visitor pages in every language pass axe for WCAG 2.2 AA', () => {
  let browser: Browser;
  let vault: ListeningVault;
  useBrowserAndVault(
    'site-languages',
    (started) => {
      ({ browser } = started);
      vault = started;
    },
    { VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '10000' },
  );

  async function create(locale: string): Promise<string> {
    const body = cardForm({ locale, callbackUrl: 'http://chat.test/api/apps/public/app-id/vault-events' });
    body.form!.fields[0].autocomplete = 'cc-name';
    body.form!.fields.push(
      { id: 'kind', label: 'Account', type: 'select', options: ['Current', 'Savings'] },
      { id: 'mail', label: 'Email', type: 'email' },
    );
    return (await vault.api('POST', '/v1/requests', body)).visitorUrl;
  }

  async function expectClean(page: Page, locale: string, state: string): Promise<void> {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      const { violations, passes } = await axeCheck(page);
      expect({ locale, state, size, violations }).toEqual({ locale, state, size, violations: [] });
      expect({ locale, state, size, vacuous: passes < 5 }).toEqual({ locale, state, size, vacuous: false });
    }
  }

  it.each(availableLocales())('%s: start, form, errors, sent and dead link are clean', async (locale) => {
    const url = await create(locale);
    const watched = await openWatchedPage(browser);
    const { page } = watched;
    await page.goto(url);
    expect(await page.locator('html').getAttribute('lang')).toBe(locale);
    expect(await page.locator('html').getAttribute('dir')).toBe(['ar', 'he'].includes(locale) ? 'rtl' : 'ltr');
    await expectClean(page, locale, 'start step');
    await Promise.all([page.waitForURL(url), page.locator('#start-form button').click()]);
    await formLoaded(page);
    await expectClean(page, locale, 'form');
    if (locale === 'ar' || locale === 'ja') {
      await page.setViewportSize(VIEWPORTS.phone);
      await page.screenshot({ path: path.join(os.tmpdir(), `visitor-form-${locale}.png`), fullPage: true });
    }
    await page.locator('#visitor-form button[type=submit]').first().click();
    await page.locator('#error-summary').waitFor();
    await expectClean(page, locale, 'errors shown by the page script');
    await page.fill('#field-name', 'Ada Lovelace');
    await page.fill('#field-pan', '4111 1111 1111 1111');
    await page.fill('#field-exp', futureExpiry());
    await page.fill('#field-cvv', '737');
    await Promise.all([
      page.waitForURL(/\/done\/submitted/),
      page.locator('#visitor-form button[type=submit]').first().click(),
    ]);
    await expectClean(page, locale, 'sent');
    await page.goto(url);
    await expectClean(page, locale, 'dead link');
    expect([...watched.cspViolations, ...watched.scriptErrors]).toEqual([]);
    await watched.close();
  });
});
