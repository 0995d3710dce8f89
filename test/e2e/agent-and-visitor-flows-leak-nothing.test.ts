/**
 * End to end, both sides for real: the packaged app in the real Apps-Engine plays the agent's
 * side (room actions, slash commands, modals, View), the real vault runs on SQLite on loopback,
 * and a visitor in Chromium opens the link button's URL from the message the app posted and
 * answers with the keyboard. Every scenario plants distinctive fake values; at the end a canary
 * scan searches everything the system wrote and finds them only where they belong: the sender's
 * private notification or modal, the sender's detokenize answer, and the visitor's own post.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { Browser } from 'playwright-core';

import { waitFor } from '../harness/http-json';
import type { Scene } from '../integration/scene';
import { IN_CHAT_VIEWING, shownValues, stopScene, waitForNotification } from '../integration/scene';
import { allowing } from '../harness/slow-vault';
import type { VisitorTab, VisitorTrace } from '../../testkit/browser';
import {
  launchBrowser,
  openVisitorTab,
  pressButton,
  tabTo,
  takeStartStep,
  typeIntoLabelled,
  withoutOtk,
} from '../../testkit/browser';
import type { Canary, Hit, Place } from './leak-scan';
import { filesUnder, longCanary, scan, shortCanary } from './leak-scan';
import {
  askIdvByCommand,
  askIdvByRoomAction,
  callVaultApi,
  clickView,
  futureExpiry,
  linkButtonUrl,
  newChat,
  requestIdOf,
  sendFormByCommand,
  sendFormByRoomAction,
  startStage,
  transcriptOf,
} from './stage';

// Room for a slow vault (E2E_VAULT_DELAY_MS): each test makes up to ~10 app → vault calls.
jest.setTimeout(allowing(120000, 10));

/**
 * How long off-the-record values live: 20 s, plus what a slow vault adds between the submit and the
 * sender's View (the doorbell's claim and state read, then View's own calls).
 */
const OFF_RECORD_SECONDS = 20 + Math.ceil(allowing(0, 6) / 1000);
/** The off-the-record test waits out that window, then views twice. */
const OFF_RECORD_TEST_MS = allowing(40000, 6) + OFF_RECORD_SECONDS * 1000;

/** Fake values, distinctive enough that a hit can only be a leak. */
const VALUES = {
  cardholder: 'Zebulon Quillfeather',
  pan: '4716291855307742',
  panTyped: '4716 2918 5530 7742',
  cvv: '7395',
  idvAnswer: ['Ŋ', '¤'],
  idvCancelled: ['Ʒ', 'ǂ'],
  ssnCorrected: '536-90-4399',
  ssnRefusedByPage: '666-12-3456',
  ssnAfterClose: '381-27-9045',
  ssnTransferred: '457-55-5462',
} as const;

const CANARIES: Canary[] = [
  longCanary('cardholder name', [VALUES.cardholder]),
  longCanary('card number', [VALUES.pan, VALUES.panTyped, VALUES.pan.replace(/(\d{4})(?=\d)/g, '$1-')]),
  shortCanary('CVV', VALUES.cvv),
  shortCanary('ID&V character 3', VALUES.idvAnswer[0]),
  shortCanary('ID&V character 5', VALUES.idvAnswer[1]),
  longCanary('ID&V answer as a pair', [
    `${VALUES.idvAnswer[0]} and ${VALUES.idvAnswer[1]}`,
    // As the sender's notice writes it: each character in inline code.
    `\`${VALUES.idvAnswer[0]}\` and \`${VALUES.idvAnswer[1]}\``,
  ]),
  shortCanary('cancelled ID&V character 2', VALUES.idvCancelled[0]),
  shortCanary('cancelled ID&V character 6', VALUES.idvCancelled[1]),
  longCanary('corrected SSN', [VALUES.ssnCorrected, VALUES.ssnCorrected.replace(/-/g, '')]),
  longCanary('SSN refused by the page script', [VALUES.ssnRefusedByPage, VALUES.ssnRefusedByPage.replace(/-/g, '')]),
  longCanary('SSN typed after the chat closed', [VALUES.ssnAfterClose, VALUES.ssnAfterClose.replace(/-/g, '')]),
  longCanary('SSN of the transferred chat', [VALUES.ssnTransferred, VALUES.ssnTransferred.replace(/-/g, '')]),
];

