/**
 * VAULT_PUBLIC_URL may end in a path: a proxy that serves the vault under `/vault` (beside other
 * services of its host) and strips it. Every URL a page holds, every redirect and every cookie
 * path must then start with it: an asset, form action or redirect at the root reaches whatever
 * else the host serves, with the visitor's typed values in the body. Driven in Chromium through a
 * real stripping proxy that records anything asked outside the prefix.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchBrowser, openVisitorTab, takeStartStep, type VisitorTrace } from '../../testkit/browser';
import { cardForm, futureExpiry, listeningVault, type ListeningVault } from './helpers/vault';

jest.setTimeout(90_000);

const PREFIX = '/vault';
const PAN = '4111111111111111';

/** A reverse proxy serving the vault under PREFIX (stripped); anything else is the host's own 404. */
class PrefixProxy {
  readonly outside: string[] = [];
  private target = 0;
  private readonly server = http.createServer((request, response) => this.forward(request, response));

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  pointAt(port: number): void {
    this.target = port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = request.url ?? '/';
    if (!url.startsWith(`${PREFIX}/`)) {
      // The browser's own guess at an icon is not the page's doing (and carries nothing).
      if (url !== '/favicon.ico') this.outside.push(`${request.method} ${url}`);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not the vault');
      return;
    }
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: this.target,
        method: request.method,
        path: url.slice(PREFIX.length),
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  }
}

/** Every response a tab's page loads (documents, stylesheets, scripts, images) with its status. */
function failedLoads(trace: VisitorTrace, statuses: Map<string, number>): string[] {
  return trace.requests
    .map((sent) => `${sent.method} ${new URL(sent.url).pathname} ${String(statuses.get(sent.url) ?? 'no answer')}`)
    .filter((line) => !/ (200|303)$/.test(line) && !line.startsWith('GET /favicon.ico '));
}

describe('behind a proxy that serves the vault under a path', () => {
  let browser: Browser;
  let vault: ListeningVault;
  const proxy = new PrefixProxy();

  beforeAll(async () => {
    const proxyPort = await proxy.listen();
    browser = await launchBrowser();
    vault = await listeningVault('site-prefix', { VAULT_PUBLIC_URL: `http://127.0.0.1:${proxyPort}${PREFIX}/` });
    proxy.pointAt(Number(new URL(vault.base).port));
  });
  afterAll(async () => {
    await browser?.close();
    await vault?.app.close();
    await proxy.close();
  });

  async function statusesOf(tab: Awaited<ReturnType<typeof openVisitorTab>>): Promise<Map<string, number>> {
    const statuses = new Map<string, number>();
    tab.page.on('response', (response) => statuses.set(response.url(), response.status()));
    return statuses;
  }

  it('a visitor opens, fills and submits the form: styles, script, submit and the last page all under the path', async () => {
    const created = await vault.api('POST', '/v1/requests', cardForm({ roomId: 'room-prefix' }));
    expect(created.visitorUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${PREFIX}/f/`));
    const tab = await openVisitorTab(browser);
    const statuses = await statusesOf(tab);
    await tab.page.goto(created.visitorUrl);
    await takeStartStep(tab.page);
    // A reload keeps the form: the form session's cookie path is the one the browser sees.
    await tab.page.reload();
    await tab.page.getByRole('heading', { name: 'Card payment' }).waitFor();
    // The stylesheet applied: the card has visitor.css's rounded border, not the browser's defaults.
    expect(await tab.page.locator('.card').evaluate(roundedCorner)).toBe('8px');
    await tab.page.fill('#field-name', 'Ada Lovelace');
    await tab.page.fill('#field-pan', PAN);
    await tab.page.fill('#field-exp', futureExpiry());
    await tab.page.fill('#field-cvv', '737');
    await tab.page.getByRole('button', { name: 'Submit' }).click();
    await tab.page.getByRole('heading', { name: 'Sent securely' }).waitFor();
    expect(new URL(tab.page.url()).pathname).toBe(`${PREFIX}/done/submitted`);
    const trace = await tab.close();

    expect(proxy.outside).toEqual([]);
    expect(failedLoads(trace, statuses)).toEqual([]);
    expect(trace.requests.map((sent) => new URL(sent.url).pathname).filter((path) => path.includes('assets'))).toEqual(
      expect.arrayContaining([`${PREFIX}/assets/visitor.css`, `${PREFIX}/assets/visitor.js`]),
    );
    expect(trace.cspViolations).toEqual([]);
    expect((await vault.api('GET', `/v1/requests/${created.requestId}`)).status).toBe('submitted');
  });

  it('the agent opens the viewer: its redirect and session cookie work under the path, and Reveal fetches there', async () => {
    const created = await vault.api('POST', '/v1/requests', cardForm({ roomId: 'room-prefix-viewer' }));
    const view = (await (await fetch(created.visitorUrl, { headers: { accept: 'application/json' } })).json()) as {
      submitUrl: string;
    };
    expect(view.submitUrl.startsWith(`http://127.0.0.1:${new URL(created.visitorUrl).port}${PREFIX}/f/`)).toBe(true);
    const values = { name: 'Ada Lovelace', pan: PAN, exp: futureExpiry(), cvv: '737' };
    const submitted = await fetch(view.submitUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values }),
    });
    expect(submitted.status).toBe(200);
    const { viewerUrl } = await vault.api('POST', `/v1/requests/${created.requestId}/viewer`, { agentId: 'agent-1' });

    const tab = await openVisitorTab(browser);
    const statuses = await statusesOf(tab);
    await tab.page.goto(viewerUrl);
    await tab.page.getByRole('button', { name: 'Open' }).click();
    await tab.page.getByRole('heading', { name: 'Card payment' }).waitFor();
    expect(new URL(tab.page.url()).pathname).toMatch(new RegExp(`^${PREFIX}/v/s/[0-9a-f]{32}$`));
    await tab.page.getByRole('button', { name: 'Reveal Card number' }).click();
    await tab.page.getByText(PAN).waitFor();
    // A reload keeps the session: the cookie's path is the one the browser sees.
    await tab.page.reload();
    await tab.page.getByRole('heading', { name: 'Card payment' }).waitFor();
    await tab.page.getByRole('button', { name: 'Hide everything and close' }).click();
    await tab.page.getByRole('heading', { name: 'The view is closed' }).waitFor();
    const trace = await tab.close();

    expect(proxy.outside).toEqual([]);
    expect(failedLoads(trace, statuses)).toEqual([]);
    expect(trace.cspViolations).toEqual([]);
  });

  it("a dead link's page loads its stylesheet under the path too", async () => {
    const tab = await openVisitorTab(browser);
    const statuses = await statusesOf(tab);
    const dead = await tab.page.goto(`${vault.app.vault.config.publicUrl}/f/not-a-link`);
    expect(dead?.status()).toBe(404);
    await tab.page.getByRole('heading', { name: 'This link is no longer valid' }).waitFor();
    expect(await tab.page.locator('.card').evaluate(roundedCorner)).toBe('8px');
    const trace = await tab.close();
    expect(proxy.outside).toEqual([]);
    expect(failedLoads(trace, statuses)).toEqual([`GET ${PREFIX}/f/not-a-link 404`]);
  });
});

/** Runs in the page: a card's corner radius, set by visitor.css only. */
const roundedCorner = (card: Parameters<typeof getComputedStyle>[0]): string =>
  getComputedStyle(card).borderTopLeftRadius;
