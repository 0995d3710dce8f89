/**
 * WCAG 3.3.8 (accessible authentication) on the ID&V page, in Chromium against the real vault:
 * where the vault admin turned `site idv-paste` on, the visitor may paste the whole secret into a
 * box that is no form field; the page script copies only the asked characters into their boxes and
 * empties it. Every request the tab sends is captured: the rest of the secret never leaves the
 * page. Where the option is off (the default) the box is not in the page at all. The page with the
 * box passes axe for WCAG 2.2 AA, left to right and right to left, at both sizes.
 */
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app';
import { runCli } from '../src/cli/commands';
import { axeCheck, formLoaded, launchBrowser, openVisitorTab, VIEWPORTS } from '../../testkit/browser';
import { CALLBACK, freePort, idvRequest, LogCapture, testConfig } from './helpers/vault';

jest.setTimeout(120_000);

const SECRET = 'ZebraQuokka42';
const POSITIONS = [2, 5, 11];
const ASKED = POSITIONS.map((p) => SECRET[p - 1]);

describe('ID&V: pasting the whole secret (a per-site option, off by default)', () => {
  let browser: Browser;
  let app: FastifyInstance;
  let base: string;
  let config: ReturnType<typeof testConfig>;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    config = testConfig({ VAULT_PUBLIC_URL: base, VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '10000' });
    app = await buildApp(config, { logStream: new LogCapture(), doorbell: { retryDelaysMs: [] } });
    await app.listen({ host: '127.0.0.1', port });
    for (const siteId of ['site-paste', 'site-plain']) {
      keys[siteId] = (await app.vault.sites.addSite(siteId, 'http://chat.test')).apiKey;
    }
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { VAULT_DATA_DIR: config.dataDir, VAULT_MASTER_KEY: config.masterKey };
    const code = await runCli(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err: err.join('\n') };
  }

  async function create(siteId: string, locale = 'en'): Promise<{ visitorUrl: string; requestId: string }> {
    const response = await fetch(`${base}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys[siteId]}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        idvRequest({ locale, callbackUrl: CALLBACK, idv: { label: 'memorable word', positions: POSITIONS } }),
      ),
    });
    return (await response.json()) as { visitorUrl: string; requestId: string };
  }

  it('is switched on by the vault admin, who is told the trade-off, and audited', async () => {
    const on = await cli(['site', 'idv-paste', 'site-paste', 'on']);
    expect(on.code).toBe(0);
    expect(on.out).toEqual(['{"siteId":"site-paste","idvPaste":true}']);
    expect(on.err).toMatch(/trade-off/i);
    expect(on.err).toMatch(/whole secret/i);
    expect((await cli(['site', 'idv-paste', 'nowhere', 'on'])).code).toBe(1);
    expect((await cli(['site', 'idv-paste', 'site-paste', 'maybe'])).code).toBe(2);
    const entries = await app.vault.storage.readAudit(0, 1000);
    expect(entries.filter((e) => e.action === 'site.idv_paste')).toEqual([
      expect.objectContaining({ siteId: 'site-paste', actor: 'cli', detail: JSON.stringify({ enabled: true }) }),
    ]);
  });

  it('sends only the asked characters: no request body, URL or header carries the rest of the secret', async () => {
    const { visitorUrl, requestId } = await create('site-paste');
    const tab = await openVisitorTab(browser);
    const { page } = tab;
    await page.goto(visitorUrl);
    await Promise.all([page.waitForURL(visitorUrl), page.locator('#start-form button').click()]);
    const box = page.locator('#idv-paste-input');
    await box.waitFor();
    expect(await box.isVisible()).toBe(true);
    // Not a form field: no name, and no form it would be submitted with.
    const association = await box.evaluate((input) => {
      const field = input as unknown as { name: string; form: unknown };
      return [field.name, field.form];
    });
    expect(association).toEqual(['', null]);
    expect(await box.getAttribute('type')).toBe('password');

    // Too short to reach the last asked position: that box stays empty, and the page claims nothing.
    await box.focus();
    await page.keyboard.insertText(SECRET.slice(0, POSITIONS[POSITIONS.length - 1] - 1));
    expect(await page.locator(`#field-${POSITIONS[POSITIONS.length - 1]}`).inputValue()).toBe('');
    await expect(page.locator('#idv-paste-status').textContent()).resolves.toBe('');
    await box.fill('');

    await page.keyboard.insertText(SECRET);
    for (const [i, position] of POSITIONS.entries()) {
      expect(await page.locator(`#field-${position}`).inputValue()).toBe(ASKED[i]);
    }
    await expect(page.locator('#idv-paste-status').textContent()).resolves.toMatch(/2, 5,? and 11/);
    await page.keyboard.press('Tab');
    expect(await box.inputValue()).toBe('');

    await Promise.all([
      page.waitForURL(/\/done\/submitted/),
      page.locator('#visitor-form button[type=submit]').first().click(),
    ]);
    const stored = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: { length: number }; sessionStorage: { length: number } };
      return g.localStorage.length + g.sessionStorage.length;
    });
    expect(stored).toBe(0);
    const trace = await tab.close();

    const submits = trace.requests.filter((r) => r.method === 'POST' && /\/submit$/.test(r.url));
    expect(submits).toHaveLength(1);
    expect([...new URLSearchParams(submits[0].postData).entries()]).toEqual(
      POSITIONS.map((position, i) => [`v.${position}`, ASKED[i]]),
    );
    // Any 4 characters in a row of the secret, anywhere in anything the tab sent.
    const pieces = Array.from({ length: SECRET.length - 3 }, (_, i) => SECRET.slice(i, i + 4));
    const sent = trace.requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${r.postData}`);
    expect(sent.length).toBeGreaterThan(3);
    expect(pieces.filter((piece) => sent.some((text) => text.includes(piece)))).toEqual([]);
    expect(trace.scriptErrors).toEqual([]);
    expect(trace.cspViolations).toEqual([]);

    // The agent gets exactly the asked characters.
    const otk = await fetch(`${base}/v1/requests/${requestId}/otk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['site-paste']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'agent-1' }),
    }).then((r) => r.json() as Promise<{ otk: string }>);
    const values = await fetch(`${base}/v1/detokenize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['site-paste']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ otk: otk.otk, agentId: 'agent-1' }),
    }).then((r) => r.json() as Promise<{ values: Record<string, string> }>);
    expect(values.values).toEqual(Object.fromEntries(POSITIONS.map((p, i) => [String(p), ASKED[i]])));
  });

  it.each(['en', 'he'])('%s: the page with the box passes axe for WCAG 2.2 AA at both sizes', async (locale) => {
    const { visitorUrl } = await create('site-paste', locale);
    const tab = await openVisitorTab(browser);
    const { page } = tab;
    await page.goto(visitorUrl);
    await Promise.all([page.waitForURL(visitorUrl), page.locator('#start-form button').click()]);
    await page.locator('#idv-paste-input').waitFor();
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      const { violations, passes } = await axeCheck(page);
      expect({ locale, size, violations }).toEqual({ locale, size, violations: [] });
      expect(passes).toBeGreaterThan(5);
    }
    await tab.close();
  });

  it('is not in the page where the option is off (the default), nor once switched off again', async () => {
    for (const siteId of ['site-plain', 'site-paste']) {
      if (siteId === 'site-paste') expect((await cli(['site', 'idv-paste', 'site-paste', 'off'])).code).toBe(0);
      const { visitorUrl } = await create(siteId);
      const tab = await openVisitorTab(browser);
      const { page } = tab;
      await page.goto(visitorUrl);
      await Promise.all([page.waitForURL(visitorUrl), page.locator('#start-form button').click()]);
      await formLoaded(page);
      expect(await page.locator('#idv-paste, #idv-paste-input').count()).toBe(0);
      expect(await page.content()).not.toContain('idv-paste');
      await tab.close();
    }
  });
});