const IDV_PASSWORD = {
  'idv.secret-kind': 'password',
  'idv.length': '8',
  'idv.first-position': '3',
  'idv.second-position': '5',
};
const IDV_PIN = { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '6' };
const EXPIRY = futureExpiry();
const NOT_SENDER = 'Only the agent who sent this request can view the answer.';
const NOT_SERVING = 'Only the agent serving this chat can do this.';
const DEAD_LINK = 'This link is no longer valid';
const SENT = 'Your information was sent securely';

describe('agent and visitor end to end, with a canary scan of everything written', () => {
  let scene: Scene;
  let browser: Browser;
  let colleague: IUser;
  let manager: IUser;
  let newAgent: IUser;
  const traces: VisitorTrace[] = [];
  const chats: Record<string, ILivechatRoom> = {};
  const requestIds: Record<string, string> = {};
  const links: Record<string, string> = {};
  let cardSubmittedAt = 0;
  let idvAnsweredAt = 0;
  let expiringSentAt = 0;

  /** Opens a tab as the visitor, loads the link exactly as the app posted it and takes the start step. */
  async function visitorOpens(url: string): Promise<VisitorTab> {
    const tab = await openVisitorTab(browser);
    await tab.page.goto(url);
    await takeStartStep(tab.page);
    return tab;
  }

  /** Closes the tab and keeps its trace for the scan; read requests and pages from the trace it returns. */
  async function closeTab(tab: VisitorTab): Promise<VisitorTrace> {
    const trace = await tab.close();
    traces.push(trace);
    return trace;
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    scene = await startStage({
      settings: IN_CHAT_VIEWING,
      vaultEnv: {
        // Short windows so expiry is observable in seconds: links die 10 s after posting if
        // unopened (the vault's minimum), off-the-record values OFF_RECORD_SECONDS after submit.
        VAULT_LINK_OPEN_TTL_SECONDS: '10',
        VAULT_OFF_RECORD_TTL_SECONDS: String(OFF_RECORD_SECONDS),
        VAULT_SWEEP_INTERVAL_SECONDS: '1',
      },
    });
    colleague = scene.harness.world.addAgent('agent.jones', { name: 'Agent Jones' });
    manager = scene.harness.world.addUser({
      username: 'manager.mary',
      name: 'Manager Mary',
      roles: ['user', 'livechat-manager'],
    });
    newAgent = scene.harness.world.addAgent('agent.new', { name: 'Agent New' });
    // Sent first and never opened: its 10 s run out while the other scenarios play.
    chats.expiring = newChat(scene);
    const expiring = await sendFormByCommand(scene, chats.expiring, 'ssn');
    expiringSentAt = Date.now();
    requestIds.expiring = requestIdOf(expiring);
    links.expiring = linkButtonUrl(expiring);
  });

  afterAll(async () => {
    await browser?.close();
    await stopScene(scene);
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
  });

  describe('ID&V', () => {
    it('answered: the visitor types two characters by keyboard; the agent alone sees them, the room sees bullets', async () => {
      const chat = (chats.idv = newChat(scene));
      const question = await askIdvByRoomAction(scene, chat, IDV_PASSWORD);
      expect(question.text).toBe('Please enter characters 3 and 5 of your password.');
      requestIds.idv = requestIdOf(question);

      const tab = await visitorOpens(linkButtonUrl(question));
      await tab.page.getByRole('heading', { name: 'Enter characters 3 and 5 from your password' }).waitFor();
      expect(await tab.page.getByLabel('Character 3').getAttribute('type')).toBe('password');
      await typeIntoLabelled(tab.page, 'Character 3', VALUES.idvAnswer[0]);
      await typeIntoLabelled(tab.page, 'Character 5', VALUES.idvAnswer[1]);
      await tab.page.keyboard.press('Enter');
      await tab.page.getByText(SENT).waitFor();
      idvAnsweredAt = Date.now();
      await closeTab(tab);

      const told = await waitForNotification(scene, scene.agent, /^Visitor entered/);
      expect(told).toBe(
        `Visitor entered: \`${VALUES.idvAnswer[0]}\` and \`${VALUES.idvAnswer[1]}\` (characters 3 and 5 of their password). Only you see this.`,
      );
      await waitFor('the room record', () => transcriptOf(scene, chat).includes('Visitor answered: • and •'));

      await clickView(scene, scene.agent, chat, requestIds.idv);
      expect(shownValues(scene, scene.agent)).toEqual([
        ['Character 3', VALUES.idvAnswer[0]],
        ['Character 5', VALUES.idvAnswer[1]],
      ]);
    });

    it('cancelled: what the visitor typed before Cancel never leaves the browser; the agent is told no answer will come', async () => {
      const chat = (chats.idvCancelled = newChat(scene));
      const question = await askIdvByCommand(scene, chat, IDV_PIN);
      expect(question.text).toBe('Please enter characters 2 and 6 of your PIN.');

      const tab = await visitorOpens(linkButtonUrl(question));
      await typeIntoLabelled(tab.page, 'Character 2', VALUES.idvCancelled[0]);
      await typeIntoLabelled(tab.page, 'Character 6', VALUES.idvCancelled[1]);
      // The scan below must find these nowhere; prove they were really typed.
      expect(await tab.page.getByLabel('Character 6').inputValue()).toBe(VALUES.idvCancelled[1]);
      await pressButton(tab.page, 'Cancel', 'Space');
      await tab.page.getByRole('heading', { name: 'Nothing was sent' }).waitFor();
      const posts = (await closeTab(tab)).requests.filter((r) => r.method === 'POST');
      expect(posts.map((r) => [withoutOtk(r.url), r.postData])).toEqual([
        ['/f/<otk>', 'action=start'],
        ['/f/<otk>/cancel', 'action=cancel'],
      ]);

      await waitForNotification(scene, scene.agent, /^The visitor closed the dialog, so no answer will come/);
      const state = await callVaultApi<{ status: string }>(scene, 'GET', `/v1/requests/${requestIdOf(question)}`);
      expect(state.body.status).toBe('cancelled');
    });
  });

  describe('secure forms', () => {
    it('card form: filled by keyboard and submitted; the sender views it, with the CVV off the record', async () => {
      const chat = (chats.card = newChat(scene));
      const offer = await sendFormByCommand(scene, chat, 'card_payment');
      expect(offer.text).toBe('Agent Smith sent you a secure form: Card payment');
      requestIds.card = requestIdOf(offer);
      links.card = linkButtonUrl(offer);

      const tab = await visitorOpens(links.card);
      await typeIntoLabelled(tab.page, 'Name on card', VALUES.cardholder);
      await typeIntoLabelled(tab.page, 'Card number', VALUES.panTyped);
      await typeIntoLabelled(tab.page, 'Expiry date', EXPIRY);
      await typeIntoLabelled(tab.page, 'Security code (CVV)', VALUES.cvv);
      await tab.page.keyboard.press('Enter');
      await tab.page.getByText(SENT).waitFor();
      cardSubmittedAt = Date.now();

      // Reloading the confirmation re-posts nothing (post/redirect/get) and still confirms.
      expect(withoutOtk(tab.page.url())).toBe('/done/submitted');
      await tab.page.reload();
      await tab.page.getByText(SENT).waitFor();
      // The same link again, opened from the chat: the one dead-link page.
      const again = await tab.page.goto(links.card);
      expect(again && again.status()).toBe(404);
      await tab.page.getByRole('heading', { name: DEAD_LINK }).waitFor();
      await closeTab(tab);

      await waitForNotification(scene, scene.agent, /^The visitor submitted "Card payment"/);
      await waitFor('the room record', () =>
        transcriptOf(scene, chat).includes('Visitor submitted the secure form "Card payment".'),
      );
      const state = await callVaultApi<{ status: string; fields: Array<{ id: string; offTheRecord: boolean }> }>(
        scene,
        'GET',
        `/v1/requests/${requestIds.card}`,
      );
      expect(state.body.status).toBe('submitted');
      expect(state.body.fields.filter((f) => f.offTheRecord).map((f) => f.id)).toEqual(['cvv']);

      await clickView(scene, scene.agent, chat, requestIds.card);
      expect(shownValues(scene, scene.agent)).toEqual([
        ['Name on card', VALUES.cardholder],
        ['Card number', VALUES.pan],
        ['Expiry date', EXPIRY],
        ['Security code (CVV) (off the record)', VALUES.cvv],
      ]);
    });

    it('link reused: opening the used link again shows the dead-link page and changes nothing', async () => {
      const recordsBefore = transcriptOf(scene, chats.card).length;
      const tab = await visitorOpens(links.card);
      await tab.page.getByRole('heading', { name: DEAD_LINK }).waitFor();
      expect((await closeTab(tab)).servedPages.map((p) => p.status)).toEqual([404]);
      const state = await callVaultApi<{ status: string }>(scene, 'GET', `/v1/requests/${requestIds.card}`);
      expect(state.body.status).toBe('submitted');
      expect(transcriptOf(scene, chats.card)).toHaveLength(recordsBefore);
    });

    it('validation errors: the page names each problem, the visitor corrects them by keyboard (select included), and it goes', async () => {
      const chat = (chats.corrected = newChat(scene));
      const offer = await sendFormByRoomAction(scene, chat, 'account_check');
      expect(offer.text).toBe('Agent Smith sent you a secure form: Account check');
      requestIds.corrected = requestIdOf(offer);

      const tab = await visitorOpens(linkButtonUrl(offer));
      const { page } = tab;
      await typeIntoLabelled(page, 'Social Security number', VALUES.ssnRefusedByPage);
      await page.keyboard.press('Enter');
      const summary = page.getByRole('alert');
      await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
      expect(await summary.getByRole('link').allTextContents()).toEqual([
        'Account type is required',
        'Social Security number is not a valid Social Security number',
      ]);

      // The summary's first link takes the keyboard to the select; typing picks an option.
      await tabTo(page, summary.getByRole('link', { name: 'Account type is required' }));
      await page.keyboard.press('Enter');
      await waitFor('focus on the select', () =>
        page
          .getByLabel('Account type')
          .evaluate((e: { ownerDocument: { activeElement: unknown } }) => e === e.ownerDocument.activeElement),
      );
      await page.keyboard.type('Sav');
      expect(await page.getByLabel('Account type').inputValue()).toBe('Savings account');
      await typeIntoLabelled(page, 'Social Security number', VALUES.ssnCorrected);
      await page.keyboard.press('Enter');
      await page.getByText(SENT).waitFor();
      // The page's script stopped the first try: only the corrected answer was posted.
      expect((await closeTab(tab)).requests.filter((r) => r.method === 'POST').map((r) => withoutOtk(r.url))).toEqual([
        '/f/<otk>',
        '/f/<otk>/submit',
      ]);

      await waitForNotification(scene, scene.agent, /^The visitor submitted "Account check"/);
      await clickView(scene, scene.agent, chat, requestIds.corrected);
      expect(shownValues(scene, scene.agent)).toEqual([
        ['Account type', 'Savings account'],
        ['Social Security number', VALUES.ssnCorrected],
        ['Email for the receipt', '(empty)'],
      ]);
    });

    it("chat closed before submit: the visitor's submit finds a dead link, nothing is stored, nothing can be viewed", async () => {
      const chat = (chats.closed = newChat(scene));
      const offer = await sendFormByCommand(scene, chat, 'ssn');
      requestIds.closed = requestIdOf(offer);
      const tab = await visitorOpens(linkButtonUrl(offer));
      await typeIntoLabelled(tab.page, 'Social Security number', VALUES.ssnAfterClose);

      chats.closed = await scene.harness.closeLivechatRoom(chat);
      await tab.page.keyboard.press('Enter');
      await tab.page.getByRole('heading', { name: DEAD_LINK }).waitFor();
      expect((await closeTab(tab)).servedPages.map((p) => p.status)).toEqual([200, 200, 404]);

      const state = await callVaultApi<{ status: string }>(scene, 'GET', `/v1/requests/${requestIds.closed}`);
      expect(state.body.status).toBe('closed');
      const mint = await callVaultApi<{ error: { code: string } }>(
        scene,
        'POST',
        `/v1/requests/${requestIds.closed}/otk`,
        { agentId: scene.agent.id },
      );
      expect({ status: mint.status, code: mint.body.error.code }).toEqual({ status: 409, code: 'session_closed' });
      expect(
        Array.from(scene.harness.world.persistence.values()).filter((r) => JSON.stringify(r.data).includes(chat.id)),
      ).toEqual([]);
      expect(transcriptOf(scene, chats.closed)).toEqual(['Agent Smith sent you a secure form: Social Security number']);
    });

    it('chat transferred before View: the new agent is told and cannot view; the data stays with its sender', async () => {
      const chat = (chats.transferred = newChat(scene));
      const offer = await sendFormByCommand(scene, chat, 'ssn');
      requestIds.transferred = requestIdOf(offer);
      const tab = await visitorOpens(linkButtonUrl(offer));
      await typeIntoLabelled(tab.page, 'Social Security number', VALUES.ssnTransferred);
      await pressButton(tab.page, 'Submit', 'Enter');
      await tab.page.getByText(SENT).waitFor();
      await closeTab(tab);
      await waitForNotification(scene, scene.agent, /^The visitor submitted "Social Security number"/);

      chats.transferred = await scene.harness.transferRoom(chat, scene.agent, newAgent);
      expect(scene.harness.world.notificationsFor(newAgent.id).map((n) => n.message.text)).toEqual([
        'You now serve this chat. It has 1 secure request(s) sent by another agent, 0 of them still waiting for the visitor. Only the agent who sent a request can view its answer; send a new request if you need the data.',
      ]);
      // The new agent serves the chat, so Secure data opens: the state, no View, no value.
      await scene.harness.clickRoomAction('room.secure-data', { user: newAgent, room: chats.transferred });
      const bar = JSON.stringify(scene.harness.lastView(newAgent.id).blocks);
      expect(bar).toContain('Social Security number (secure form)\\nSubmitted · sent by @agent.smith');
      expect(bar).not.toContain('"actionId":"request.view"');
      const viewsBefore = scene.harness.world.interactionsFor(newAgent.id).length;
      await clickView(scene, newAgent, chats.transferred, requestIds.transferred);
      expect(scene.harness.world.notificationsFor(newAgent.id).pop()?.message.text).toBe(NOT_SENDER);
      expect(scene.harness.world.interactionsFor(newAgent.id)).toHaveLength(viewsBefore);
      const mint = await callVaultApi<{ error: { code: string } }>(
        scene,
        'POST',
        `/v1/requests/${requestIds.transferred}/otk`,
        { agentId: newAgent.id },
      );
      expect({ status: mint.status, code: mint.body.error.code }).toEqual({ status: 403, code: 'not_sender' });

      // Sender only, session only: the agent who asked still may, while the chat is open.
      await clickView(scene, scene.agent, chats.transferred, requestIds.transferred);
      expect(shownValues(scene, scene.agent)).toEqual([['Social Security number', VALUES.ssnTransferred]]);
    });

    it('a second agent trying View is refused by the app, and the vault would refuse them too', async () => {
      const calls = () =>
        scene.harness.world.httpCalls.filter((c) => c.url.endsWith(`/v1/requests/${requestIds.card}/otk`)).length;
      const callsBefore = calls();
      await clickView(scene, colleague, chats.card, requestIds.card);
      expect(scene.harness.world.notificationsFor(colleague.id).map((n) => n.message.text)).toEqual([NOT_SENDER]);
      expect(scene.harness.world.interactionsFor(colleague.id)).toEqual([]);
      expect(calls()).toBe(callsBefore);
      const mint = await callVaultApi<{ error: { code: string } }>(
        scene,
        'POST',
        `/v1/requests/${requestIds.card}/otk`,
        { agentId: colleague.id },
      );
      expect({ status: mint.status, code: mint.body.error.code }).toEqual({ status: 403, code: 'not_sender' });
    });

    it('a manager sees no Secure data without the setting; with it, states only: never a value, never View', async () => {
      await scene.harness.clickRoomAction('room.secure-data', { user: manager, room: chats.card });
      expect(scene.harness.world.notificationsFor(manager.id).map((n) => n.message.text)).toEqual([NOT_SERVING]);
      expect(scene.harness.world.interactionsFor(manager.id)).toEqual([]);

      await scene.harness.setSetting('managers_may_view', true);
      try {
        await scene.harness.clickRoomAction('room.secure-data', { user: manager, room: chats.card });
        const bar = scene.harness.lastView(manager.id);
        expect(bar.type).toBe('contextualBar');
        const text = JSON.stringify(bar.blocks);
        expect(text).toContain('Card payment (secure form)\\nViewed · sent by @agent.smith');
        expect(text).not.toContain('"actionId":"request.view"');
        expect(scan([{ name: "manager's Secure data", content: text }], CANARIES)).toEqual([]);

        await clickView(scene, manager, chats.card, requestIds.card);
        expect(scene.harness.world.notificationsFor(manager.id).pop()?.message.text).toBe(NOT_SENDER);
        expect(scene.harness.world.interactionsFor(manager.id)).toHaveLength(1);
      } finally {
        await scene.harness.setSetting('managers_may_view', false);
      }
    });
  });

  describe('expiry', () => {
    it('link expired: the unopened link dies after 10 s, the agent is told, the visitor gets the dead-link page', async () => {
      const told = await waitForNotification(
        scene,
        scene.agent,
        /^"Social Security number" expired before the visitor answered/,
        allowing(25000, 3),
      );
      expect(Date.now() - expiringSentAt).toBeGreaterThanOrEqual(10000);
      expect(told).toBe(
        '"Social Security number" expired before the visitor answered. Send it again if you still need it.',
      );
      const tab = await visitorOpens(links.expiring);
      await tab.page.getByRole('heading', { name: DEAD_LINK }).waitFor();
      expect((await closeTab(tab)).servedPages.map((p) => p.status)).toEqual([404]);
      const state = await callVaultApi<{ status: string }>(scene, 'GET', `/v1/requests/${requestIds.expiring}`);
      expect(state.body.status).toBe('expired');
    });

    it(
      'off the record: once its window is over the CVV and the ID&V answer are gone, the card number is not',
      async () => {
        const windowEnd = Math.max(cardSubmittedAt, idvAnsweredAt) + OFF_RECORD_SECONDS * 1000 + 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEnd - Date.now())));
        await clickView(scene, scene.agent, chats.card, requestIds.card);
        expect(shownValues(scene, scene.agent)).toEqual([
          ['Name on card', VALUES.cardholder],
          ['Card number', VALUES.pan],
          ['Expiry date', EXPIRY],
          ['Security code (CVV) (off the record)', 'expired — send the form again'],
        ]);
        await clickView(scene, scene.agent, chats.idv, requestIds.idv);
        expect(shownValues(scene, scene.agent)).toEqual([
          ['Character 3', 'expired — send the question again'],
          ['Character 5', 'expired — send the question again'],
        ]);
      },
      OFF_RECORD_TEST_MS,
    );
  });

  describe('what the chat keeps', () => {
    it('the transcript reads as plain sentences, carries only masked text, and no link or key', () => {
      expect(transcriptOf(scene, chats.idv)).toEqual([
        'Please enter characters 3 and 5 of your password.',
        'Visitor answered: • and •',
      ]);
      expect(transcriptOf(scene, chats.idvCancelled)).toEqual(['Please enter characters 2 and 6 of your PIN.']);
      expect(transcriptOf(scene, chats.card)).toEqual([
        'Agent Smith sent you a secure form: Card payment',
        'Visitor submitted the secure form "Card payment".',
      ]);
      expect(transcriptOf(scene, chats.corrected)).toEqual([
        'Agent Smith sent you a secure form: Account check',
        'Visitor submitted the secure form "Account check".',
      ]);
      expect(transcriptOf(scene, chats.transferred)).toEqual([
        'Agent Smith sent you a secure form: Social Security number',
        'Visitor submitted the secure form "Social Security number".',
      ]);
      expect(transcriptOf(scene, chats.expiring)).toEqual([
        'Agent Smith sent you a secure form: Social Security number',
      ]);
      for (const message of scene.harness.world.messageVersions) {
        expect(message.text).toMatch(/^[A-Z"].*[.:\w•]$/);
        expect(message.text).not.toMatch(/https?:|\/f\/|ivk\./);
      }
    });
  });

  describe('canary scan', () => {
    const SENDER_ONLY = "the sender's private notifications and modals";
    const DETOKENIZE = "the sender's detokenize answers";
    const VISITOR_POSTS = "the visitor's own posts to the vault";
    let places: Place[];
    let allowed: Place[];
    let hits: Hit[];

    function appHttpBodies(): Place[] {
      return scene.harness.world.httpExchanges.map((x, i) => {
        const isDetokenize = x.method === 'POST' && /\/v1\/detokenize$/.test(x.url);
        return {
          name: `app → vault HTTP #${i} ${x.method} ${x.url.replace(scene.vault.url, '')}`,
          content: `${x.url}\n${x.requestBody}\n${isDetokenize ? '' : x.responseBody}`,
        };
      });
    }

    function visitorPlaces(): Place[] {
      return traces.flatMap((trace, i) => [
        { name: `visitor tab #${i}: URL history`, content: JSON.stringify(trace.history) },
        {
          name: `visitor tab #${i}: request URLs and headers (Referer included)`,
          content: JSON.stringify(trace.requests.map((r) => ({ url: r.url, headers: r.headers }))),
        },
        { name: `visitor tab #${i}: pages the vault served`, content: trace.servedPages.map((p) => p.body).join('\n') },
      ]);
    }

    beforeAll(async () => {
      const world = scene.harness.world;
      const senderId = scene.agent.id;
      // Let late doorbells and logs land before reading everything.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const vaultFilesWhileRunning = filesUnder(scene.vault.dataDir, 'vault data file while running');
      await scene.vault.stop({ keepData: true });
      const vaultFilesAfterStop = filesUnder(scene.vault.dataDir, 'vault data file after stop');
      places = [
        { name: 'room messages, every version', content: JSON.stringify(world.messageVersions) },
        { name: 'app persistence, every write', content: JSON.stringify(world.persistenceWrites) },
        { name: 'app persistence, final', content: JSON.stringify(Array.from(world.persistence.values())) },
        { name: 'other host bridge calls', content: JSON.stringify(scene.harness.bridges.calls) },
        { name: 'scheduler jobs and their data', content: JSON.stringify(world.scheduledJobs) },
        { name: 'app log (engine log storage)', content: scene.harness.logText() },
        { name: 'vault log (stdout and stderr)', content: scene.vault.output },
        ...vaultFilesWhileRunning,
        ...vaultFilesAfterStop,
        ...appHttpBodies(),
        { name: 'doorbells to the app', content: JSON.stringify(world.apiCalls) },
        {
          name: 'notifications to anyone but the sender',
          content: JSON.stringify(world.notifications.filter((n) => n.userId !== senderId)),
        },
        {
          name: 'modals and bars of anyone but the sender',
          content: JSON.stringify(world.interactions.filter((i) => i.userId !== senderId)),
        },
        ...visitorPlaces(),
      ];
      allowed = [
        {
          name: SENDER_ONLY,
          content: JSON.stringify({
            notifications: world.notificationsFor(senderId),
            views: world.interactionsFor(senderId),
          }),
        },
        {
          name: DETOKENIZE,
          content: world.httpExchanges
            .filter((x) => /\/v1\/detokenize$/.test(x.url))
            .map((x) => x.responseBody)
            .join('\n'),
        },
        { name: VISITOR_POSTS, content: traces.flatMap((t) => t.requests.map((r) => r.postData)).join('\n') },
      ];
      hits = scan(places, CANARIES);
      if (process.env.E2E_SCAN_SUMMARY) {
        console.log(places.map((p) => `${p.name}: ${Buffer.byteLength(p.content)} bytes`).join('\n'));
      }
      scene.vault.removeData();
    });

    it("looked everywhere: messages, persistence, logs, the SQLite file and its WAL, HTTP bodies, doorbells, the visitor's history", () => {
      const names = places.map((p) => p.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'vault data file while running: vault.sqlite',
          'vault data file while running: vault.sqlite-wal',
          'vault data file after stop: vault.sqlite',
        ]),
      );
      // The eleven messages of the transcripts above; the app edits none, an edit would add a version.
      expect(scene.harness.world.messageVersions).toHaveLength(11);
      expect(scene.harness.world.persistenceWrites.length).toBeGreaterThan(10);
      expect(scene.harness.world.apiCalls.length).toBeGreaterThanOrEqual(8);
      expect(traces.length).toBeGreaterThanOrEqual(8);
      // Each of the seven requests above was sent by a scheduled job (the modal is answered at once).
      expect(scene.harness.world.scheduledJobs.filter((j) => j.kind === 'onetime')).toHaveLength(7);
      // Each place is readable by the scan: the request IDs and room texts it should hold are found.
      const marker = (name: string) => places.find((p) => p.name === name) as Place;
      for (const [place, expected] of [
        ['vault data file after stop: vault.sqlite', requestIds.card],
        ['vault log (stdout and stderr)', requestIds.card],
        ['app log (engine log storage)', requestIds.card],
        ['doorbells to the app', requestIds.card],
        ['room messages, every version', 'Visitor answered: • and •'],
      ]) {
        expect({ place, found: scan([marker(place)], [longCanary('marker', [expected])]).length }).toEqual({
          place,
          found: 1,
        });
      }
      // The Referer check can fail: the recorded request headers are the real ones.
      const assetRequests = traces.flatMap((t) => t.requests).filter((r) => /\/assets\//.test(r.url));
      expect(assetRequests.length).toBeGreaterThan(0);
      for (const request of assetRequests) {
        expect(request.headers['user-agent']).toBeTruthy();
        // An asset Chromium answers from its cache never leaves the browser, and Playwright then
        // reports its provisional headers, with an empty Referer (seen: the server got none).
        expect(request.headers.referer ?? '').toBe('');
      }
    });

    it('finds each delivered canary where it belongs, so a leak would be found too', () => {
      const found = (name: string) =>
        scan(
          allowed.filter((p) => p.name === name),
          CANARIES,
        )
          .map((h) => h.canary)
          .sort();
      const delivered = [
        'cardholder name',
        'card number',
        'CVV',
        'ID&V character 3',
        'ID&V character 5',
        'corrected SSN',
        'SSN of the transferred chat',
      ];
      expect(found(SENDER_ONLY)).toEqual([...delivered, 'ID&V answer as a pair'].sort());
      expect(found(DETOKENIZE)).toEqual(delivered.sort());
      // The visitor posted these themselves (the refused SSN and the cancelled characters never left the page).
      expect(found(VISITOR_POSTS)).toEqual([...delivered, 'SSN typed after the chat closed'].sort());
    });

    it('finds no canary anywhere else: zero hits', () => {
      expect(hits).toEqual([]);
    });

    it('found no CSP violation or script error in any visitor tab', () => {
      expect(traces.flatMap((t) => [...t.cspViolations, ...t.scriptErrors])).toEqual([]);
    });

    it("left no OTK or visitor link in the app's persistence or logs, and the API key only in the app's calls", () => {
      const otks = Object.values(links).map((url) => url.split('/f/')[1]);
      const durable = [
        places.find((p) => p.name === 'app persistence, every write'),
        places.find((p) => p.name === 'app log (engine log storage)'),
        places.find((p) => p.name === 'vault log (stdout and stderr)'),
      ] as Place[];
      expect(
        scan(durable, [longCanary('visitor OTK', otks), longCanary('vault API key', [scene.vault.apiKey])]),
      ).toEqual([]);
    });
  });
});
