/**
 * Every state of the visitor pages, reached from real requests the app sent through the real
 * vault, checked in Chromium at a desktop and a phone size with axe-core (npm) for WCAG 2.0, 2.1
 * and 2.2 A and AA: zero violations; plus what axe cannot judge, as tests: target size (2.5.8) and
 * focus not obscured (2.4.11) on every state, redundant entry (3.3.7) after errors. Each form is
 * completed with the keyboard alone (Tab, Shift+Tab, typing, Enter, Space; no mouse), including a
 * select and the Cancel button, and its answer reaches the sending agent intact.
 *
 * With UPDATE_DOCS_SCREENSHOTS=1 the screenshots go to docs/images/ (the agent guide uses them);
 * otherwise to a temporary folder, so a normal run leaves the repository untouched.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { Browser, Page } from 'playwright-core';

import type { Scene } from '../integration/scene';
import { IN_CHAT_VIEWING, shownValues, stopScene, waitForNotification } from '../integration/scene';
import { allowing } from '../harness/slow-vault';
import type { VisitorTab } from '../../testkit/browser';
import {
  axeViolations,
  focusObscuredProblems,
  isFocused,
  launchBrowser,
  openVisitorTab,
  pressButton,
  tabTo,
  takeStartStep,
  targetSizeProblems,
  typeIntoLabelled,
  VIEWPORTS,
} from '../../testkit/browser';
import { DOCS_IMAGES, picturesShownIn, ScreenshotFolder } from '../../testkit/screenshots';
import {
  askIdvByRoomAction,
  clickView,
  futureExpiry,
  linkButtonUrl,
  newChat,
  requestIdOf,
  sendFormByCommand,
  sendFormByRoomAction,
  startStage,
} from './stage';

jest.setTimeout(allowing(90000, 10));

/** The screenshots the agent guide shows, each taken below. */
const SCREENSHOTS = [
  'visitor-idv.png',
  'visitor-card-form.png',
  'visitor-card-form-errors.png',
  'visitor-sent.png',
  'visitor-cancelled.png',
  'visitor-link-invalid.png',
];
const SENT = 'Your information was sent securely';
const EXPIRY = futureExpiry();

