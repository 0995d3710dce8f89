/**
 * The real vault, listening on loopback, and a visitor in Debian's Chromium: open the link from
 * the API (its start step, then the button), fill the form by its labels with the keyboard only, submit, see the confirmation, and
 * the sender reads exactly what was typed. Then the same link again: the one friendly dead page.
 */
import type { Browser } from 'playwright-core';
import { openVisitorLink, openWatchedPage, typeIntoLabelled } from '../../testkit/browser';
import { useBrowserAndVault } from './helpers/browser-and-vault';
import { cardForm, futureExpiry, idvRequest, type ListeningVault } from './helpers/vault';

jest.setTimeout(90_000);

describe('a visitor in Chromium against the real vault', () => {
  let browser: Browser;
  let vault: ListeningVault;
  useBrowserAndVault('site-browser', (started) => {
    ({ browser } = started);
    vault = started;
  });

  const api = (path: string, body: unknown) => vault.api('POST', path, body);

  async function detokenize(requestId: string) {
    const { otk } = await api(`/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
    return api('/v1/detokenize', { otk, agentId: 'agent-1' });
  }

  it("card form: keyboard only, by label, through to the confirmation and the sender's view", async () => {
    const created = await api('/v1/requests', cardForm());
    const expiry = futureExpiry();
    const watched = await openWatchedPage(browser);
    const { page } = watched;
    await openVisitorLink(page, created.visitorUrl);
    await typeIntoLabelled(page, 'Name on card', 'Ada Lovelace');
    await typeIntoLabelled(page, 'Card number', '4111 1111 1111 1111');
    await typeIntoLabelled(page, 'Expiry date', expiry);
    await typeIntoLabelled(page, 'Security code', '737');
    await page.keyboard.press('Enter');
    await page.getByText('Your information was sent securely').waitFor();
    expect([...watched.cspViolations, ...watched.scriptErrors]).toEqual([]);
    // Post/redirect/get: reloading the confirmation re-posts nothing and still says it was sent.
    expect(new URL(page.url()).pathname).toBe('/done/submitted');
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    await page.getByText('Your information was sent securely').waitFor();
    expect(await page.getByText('This link is no longer valid').count()).toBe(0);
    expect(await detokenize(created.requestId)).toMatchObject({
      values: { name: 'Ada Lovelace', pan: '4111111111111111', exp: expiry, cvv: '737' },
    });

    const again = await page.goto(created.visitorUrl);
    expect(again?.status()).toBe(404);
    await page.getByText('This link is no longer valid').first().waitFor();
    await watched.close();
  });

  it('ID&V: two masked inputs, Submit, and the answer reaches the sender, a space as a space', async () => {
    const created = await api('/v1/requests', idvRequest());
    const watched = await openWatchedPage(browser);
    const { page } = watched;
    await openVisitorLink(page, created.visitorUrl);
    await page.getByText('Enter characters 2 and 4 from your PIN').waitFor();
    expect(await page.getByLabel('Character 2').getAttribute('type')).toBe('password');
    await typeIntoLabelled(page, 'Character 2', '7');
    // A password may hold a space: the page's own checks and the vault's take it as the character.
    await typeIntoLabelled(page, 'Character 4', ' ');
    await page.keyboard.press('Enter');
    await page.getByText('Your information was sent securely').waitFor();
    expect([...watched.cspViolations, ...watched.scriptErrors]).toEqual([]);
    expect((await detokenize(created.requestId)).values).toEqual({ 2: '7', 4: ' ' });
    await watched.close();
  });

  it('a link fetched by a previewer first still opens for the visitor', async () => {
    const created = await api('/v1/requests', cardForm());
    const scanned = await fetch(created.visitorUrl, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
    expect(scanned.status).toBe(200);
    const watched = await openWatchedPage(browser);
    const { page } = watched;
    await openVisitorLink(page, created.visitorUrl);
    await page.getByRole('heading', { name: 'Card payment' }).waitFor();
    expect([...watched.cspViolations, ...watched.scriptErrors]).toEqual([]);
    await watched.close();
  });
});
