/**
 * The visitor's browser for both test trees (the app's and the vault's): Chromium driven by
 * playwright-core, never a downloaded one (see ./chromium). A tab records what the leak scan and the
 * accessibility checks need: every request it sent (URL, headers, body), every page the vault
 * served, its URL history, CSP refusals and script errors.
 * Input is keyboard only: Tab, Shift+Tab, Enter, Space and typed text.
 */
import * as fs from 'fs';
import * as path from 'path';
import { URL } from 'url';

import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';

import { chooseChromium, type ChromiumChoice } from './chromium';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Launches the Chromium that `chooseChromium` picks (system first, else the npm-shipped one). */
export function launchBrowser(choice: ChromiumChoice = chooseChromium()): Promise<Browser> {
  return chromium.launch({ executablePath: choice.path, args: CHROMIUM_ARGS, headless: true });
}

/** The same Chromium with a profile on disk in `dir`, so what a profile keeps can be read back. */
export function launchWithProfile(dir: string, choice: ChromiumChoice = chooseChromium()): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, { executablePath: choice.path, args: CHROMIUM_ARGS, headless: true });
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The visitor's own form post: the one place typed values may travel (to the vault). */
  postData: string;
}

export interface ServedPage {
  url: string;
  status: number;
  body: string;
}

/** What one visitor tab left behind: for the leak scan and the CSP checks. */
export interface VisitorTrace {
  requests: SentRequest[];
  servedPages: ServedPage[];
  /** Chromium's own back/forward list for the tab: what the visitor's history keeps. */
  history: Array<{ url: string; title: string }>;
  cspViolations: string[];
  scriptErrors: string[];
}

export interface VisitorTab {
  page: Page;
  context: BrowserContext;
  trace: VisitorTrace;
  /** Reads the tab's history, waits for every recorded body, closes the tab and returns its trace. */
  close(): Promise<VisitorTrace>;
}

/** Browser-side shape used inside `evaluate` (the test's tsconfig has no DOM library). */
interface SecurityPolicyDocument {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (event: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
}

export async function openVisitorTab(browser: Browser, options: BrowserContextOptions = {}): Promise<VisitorTab> {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 }, locale: 'en-US', ...options });
  const page = await context.newPage();
  const trace: VisitorTrace = { requests: [], servedPages: [], history: [], cspViolations: [], scriptErrors: [] };
  const pending: Array<Promise<void>> = [];
  const tab: VisitorTab = {
    page,
    context,
    trace,
    close: async () => {
      const cdp = await context.newCDPSession(page);
      const history = await cdp.send('Page.getNavigationHistory');
      await cdp.detach();
      trace.history = history.entries.map((e) => ({ url: e.url, title: e.title }));
      await Promise.all(pending);
      await context.close();
      return trace;
    },
  };
  await page.addInitScript(() => {
    (globalThis as unknown as { document: SecurityPolicyDocument }).document.addEventListener(
      'securitypolicyviolation',
      (event) => {
        console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
      },
    );
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) {
      trace.cspViolations.push(message.text());
    }
  });
  page.on('pageerror', (error) => trace.scriptErrors.push(error.message));
  page.on('request', (request) => {
    pending.push(
      request.allHeaders().then((headers) => {
        trace.requests.push({
          method: request.method(),
          url: request.url(),
          headers,
          postData: request.postData() || '',
        });
      }),
    );
  });
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') {
      pending.push(
        response.text().then(
          (body) => {
            trace.servedPages.push({ url: response.url(), status: response.status(), body });
          },
          () => undefined,
        ),
      );
    }
  });
  return tab;
}

/** A tab that only watches CSP refusals and script errors (the vault's page tests). */
export interface WatchedPage {
  page: Page;
  cspViolations: string[];
  scriptErrors: string[];
  close(): Promise<void>;
}

export async function openWatchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const tab = await openVisitorTab(browser, { viewport: { width: 1024, height: 900 }, ...options });
  return {
    page: tab.page,
    cspViolations: tab.trace.cspViolations,
    scriptErrors: tab.trace.scriptErrors,
    close: async () => {
      await tab.close();
    },
  };
}