describe('visitor pages: WCAG 2.0, 2.1 and 2.2 A and AA at desktop and phone sizes, and keyboard-only use', () => {
  let scene: Scene;
  let browser: Browser;
  const screenshots = new ScreenshotFolder('idv-e2e-screenshots-');
  const tabs: VisitorTab[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    scene = await startStage({ settings: IN_CHAT_VIEWING });
  });

  afterAll(async () => {
    await Promise.all(tabs.map((t) => t.context.close().catch(() => undefined)));
    await browser?.close();
    await stopScene(scene);
    screenshots.cleanUp();
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
    for (const tab of tabs.splice(0)) {
      const trace = await tab.close();
      expect([...trace.cspViolations, ...trace.scriptErrors]).toEqual([]);
    }
  });

  async function visitorOpens(url: string, options: { withoutPageScript?: boolean } = {}): Promise<Page> {
    const tab = await openVisitorTab(browser);
    tabs.push(tab);
    if (options.withoutPageScript) {
      // As with JavaScript off: the page's script never runs, so the browser posts natively and
      // the vault answers with its own server-rendered errors.
      await tab.context.route('**/assets/visitor.js', (route) => route.abort());
    }
    await tab.page.goto(url);
    // The start step (a button; scanners' GETs use nothing up) is a page state of its own.
    await expectNoAxeViolations(tab.page, 'start step');
    await takeStartStep(tab.page);
    return tab.page;
  }

  /**
   * The page state, at a desktop and a phone size: axe for WCAG 2.0/2.1/2.2 A and AA, then what axe
   * cannot judge: target size (2.5.8) and focus not obscured (2.4.11) at every Tab stop. Focus,
   * scroll and size are put back afterwards, so the test goes on from where it was.
   */
  async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
    const original = page.viewportSize();
    const focused = await page.evaluateHandle('document.activeElement');
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      const { violations, passes } = await axeViolations(page);
      expect({ state, size, violations }).toEqual({ state, size, violations: [] });
      // A page on which axe checked nothing would pass vacuously.
      expect({ state, size, passes: passes >= 5 }).toEqual({ state, size, passes: true });
      // Notice pages have nothing to press; every other state must have had its targets checked.
      const controls = await page.locator('main :is(button, input:not([type=hidden]), select, a[href])').count();
      const targets = await targetSizeProblems(page);
      expect({ state, size, small: targets.problems, checked: targets.checked }).toEqual({
        state,
        size,
        small: [],
        checked: controls,
      });
      const focus = await focusObscuredProblems(page);
      expect({ state, size, obscured: focus.problems, reached: focus.stops >= controls }).toEqual({
        state,
        size,
        obscured: [],
        reached: true,
      });
    }
    if (original) await page.setViewportSize(original);
    await focused.evaluate('(element) => element && element.focus && element.focus()');
    await page.evaluate('window.scrollTo(0, 0)');
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await screenshots.take(page, name, { hideCaret: true });
  }

  async function viewAsSender(chat: ILivechatRoom, requestId: string, title: string): Promise<Array<[string, string]>> {
    await waitForNotification(scene, scene.agent, new RegExp(`^The visitor submitted "${title}"`));
    await clickView(scene, scene.agent, chat, requestId);
    return shownValues(scene, scene.agent);
  }

  it('axe finds the violations of a page built to fail, so a clean result means something', async () => {
    const tab = await openVisitorTab(browser);
    tabs.push(tab);
    await tab.page.setContent('<html><body><p style="color:#bbb">faint</p><input type="text"></body></html>');
    const ids = (await axeViolations(tab.page)).violations.map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['color-contrast', 'document-title', 'html-has-lang', 'label']));
  });

  it('the target-size and focus checks find a page built to fail them', async () => {
    const tab = await openVisitorTab(browser);
    tabs.push(tab);
    await tab.page.setContent(
      '<html lang="en"><body style="margin:0">' +
        '<div style="position:fixed;top:0;left:0;right:0;height:120px;background:#fff">banner</div>' +
        '<button id="hidden-under-banner" style="margin-top:40px">under</button>' +
        '<p style="margin-top:200px"><button id="a" style="width:10px;height:10px;padding:0">a</button>' +
        '<button id="b" style="width:10px;height:10px;padding:0">b</button></p></body></html>',
    );
    expect((await targetSizeProblems(tab.page)).problems).toEqual(['button#a 10x10', 'button#b 10x10']);
    expect((await focusObscuredProblems(tab.page)).problems).toEqual(['button#hidden-under-banner "under"']);
  });

  it("card payment: clean when empty, with the page script's errors and when sent; done with Tab, Shift+Tab, typing and Space", async () => {
    const chat = newChat(scene);
    const offer = await sendFormByCommand(scene, chat, 'card_payment');
    const page = await visitorOpens(linkButtonUrl(offer));
    await page.getByRole('heading', { name: 'Card payment' }).waitFor();
    await expectNoAxeViolations(page, 'card form, empty');
    await screenshot(page, 'visitor-card-form.png');

    // A slip, noticed one field later and fixed by going back with Shift+Tab.
    await typeIntoLabelled(page, 'Name on card', 'Ada Lovelcae');
    await typeIntoLabelled(page, 'Card number', '4111 1111 1111 1112');
    await typeIntoLabelled(page, 'Name on card', 'Ada Lovelace', { backwards: true });
    await pressButton(page, 'Submit', 'Space');
    const summary = page.getByRole('alert');
    await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expect(await isFocused(summary)).toBe(true);
    expect(await summary.getByRole('link').allTextContents()).toEqual([
      'Check Card number: it is not a valid card number',
      'Expiry date is required',
      'Security code (CVV) is required',
    ]);
    // Redundant entry (3.3.7): the page script's errors keep everything typed.
    expect(await page.getByLabel('Name on card').inputValue()).toBe('Ada Lovelace');
    expect(await page.getByLabel('Card number').inputValue()).toBe('4111 1111 1111 1112');
    await expectNoAxeViolations(page, 'card form, errors shown by the page script');
    await screenshot(page, 'visitor-card-form-errors.png');

    await tabTo(page, summary.getByRole('link', { name: 'Check Card number: it is not a valid card number' }));
    await page.keyboard.press('Enter');
    expect(await isFocused(page.getByLabel('Card number'))).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('4111 1111 1111 1111');
    await typeIntoLabelled(page, 'Expiry date', EXPIRY);
    await typeIntoLabelled(page, 'Security code (CVV)', '123');
    await pressButton(page, 'Submit', 'Space');
    await page.getByText(SENT).waitFor();
    await expectNoAxeViolations(page, 'sent');
    await screenshot(page, 'visitor-sent.png');

    expect(await viewAsSender(chat, requestIdOf(offer), 'Card payment')).toEqual([
      ['Name on card', 'Ada Lovelace'],
      ['Card number', '4111111111111111'],
      ['Expiry date', EXPIRY],
      ['Security code (CVV) (off the record)', '123'],
    ]);

    await page.goto(linkButtonUrl(offer));
    await page.getByRole('heading', { name: 'This link is no longer valid' }).waitFor();
    await expectNoAxeViolations(page, 'dead link (used, expired or unknown: one page)');
    await screenshot(page, 'visitor-link-invalid.png');
  });

  it("card payment without its script: the vault's own errors (422) are clean under axe, and the form still goes by keyboard", async () => {
    const chat = newChat(scene);
    const offer = await sendFormByCommand(scene, chat, 'card_payment');
    const page = await visitorOpens(linkButtonUrl(offer), { withoutPageScript: true });
    await typeIntoLabelled(page, 'Name on card', 'Grace Hopper');
    await typeIntoLabelled(page, 'Card number', '4111 1111 1111 1111');
    await typeIntoLabelled(page, 'Expiry date', '01/20');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.keyboard.press('Enter');
    expect((await answer).status()).toBe(422);
    const summary = page.getByRole('alert');
    await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expect(await summary.getByRole('link').allTextContents()).toEqual([
      'Expiry date must be this month or in the future',
      'Security code (CVV) is required',
    ]);
    // Redundant entry (3.3.7): the server refills everything typed that is not secret; a masked
    // card number is the criterion's security exception and is never sent back.
    expect(await page.getByLabel('Name on card').inputValue()).toBe('Grace Hopper');
    expect(await page.getByLabel('Expiry date').inputValue()).toBe('01/20');
    expect(await page.getByLabel('Card number').inputValue()).toBe('');
    await expectNoAxeViolations(page, 'card form, errors rendered by the vault (no page script)');

    await typeIntoLabelled(page, 'Card number', '4111 1111 1111 1111');
    await typeIntoLabelled(page, 'Expiry date', EXPIRY);
    await typeIntoLabelled(page, 'Security code (CVV)', '456');
    await pressButton(page, 'Submit', 'Enter');
    await page.getByText(SENT).waitFor();
    expect(await viewAsSender(chat, requestIdOf(offer), 'Card payment')).toEqual([
      ['Name on card', 'Grace Hopper'],
      ['Card number', '4111111111111111'],
      ['Expiry date', EXPIRY],
      ['Security code (CVV) (off the record)', '456'],
    ]);
  });

  it.each([
    ['cvv_only', 'Card security code', 'Security code (CVV)', '482', 'Security code (CVV) (off the record)'],
    ['ssn', 'Social Security number', 'Social Security number', '212-67-4509', 'Social Security number'],
    [
      'security_question',
      'Security question',
      'Answer to your security question',
      'blue heron',
      'Answer to your security question',
    ],
  ])(
    '%s: clean under axe, completed by keyboard, delivered to the sender',
    async (formId, title, label, value, shownLabel) => {
      const chat = newChat(scene);
      const offer = await sendFormByCommand(scene, chat, formId);
      const page = await visitorOpens(linkButtonUrl(offer));
      await page.getByRole('heading', { name: title }).waitFor();
      await expectNoAxeViolations(page, `${formId} form, empty`);
      await typeIntoLabelled(page, label, value);
      await pressButton(page, 'Submit', 'Space');
      await page.getByText(SENT).waitFor();
      expect(await viewAsSender(chat, requestIdOf(offer), title)).toEqual([[shownLabel, value]]);
    },
  );

  it('a form with a select: errors clean under axe; the option is chosen by keyboard from the error summary', async () => {
    const chat = newChat(scene);
    const offer = await sendFormByRoomAction(scene, chat, 'account_check');
    const page = await visitorOpens(linkButtonUrl(offer));
    await expectNoAxeViolations(page, 'form with a select, empty');
    await tabTo(page, page.getByRole('button', { name: 'Submit', exact: true }));
    await page.keyboard.press('Enter');
    const summary = page.getByRole('alert');
    await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
    await expectNoAxeViolations(page, 'form with a select, errors shown by the page script');

    await tabTo(page, summary.getByRole('link', { name: 'Account type is required' }));
    await page.keyboard.press('Enter');
    expect(await isFocused(page.getByLabel('Account type'))).toBe(true);
    await page.keyboard.type('Cre');
    expect(await page.getByLabel('Account type').inputValue()).toBe('Credit card');
    await typeIntoLabelled(page, 'Social Security number', '212-67-4509');
    await typeIntoLabelled(page, 'Email for the receipt', 'visitor@example.org');
    await pressButton(page, 'Submit', 'Enter');
    await page.getByText(SENT).waitFor();
    expect(await viewAsSender(chat, requestIdOf(offer), 'Account check')).toEqual([
      ['Account type', 'Credit card'],
      ['Social Security number', '212-67-4509'],
      ['Email for the receipt', 'visitor@example.org'],
    ]);
  });

  it('ID&V: the question is clean under axe and answered by keyboard', async () => {
    const chat = newChat(scene);
    const question = await askIdvByRoomAction(scene, chat, {
      'idv.secret-kind': 'pin',
      'idv.length': '6',
      'idv.first-position': '2',
      'idv.second-position': '4',
    });
    const page = await visitorOpens(linkButtonUrl(question));
    await page.getByRole('heading', { name: 'Enter characters 2 and 4 from your PIN' }).waitFor();
    await expectNoAxeViolations(page, 'ID&V question');
    await screenshot(page, 'visitor-idv.png');
    await typeIntoLabelled(page, 'Character 2', '7');
    await typeIntoLabelled(page, 'Character 4', '3');
    await pressButton(page, 'Submit', 'Space');
    await page.getByText(SENT).waitFor();
    await waitForNotification(scene, scene.agent, /^Visitor entered: `7` and `3` \(characters 2 and 4 of their PIN\)/);
  });

  it('Cancel by keyboard: the cancelled page is clean under axe, and the agent is told', async () => {
    const chat = newChat(scene);
    const offer = await sendFormByCommand(scene, chat, 'ssn');
    const page = await visitorOpens(linkButtonUrl(offer));
    await typeIntoLabelled(page, 'Social Security number', '212-67-4509');
    await pressButton(page, 'Cancel', 'Enter');
    await page.getByRole('heading', { name: 'Nothing was sent' }).waitFor();
    await expectNoAxeViolations(page, 'cancelled');
    await screenshot(page, 'visitor-cancelled.png');
    await waitForNotification(scene, scene.agent, /^The visitor cancelled the secure form "Social Security number"/);
  });

  it('took every screenshot the agent guide shows, and the guide shows only those', () => {
    expect([...screenshots.taken].sort()).toEqual([...SCREENSHOTS].sort());
    // The viewer's screenshots (viewer-*.png) come from the vault's own browser test.
    const shown = picturesShownIn('agent-guide.md', 'visitor-');
    expect([...shown].sort()).toEqual([...SCREENSHOTS].sort());
    for (const name of SCREENSHOTS) {
      expect(fs.existsSync(path.join(DOCS_IMAGES, name))).toBe(true);
    }
  });
});
