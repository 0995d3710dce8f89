import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../../testkit/browser';
import { listeningVault, type ListeningVault } from './vault';

export interface BrowserAndVault extends ListeningVault {
  browser: Browser;
}

/**
 * For a browser suite: Chromium and a vault listening on loopback with one site, started before the
 * first test (handed to `onStart`) and closed after the last.
 */
export function useBrowserAndVault(
  siteId: string,
  onStart: (started: BrowserAndVault) => void,
  env: Record<string, string> = {},
): void {
  let browser: Browser | undefined;
  let vault: ListeningVault | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    vault = await listeningVault(siteId, env);
    onStart({ ...vault, browser });
  });
  afterAll(async () => {
    await browser?.close();
    await vault?.app.close();
  });
}
