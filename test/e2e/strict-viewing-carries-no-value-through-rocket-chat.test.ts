/**
 * Strict viewing end to end (the app's default): the packaged app in the real Apps-Engine, the
 * real vault on SQLite, the visitor AND the agent in Chromium. The visitor answers a card form and
 * an ID&V question by keyboard; the sending agent clicks *View* / *Reveal*, gets a viewer link in
 * a private notice, opens it in the browser and reads the values from the vault's own page; a
 * manager (with the app's setting, the vault's switch and a reason) sees the card number but never
 * the CVV. Then the canary scan reads every byte that crossed the Rocket.Chat side — app↔vault
 * bodies both ways, engine calls and logs, messages, every notice and view of everyone (the
 * sender's included), persistence, doorbells — and finds no form value at all: only the agents'
 * browser pages, served by the vault, carry them.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { Browser, Page } from 'playwright-core';

import { stopScene, waitForNotification } from '../integration/scene';
import { allowing } from '../harness/slow-vault';
import type { Scene } from '../integration/scene';
import type { VisitorTab, VisitorTrace } from '../../testkit/browser';
import { axeViolations, launchBrowser, openVisitorTab, takeStartStep, typeIntoLabelled } from '../../testkit/browser';
import type { Canary, Place } from './leak-scan';
import { filesUnder, longCanary, scan, shortCanary } from './leak-scan';
import {
  askIdvByRoomAction,
  clickView,
  futureExpiry,
  linkButtonUrl,
  newChat,
  requestIdOf,
  rocketChatSidePlaces,
  sendFormByRoomAction,
  startStage,
  viewerLinkOf,
} from './stage';

jest.setTimeout(allowing(120000, 10));

const VALUES = {
  cardholder: 'Leopoldine Strictmoor',
  pan: '4929420381547322',
  panTyped: '4929 4203 8154 7322',
  cvv: '8351',
  idv: ['Ð', 'ŧ'],
} as const;

const CANARIES: Canary[] = [
  longCanary('cardholder name', [VALUES.cardholder]),
  longCanary('card number', [VALUES.pan, VALUES.panTyped, VALUES.pan.replace(/(\d{4})(?=\d)/g, '$1-')]),
  shortCanary('CVV', VALUES.cvv),
  shortCanary('ID&V character 2', VALUES.idv[0]),
  shortCanary('ID&V character 4', VALUES.idv[1]),
];
const IDV = { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '4' };
const EXPIRY = futureExpiry();

describe('strict viewing: values go from the vault to the agent browser, never through Rocket.Chat', () => {
  let scene: Scene;
  let browser: Browser;
  let manager: IUser;
  const traces: VisitorTrace[] = [];
  const agentPages: string[] = [];
  const chats: Record<string, ILivechatRoom> = {};
  const requestIds: Record<string, string> = {};

  async function openTab(url: string): Promise<VisitorTab> {
    const tab = await openVisitorTab(browser);
    await tab.page.goto(url);
    return tab;
  }

  async function closeTab(tab: VisitorTab): Promise<VisitorTrace> {
    const trace = await tab.close();
    traces.push(trace);
    return trace;
  }

  /** An agent's browser opens a viewer link: the start page, then *Open*. */
  async function agentOpensViewer(link: string, heading: string): Promise<VisitorTab> {
    const tab = await openTab(link);
    await tab.page.getByRole('heading', { name: 'Open the secure viewer' }).waitFor();
    await tab.page.getByRole('button', { name: 'Open', exact: true }).click();
    await tab.page.getByRole('heading', { name: heading }).waitFor();
    return tab;
  }

  async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
    const { violations } = await axeViolations(page);
    expect({ state, violations }).toEqual({ state, violations: [] });
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    scene = await startStage({
      settings: { idv_answer_delivery: 'viewer', managers_may_view_values: true },
      vaultEnv: { VAULT_RATE_LIMIT_VIEWER_PER_MINUTE: '1000' },
    });
    manager = scene.harness.world.addUser({
      username: 'manager.mary',
      name: 'Manager Mary',
      roles: ['user', 'livechat-manager'],
    });
    scene.vault.cli(['site', 'manager-view', scene.vault.siteId, 'on']);
  });

  afterAll(async () => {
    await browser?.close();
    await stopScene(scene);
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
  });

  it('card form: the sender reads BIN + last four, reveals on request, and the chat carried a link only', async () => {
    const chat = (chats.card = newChat(scene));
    const offer = await sendFormByRoomAction(scene, chat, 'card_payment');
    requestIds.card = requestIdOf(offer);
    const visitor = await openTab(linkButtonUrl(offer));
    await takeStartStep(visitor.page);
    await typeIntoLabelled(visitor.page, 'Name on card', VALUES.cardholder);
    await typeIntoLabelled(visitor.page, 'Card number', VALUES.panTyped);
    await typeIntoLabelled(visitor.page, 'Expiry date', EXPIRY);
    await typeIntoLabelled(visitor.page, 'Security code (CVV)', VALUES.cvv);
    await visitor.page.keyboard.press('Enter');
    await visitor.page.getByText('Your information was sent securely').waitFor();
    await closeTab(visitor);
    await waitForNotification(scene, scene.agent, /^The visitor submitted "Card payment"/);

    await clickView(scene, scene.agent, chat, requestIds.card);
    expect(scene.harness.world.notificationsFor(scene.agent.id).pop()?.message.text).toBe(
      'Your secure viewer for "Card payment" is ready. The link works once, only for you, and must be opened within a minute. Do not share it.',
    );
    const link = viewerLinkOf(scene, scene.agent);
    const tab = await agentOpensViewer(link, 'Card payment');
    const { page } = tab;
    const cardValue = page.locator('.viewer-field', { hasText: 'Card number' }).locator('.viewer-field__value');
    expect(await cardValue.textContent()).toBe('492942••••••7322');
    expect(await page.getByText(VALUES.cardholder).count()).toBe(1);
    await expectNoAxeViolations(page, 'viewer, masked');
    await page.getByRole('button', { name: 'Reveal Card number' }).click();
    await page.getByText(VALUES.pan).waitFor();
    await page.getByRole('button', { name: 'Reveal Security code (CVV)' }).click();
    await page.getByText(VALUES.cvv, { exact: true }).waitFor();
    await expectNoAxeViolations(page, 'viewer, revealed');
    agentPages.push(await page.locator('main').innerHTML());
    await page.getByRole('button', { name: 'Hide everything and close' }).click();
    await page.getByRole('heading', { name: 'The view is closed' }).waitFor();
    await closeTab(tab);

    // The same link again (a forwarded or replayed link): the one refusal page.
    const again = await openTab(link);
    await again.page.getByRole('heading', { name: 'This viewer link cannot be used' }).waitFor();
    await expectNoAxeViolations(again.page, 'viewer refused');
    expect((await closeTab(again)).servedPages.map((p) => p.status)).toEqual([404]);
  });

  it('ID&V answered: the agent is told without the characters and reads them in the viewer', async () => {
    const chat = (chats.idv = newChat(scene));
    const question = await askIdvByRoomAction(scene, chat, IDV);
    requestIds.idv = requestIdOf(question);
    const visitor = await openTab(linkButtonUrl(question));
    await takeStartStep(visitor.page);
    await typeIntoLabelled(visitor.page, 'Character 2', VALUES.idv[0]);
    await typeIntoLabelled(visitor.page, 'Character 4', VALUES.idv[1]);
    await visitor.page.keyboard.press('Enter');
    await visitor.page.getByText('Your information was sent securely').waitFor();
    await closeTab(visitor);
    expect(await waitForNotification(scene, scene.agent, /^The visitor answered "PIN"/)).toBe(
      'The visitor answered "PIN". Only you can view the characters: click Reveal.',
    );

    await clickView(scene, scene.agent, chat, requestIds.idv);
    const tab = await agentOpensViewer(viewerLinkOf(scene, scene.agent), "Characters 2 and 4 of the visitor's PIN");
    await tab.page.getByRole('button', { name: 'Reveal Character 4' }).click();
    await tab.page.getByText(VALUES.idv[1], { exact: true }).waitFor();
    agentPages.push(await tab.page.locator('main').innerHTML());
    await closeTab(tab);
  });

  it('a manager gives a reason and sees the card number, never the off-the-record CVV', async () => {
    await clickView(scene, manager, chats.card, requestIds.card);
    const modal = scene.harness.lastView(manager.id);
    await scene.harness.submitView(modal, manager, { 'manager-view.reason': 'Supervising a disputed payment' });
    // The reason is answered at once; a one-off job fetches the link and hands it over.
    await scene.harness.jobsSettled();
    const tab = await agentOpensViewer(viewerLinkOf(scene, manager), 'Card payment');
    await tab.page.getByText('Off the record: never shown to managers').waitFor();
    expect(await tab.page.getByRole('button', { name: 'Reveal Security code (CVV)' }).count()).toBe(0);
    await tab.page.getByRole('button', { name: 'Reveal Card number' }).click();
    await tab.page.getByText(VALUES.pan).waitFor();
    agentPages.push(await tab.page.locator('main').innerHTML());
    await closeTab(tab);
  });

  describe('canary scan of the Rocket.Chat side', () => {
    let places: Place[];

    beforeAll(async () => {
      const world = scene.harness.world;
      await new Promise((resolve) => setTimeout(resolve, 300));
      places = [
        ...rocketChatSidePlaces(scene),
        { name: "every private notice, the sender's included", content: JSON.stringify(world.notifications) },
        { name: "every modal and bar, the sender's included", content: JSON.stringify(world.interactions) },
      ];
    });

    it('looked at every app ↔ vault exchange, notices and views included', () => {
      const names = places.map((p) => p.name);
      expect(names.filter((n) => /\/viewer$/.test(n)).length).toBeGreaterThanOrEqual(3);
      expect(names.some((n) => /detokenize/.test(n))).toBe(false);
      // The places hold what they should: the request IDs and the viewer links' notices.
      expect(scan(places, [longCanary('request ID', [requestIds.card])]).length).toBeGreaterThan(3);
    });

    it('finds the values in the agents’ browser pages, which the vault served', () => {
      const found = scan([{ name: 'agent pages', content: agentPages.join('\n') }], CANARIES).map((h) => h.canary);
      expect(found.sort()).toEqual(['CVV', 'ID&V character 4', 'card number', 'cardholder name'].sort());
    });

    it('finds no form value anywhere on the Rocket.Chat side: zero hits', () => {
      expect(scan(places, CANARIES)).toEqual([]);
    });

    it('left no viewer link in anything durable, and no CSP violation or script error in any tab', () => {
      const durable = places.filter((p) => /persistence|messages|log/.test(p.name));
      expect(durable.length).toBe(4);
      for (const place of durable) {
        expect({ place: place.name, link: /\/v\/[A-Za-z0-9_-]{43}/.test(String(place.content)) }).toEqual({
          place: place.name,
          link: false,
        });
      }
      expect(traces.flatMap((t) => [...t.cspViolations, ...t.scriptErrors])).toEqual([]);
    });

    it('the vault files hold no value in the clear', async () => {
      const files = filesUnder(scene.vault.dataDir, 'vault data file');
      expect(scan(files, [CANARIES[0], CANARIES[1]])).toEqual([]);
    });
  });
});