/** Browser-side shape of a focusable element, for `evaluate`. */
interface FocusableElement {
  ownerDocument: { activeElement: unknown };
}

export function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element: FocusableElement) => element === element.ownerDocument.activeElement);
}

async function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = (
      globalThis as unknown as {
        document: { activeElement: { tagName: string; id: string; textContent: string | null } | null };
      }
    ).document.activeElement;
    return active
      ? `${active.tagName.toLowerCase()}#${active.id} "${(active.textContent || '').trim().slice(0, 60)}"`
      : 'nothing';
  });
}

/**
 * Presses Tab (or Shift+Tab) until `target` has focus, as a keyboard user would; fails when it
 * is not reachable within `maxPresses`.
 */
export async function tabTo(
  page: Page,
  target: Locator,
  options: { backwards?: boolean; maxPresses?: number } = {},
): Promise<void> {
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  for (let presses = 0; presses < (options.maxPresses || 25); presses += 1) {
    await page.keyboard.press(key);
    if (await isFocused(target)) {
      return;
    }
  }
  throw new Error(`Could not reach ${target} with ${key}; focus is on ${await describeFocus(page)}`);
}

/** Tab to the field with this label and type into it (Tab into a filled field selects its text, so typing replaces it). */
export async function typeIntoLabelled(
  page: Page,
  label: string | RegExp,
  text: string,
  options: { backwards?: boolean } = {},
): Promise<void> {
  await tabTo(page, page.getByLabel(label), options);
  await page.keyboard.type(text);
}

/** Tab to a button and press it with Space or Enter. */
export async function pressButton(
  page: Page,
  name: string,
  key: 'Space' | 'Enter' = 'Space',
  options: { backwards?: boolean } = {},
): Promise<void> {
  await tabTo(page, page.getByRole('button', { name, exact: true }), options);
  await page.keyboard.press(key);
}

/** The visitor page's pathname with the one-time key cut out, for readable assertions. */
export function withoutOtk(url: string): string {
  return new URL(url).pathname.replace(/\/f\/[^/]+/, '/f/<otk>');
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** What `axe.run` hands back across the evaluate boundary (the parts we read). */
interface AxeRunResult {
  violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
  passes: unknown[];
}

interface AxeGlobal {
  axe: { run(context: unknown, options: unknown): Promise<AxeRunResult> };
  document: unknown;
}

const AXE_SOURCE_PATH = path.join(path.dirname(require.resolve('axe-core')), 'axe.min.js');

/** WCAG 2.0, 2.1 and 2.2, levels A and AA: what EN 301 549 and the European Accessibility Act ask. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

/** The two screens every page state is checked at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 360, height: 640 },
} as const;

/**
 * Runs axe-core (from npm) on the page as it is now, for WCAG 2.0, 2.1 and 2.2 A and AA. axe is evaluated in
 * the page through the DevTools protocol: the vault's CSP (rightly) refuses an injected inline
 * script tag, and evaluation leaves that CSP in force for the page itself.
 */
export async function axeViolations(page: Page): Promise<{ violations: AxeViolation[]; passes: number }> {
  await page.evaluate(fs.readFileSync(AXE_SOURCE_PATH, 'utf8'));
  const result = await page.evaluate(
    (options) => {
      const g = globalThis as unknown as AxeGlobal;
      return g.axe.run(g.document, options);
    },
    { runOnly: { type: 'tag', values: [...AXE_TAGS] }, resultTypes: ['violations'] },
  );
  return {
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact || null,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    })),
    passes: result.passes.length,
  };
}

/**
 * The start step behind a visitor link: link previewers fetch links by GET, so the page asks the
 * visitor to press a button, whose POST opens the request. Done by keyboard. A dead link has no
 * button and is left as it is.
 */
export async function takeStartStep(page: Page): Promise<void> {
  const start = page.getByRole('button', { name: 'Open the secure form', exact: true });
  if ((await start.count()) === 0) return;
  const url = page.url();
  await tabTo(page, start);
  await Promise.all([page.waitForURL(url, { waitUntil: 'load' }), page.keyboard.press('Enter')]);
  await formLoaded(page);
}

