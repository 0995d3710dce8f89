/**
 * Real-browser helpers: Debian's Chromium driven by playwright-core. No browser is ever
 * downloaded; a machine without Chromium fails the tests with an instruction, never skips them.
 */
import { execSync } from 'child_process';
import fs from 'fs';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export class ChromiumMissingError extends Error {
  readonly code = 'chromium_missing';
  constructor() {
    super(
      'Chromium is not installed, and the browser tests need it: run "apt-get update && apt-get install -y chromium" ' +
        '(these tests use the system Chromium and never download a browser).',
    );
    this.name = 'ChromiumMissingError';
  }
}

/** The system Chromium, as `command -v chromium` finds it. */
export function chromiumPath(): string {
  let found = '';
  try {
    found = execSync('command -v chromium', {
      shell: '/bin/sh',
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    found = '';
  }
  if (!found) throw new ChromiumMissingError();
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}

/** A page that records what the browser refused under the CSP and every uncaught script error. */
export interface WatchedPage {
  page: Page;
  cspViolations: string[];
  scriptErrors: string[];
  close(): Promise<void>;
}

export async function openWatchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, ...options });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  const scriptErrors: string[] = [];
  // Chromium reports each refusal on the console; the event listener catches any it does not.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  return { page, cspViolations, scriptErrors, close: () => context.close() };
}

/** Whether the element is the one with keyboard focus. */
export async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

/** A short description of the focused element, for failure messages. */
export async function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element) return 'nothing';
    const label =
      element instanceof HTMLInputElement || element instanceof HTMLSelectElement
        ? (element.labels?.[0]?.textContent ?? '')
        : (element.textContent ?? '');
    return `${element.tagName.toLowerCase()}#${element.id} "${label.trim().slice(0, 60)}"`;
  });
}

/**
 * Presses Tab until the control labelled `label` has focus, as a keyboard user would.
 * Fails if it takes more than `maxTabs` presses (the control is not reachable by keyboard).
 */
export async function tabTo(page: Page, target: Locator, maxTabs = 25): Promise<void> {
  for (let presses = 0; presses < maxTabs; presses += 1) {
    await page.keyboard.press('Tab');
    if (await isFocused(target)) return;
  }
  throw new Error(`could not reach ${target} with Tab; focus is on ${await describeFocus(page)}`);
}

/** Tab to the field with this label and type into it: keyboard only. */
export async function typeIntoLabelled(page: Page, label: string, text: string): Promise<void> {
  await tabTo(page, page.getByLabel(label));
  await page.keyboard.type(text);
}

/** Opens a visitor link as a visitor does: the start step, then its button, by keyboard. */
export async function openVisitorLink(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await tabTo(page, page.getByRole('button', { name: 'Open the secure form' }));
  await Promise.all([page.waitForURL(url, { waitUntil: 'load' }), page.keyboard.press('Enter')]);
  await page.locator('#visitor-form').waitFor();
}

/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Desktop and phone sizes every page state is checked at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 360, height: 640 },
} as const;

interface AxeResults {
  violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
  passes: unknown[];
}

/**
 * axe-core (npm) on the page as it is now: violation ids with their elements, and how many rules
 * passed. Evaluated through the DevTools protocol, so the page's CSP stays in force.
 */
export async function axeCheck(page: Page): Promise<{ violations: string[]; passes: number }> {
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const results = (await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run(context: Document, options: unknown): Promise<unknown> } }).axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      }),
    WCAG_AA_TAGS,
  )) as AxeResults;
  return {
    violations: results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    passes: results.passes.length,
  };
}