/**
 * The form the start step's POST opens, loaded with its stylesheet. The POST returns to the same URL,
 * so waiting for that URL waits for nothing; and the form is in the DOM before the stylesheet
 * applies, when axe measured unstyled inputs and buttons as too small (target-size).
 */
export async function formLoaded(page: Page): Promise<void> {
  await page.locator('#visitor-form').waitFor();
  await page.waitForLoadState('load');
}

// The checks below run in the page, written as plain JavaScript: this project's test TypeScript has
// no DOM types.

/** Pointer targets, their boxes, and the ones that fail WCAG 2.5.8's size-or-spacing test. */
const TARGET_SIZE_SCRIPT = `(() => {
  const targets = Array.from(document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea'))
    .filter((e) => getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length > 0)
    .filter((e) => !(e.tagName === 'A' && e.parentElement && e.parentElement.tagName === 'P'));
  const boxes = targets.map((element) => ({ element, box: element.getBoundingClientRect() }));
  const problems = [];
  for (const { element, box } of boxes) {
    if (box.width >= 24 && box.height >= 24) continue;
    const cx = box.left + box.width / 2;
    const cy = box.top + box.height / 2;
    const crowded = boxes.some(({ element: other, box: o }) => {
      if (other === element) return false;
      const nx = Math.max(o.left, Math.min(cx, o.right));
      const ny = Math.max(o.top, Math.min(cy, o.bottom));
      return Math.hypot(nx - cx, ny - cy) < 12;
    });
    if (crowded) problems.push(element.tagName.toLowerCase() + '#' + element.id + ' ' + Math.round(box.width) + 'x' + Math.round(box.height));
  }
  return { problems, checked: boxes.length };
})()`;

/**
 * WCAG 2.5.8 Target Size (Minimum), as the criterion words it: every pointer target is at least
 * 24 by 24 CSS pixels, or a 24-pixel circle on its centre meets no other target; links inside a
 * sentence are exempt. Returns one line per failing target and how many targets were checked.
 */
export async function targetSizeProblems(page: Page): Promise<{ problems: string[]; checked: number }> {
  return page.evaluate(TARGET_SIZE_SCRIPT) as Promise<{ problems: string[]; checked: number }>;
}

/** Where focus is now, and whether some of it can be seen (on screen, not under other content). */
const FOCUS_SCRIPT = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const box = element.getBoundingClientRect();
  const points = [
    [box.left + box.width / 2, box.top + box.height / 2],
    [box.left + 2, box.top + 2],
    [box.right - 2, box.bottom - 2],
  ];
  const visible = points.some(([x, y]) => {
    if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (hit === element || element.contains(hit) || hit.control === element);
  });
  const name = element.tagName.toLowerCase() + '#' + element.id + ' "' + (element.textContent || '').trim().slice(0, 30) + '"';
  return { key: name + '@' + Math.round(box.top + window.scrollY), name, visible };
})()`;

/**
 * WCAG 2.4.11 Focus Not Obscured (Minimum): Tab through the page from its top; at every stop the
 * focused element is on screen and not entirely hidden by other content. Returns the stops that
 * fail and how many stops there were.
 */
export async function focusObscuredProblems(page: Page, maxStops = 40): Promise<{ problems: string[]; stops: number }> {
  // A click on the page's top corner moves the start of Tab navigation there (a blur would not).
  await page.evaluate('window.scrollTo(0, 0)');
  await page.mouse.click(1, 1);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (let stop = 0; stop < maxStops; stop += 1) {
    await page.keyboard.press('Tab');
    const state = (await page.evaluate(FOCUS_SCRIPT)) as { key: string; name: string; visible: boolean } | null;
    if (!state || seen.has(state.key)) break;
    seen.add(state.key);
    if (!state.visible) problems.push(state.name);
  }
  return { problems, stops: seen.size };
}

/** Opens a visitor link as a visitor does: the start step, then its button, by keyboard. */
export async function openVisitorLink(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await takeStartStep(page);
}

/** axeViolations in one line per violation ("rule-id: element, element"), as the vault's page tests report them. */
export async function axeCheck(page: Page): Promise<{ violations: string[]; passes: number }> {
  const { violations, passes } = await axeViolations(page);
  return { violations: violations.map((v) => `${v.id}: ${v.targets.join(', ')}`), passes };
}
