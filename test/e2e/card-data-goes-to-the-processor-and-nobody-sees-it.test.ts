/**
 * Relays end to end (issue 17): the packaged app in the real Apps-Engine, the real vault on SQLite
 * with a relay configured by its CLI (the processor's key on stdin), and a local HTTPS processor
 * that speaks Stripe's PaymentIntents shape. The visitor types a card in Chromium; the agent never
 * gets a *View*, only *Send to processor*, types the amount, and reads "approved •••• 4242". The
 * app's side of the failures is played through it too (decline; a processor that charges and then
 * errs, and the retry that reconciles with the same request; a processor that errs before
 * charging; another agent or a manager; a closed chat; sending on submit). Then the canary
 * scan: the card number and the CVV are in the single request body the processor received and in
 * the visitor's own page, and in nothing else the system wrote or answered.
 */
import * as fs from 'fs';
import * as path from 'path';
import { URLSearchParams } from 'url';
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { ButtonElement } from '@rocket.chat/ui-kit';
import type { Browser } from 'playwright-core';

import { allowing } from '../harness/slow-vault';
import type { Scene } from '../integration/scene';
import { waitFor } from '../harness/http-json';
import { notificationTexts, stopScene, visitorOpens, visitorSubmits, waitForNotification } from '../integration/scene';
import { answerLosingProxy } from '../../testkit/answer-losing-proxy';
import type { VisitorTrace } from '../../testkit/browser';
import { launchBrowser, openVisitorTab, takeStartStep, typeIntoLabelled } from '../../testkit/browser';
import { drawPicture } from '../../testkit/agent-pictures';
import { LocalProcessor, PROCESSOR_SECRET } from '../../testkit/local-processor';
import { DOCS_IMAGES, picturesShownIn, ScreenshotFolder } from '../../testkit/screenshots';
import { renderMessages, renderSurface, type PreviewSurface } from '../../testkit/uikit-preview';
import { tempDir } from '../../testkit/vault-process';
import type { Place } from './leak-scan';
import { filesUnder, longCanary, scan, shortCanary } from './leak-scan';
import {
  futureExpiry,
  linkButtonUrl,
  newChat,
  requestIdOf,
  rocketChatSidePlaces,
  sendFormByRoomAction,
  startStage,
} from './stage';

jest.setTimeout(allowing(120000, 10));

const CARD_FIELDS = [
  { id: 'pan', label: 'Card number', type: 'card_number', required: true, masked: true },
  { id: 'expiry', label: 'Expiry date', type: 'expiry', required: true },
  { id: 'cvv', label: 'Security code', type: 'cvv', required: true },
];
/** The agent types the amount; the currency is the admin's. */
const PAY_BY_CARD = {
  id: 'pay_by_card',
  title: 'Pay by card',
  fields: CARD_FIELDS,
  relay: {
    id: 'stripe',
    params: { currency: 'eur' },
    ask: [
      { name: 'amount', label: 'Amount in cents', hint: { en: '1999 charges 19.99 EUR', es: '1999 cobra 19,99 EUR' } },
    ],
  },
};
/** A fixed amount, sent as soon as the visitor submits. */
const PAY_NOW = {
  id: 'pay_now',
  title: 'Pay the 5 euro fee',
  fields: CARD_FIELDS,
  relay: { id: 'stripe', params: { currency: 'eur', amount: '500' }, sendOnSubmit: true },
};

const CARD = { pan: '4929420381584242', typed: '4929 4203 8158 4242', cvv: '8461' };
const DECLINED = '4000000000000002';
const CANARIES = [
  longCanary('card number', [CARD.pan, CARD.typed, DECLINED]),
  longCanary("processor's API key", [PROCESSOR_SECRET]),
  shortCanary('CVV', CARD.cvv),
];
const EXPIRY = futureExpiry();
/** The agent guide's pictures of this flow, drawn from the blocks the real app built. */
const PICTURES = ['relay-notice-submitted.png', 'relay-send-modal.png', 'relay-outcome.png'];

describe('card data goes from the vault to the processor; the agent sees the outcome and the last 4', () => {
  let scene: Scene;
  let browser: Browser;
  let processor: LocalProcessor;
  let other: IUser;
  let manager: IUser;
  const traces: VisitorTrace[] = [];
  const screenshots = new ScreenshotFolder('idv-relay-pictures-');

  /** The last private notice `user` got, drawn as Rocket.Chat shows it. */
  async function pictureOfLastNotice(name: string): Promise<void> {
    const { message } = scene.harness.world.notificationsFor(scene.agent.id).pop() as { message: IMessage };
    const blocks = (message.blocks as unknown[] | undefined) ?? [];
    const html = renderMessages([{ sender: 'ID&V & Secure Forms', text: message.text, blocks, privateNotice: true }]);
    await drawPicture(browser, screenshots, name, html, blocks);
  }

  beforeAll(async () => {
    [browser, processor] = await Promise.all([launchBrowser(), LocalProcessor.start()]);
    scene = await startStage({
      settings: { form_catalog: JSON.stringify([PAY_BY_CARD, PAY_NOW]), managers_may_view_values: true },
    });
    setRelay();
    other = scene.harness.world.addAgent('agent.jones', { name: 'Agent Jones' });
    manager = scene.harness.world.addUser({
      username: 'manager.mary',
      name: 'Manager Mary',
      roles: ['user', 'livechat-manager'],
    });
  });

  /** The vault's admin sets the relay, the processor's key on stdin. */
  function setRelay(): void {
    const dir = tempDir('relay-config-');
    const configFile = path.join(dir, 'stripe.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        url: processor.localUrl,
        allowHosts: ['localhost'],
        allowPrivateAddresses: true, // the test's processor listens on loopback
        trustedCa: processor.ca,
        template: 'stripe_payment_intent',
        timeoutMs: 3000,
      }),
    );
    try {
      scene.vault.cli(
        ['relay', 'set', scene.vault.siteId, 'stripe', '--config', configFile, '--secret-header', 'Authorization'],
        `Bearer ${PROCESSOR_SECRET}`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  afterAll(async () => {
    await browser?.close();
    await stopScene(scene);
    await processor?.stop();
    screenshots.cleanUp();
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
  });

  function buttonsOf(blocks: unknown[] | undefined): ButtonElement[] {
    return (blocks || []).flatMap((b) => {
      const block = b as { type: string; elements?: unknown[]; accessory?: unknown };
      if (block.type === 'actions') return (block.elements || []) as ButtonElement[];
      return block.accessory ? [block.accessory as ButtonElement] : [];
    });
  }

  /** The action IDs of the buttons on the last private notice `user` got. */
  function lastNoticeButtons(user: IUser = scene.agent): string[] {
    const notice = scene.harness.world.notificationsFor(user.id).pop();
    return buttonsOf(notice?.message.blocks as unknown[]).map((b) => b.actionId);
  }

  const lastNotice = (user: IUser = scene.agent) => notificationTexts(scene, user).pop();

  async function clickSend(chat: ILivechatRoom, requestId: string, user: IUser = scene.agent): Promise<void> {
    await scene.harness.blockAction({ actionId: 'request.send-to-processor', value: requestId, user, room: chat });
  }

  /** The agent clicks *Send to processor*, types the amount in the modal and sends; the job runs. */
  async function sendWithAmount(chat: ILivechatRoom, requestId: string, amount: string): Promise<unknown> {
    await clickSend(chat, requestId);
    const modal = scene.harness.lastView(scene.agent.id);
    const response = await scene.harness.submitView(modal, scene.agent, { 'processor.param.0': amount });
    await scene.harness.jobsSettled();
    return response;
  }

  /**
   * A form sent in a new chat and answered by the visitor over HTTP (the page script's calls);
   * resolves once the agent got a notice matching `notice` after the submit (the doorbell's work).
   */
  async function answered(
    form: string,
    pan: string,
    notice = /Its card data goes only to the payment processor/,
  ): Promise<{ chat: ILivechatRoom; requestId: string }> {
    const chat = newChat(scene);
    const offer = await sendFormByRoomAction(scene, chat, form);
    const page = await visitorOpens(linkButtonUrl(offer));
    const before = notificationTexts(scene, scene.agent).length;
    await visitorSubmits(page, { pan, expiry: EXPIRY, cvv: CARD.cvv });
    await waitFor(
      `a notice matching ${notice}`,
      () =>
        notificationTexts(scene, scene.agent)
          .slice(before)
          .find((text) => notice.test(text)),
      allowing(10000, 3),
    );
    await scene.harness.jobsSettled();
    return { chat, requestId: requestIdOf(offer) };
  }

  it('a card typed in Chromium reaches the processor once; the agent reads "approved •••• 4242"', async () => {
    const chat = newChat(scene);
    const offer = await sendFormByRoomAction(scene, chat, 'pay_by_card');
    const requestId = requestIdOf(offer);
    const visitor = await openVisitorTab(browser);
    await visitor.page.goto(linkButtonUrl(offer));
    await takeStartStep(visitor.page);
    await typeIntoLabelled(visitor.page, 'Card number', CARD.typed);
    await typeIntoLabelled(visitor.page, 'Expiry date', EXPIRY);
    await typeIntoLabelled(visitor.page, 'Security code', CARD.cvv);
    await visitor.page.keyboard.press('Enter');
    await visitor.page.getByText('Your information was sent securely').waitFor();
    traces.push(await visitor.close());

    await waitForNotification(scene, scene.agent, /^The visitor submitted "Pay by card"\. Its card data goes only/);
    expect(lastNoticeButtons()).toEqual(['request.send-to-processor']);
    await pictureOfLastNotice('relay-notice-submitted.png');

    // The modal asks what the admin left to the agent; garbage is refused in place, nothing is sent.
    await clickSend(chat, requestId);
    const modal = scene.harness.lastView(scene.agent.id);
    expect(JSON.stringify(modal.blocks)).toContain('Amount in cents');
    expect(JSON.stringify(modal.blocks)).toContain('1999 charges 19.99 EUR');
    const surface = modal as unknown as PreviewSurface;
    await drawPicture(browser, screenshots, 'relay-send-modal.png', renderSurface(surface), [
      surface.title,
      ...surface.blocks,
      surface.submit,
      surface.close,
    ]);
    for (const typed of ['19,99 €', '', CARD.typed]) {
      const refused = await scene.harness.submitView(modal, scene.agent, { 'processor.param.0': typed });
      expect(JSON.stringify(refused)).toContain('letters, digits, spaces');
    }
    await scene.harness.jobsSettled();
    expect(processor.received).toHaveLength(0);

    await scene.harness.submitView(modal, scene.agent, { 'processor.param.0': '1999' });
    await scene.harness.jobsSettled();
    expect(lastNotice()).toBe('"Pay by card" — payment processor: approved •••• 4242');
    expect(lastNoticeButtons()).toEqual([]);
    await pictureOfLastNotice('relay-outcome.png');
    expect(processor.received).toHaveLength(1);
    const sent = new URLSearchParams(processor.received[0].body);
    expect([sent.get('amount'), sent.get('currency'), sent.get('payment_method_data[card][number]')]).toEqual([
      '1999',
      'eur',
      CARD.pan,
    ]);
    expect(processor.received[0].headers['idempotency-key']).toBe(requestId);

    // Sent once: a second click tells the outcome again and sends nothing.
    await clickSend(chat, requestId);
    await scene.harness.jobsSettled();
    expect(lastNotice()).toBe('"Pay by card" — payment processor: approved •••• 4242');
    expect(processor.received).toHaveLength(1);

    // The Secure data bar shows the outcome, with no button left.
    await scene.harness.clickRoomAction('room.secure-data', { user: scene.agent, room: chat });
    const bar = scene.harness.lastView(scene.agent.id);
    expect(JSON.stringify(bar.blocks)).toContain('Payment processor: approved •••• 4242');
    expect(buttonsOf(bar.blocks as unknown[]).map((b) => b.actionId)).toEqual(['secure-data.refresh']);
  });

  it('nobody views a relay-bound form: not the sender, another agent or a manager, and the app never asks the vault', async () => {
    const { chat, requestId } = await answered('pay_by_card', CARD.pan);
    const calls = scene.harness.world.httpExchanges.length;
    await scene.harness.blockAction({ actionId: 'request.view', value: requestId, user: scene.agent, room: chat });
    expect(lastNotice()).toBe('The card data of this form goes only to the payment processor: nobody can view it.');
    // A late doorbell may still read the state; nothing asks for a value or a viewer.
    const asked = () => scene.harness.world.httpExchanges.slice(calls).map((x) => x.url);
    expect(asked().filter((url) => /\/(otk|viewer|detokenize|relay)$/.test(url))).toEqual([]);
    await clickSend(chat, requestId, other);
    expect(lastNotice(other)).toBe('Only the agent who sent this form can send it to the payment processor.');
    // A manager allowed to view values gets no reason dialog for it: nobody views a relay-bound form.
    await scene.harness.blockAction({ actionId: 'request.view', value: requestId, user: manager, room: chat });
    expect(lastNotice(manager)).toBe(
      'The card data of this form goes only to the payment processor: nobody can view it.',
    );
    await scene.harness.jobsSettled();
    expect(asked().filter((url) => /\/(otk|viewer|detokenize|relay)$/.test(url))).toEqual([]);
  });

  it('a decline is final and keeps the decline code; no button is offered again', async () => {
    const { chat, requestId } = await answered('pay_by_card', DECLINED);
    await sendWithAmount(chat, requestId, '2500');
    expect(lastNotice()).toBe('"Pay by card" — payment processor: declined (generic_decline) •••• 0002');
    expect(lastNoticeButtons()).toEqual([]);
  });

  it('a processor that charged and then erred leaves "outcome unknown"; the retry resends the same request and charges once', async () => {
    const { chat, requestId } = await answered('pay_by_card', CARD.pan);
    const charges = processor.charges;
    processor.mode = 'charge_then_500';
    await sendWithAmount(chat, requestId, '1000');
    expect(lastNotice()).toBe(
      '"Pay by card" — payment processor: outcome unknown\nThe processor may have charged the card. Sending again first asks the processor what happened, so nothing is charged twice.',
    );
    expect(lastNoticeButtons()).toEqual(['request.send-to-processor']);
    expect(processor.charges).toBe(charges + 1);
    // No modal this time: the amount cannot change, or the processor would refuse the replay.
    const views = scene.harness.world.interactionsFor(scene.agent.id).length;
    await clickSend(chat, requestId);
    await scene.harness.jobsSettled();
    expect(scene.harness.world.interactionsFor(scene.agent.id).length).toBe(views);
    expect(lastNotice()).toBe('"Pay by card" — payment processor: approved •••• 4242');
    expect(processor.charges).toBe(charges + 1);
    const sends = processor.received.filter((r) => r.headers['idempotency-key'] === requestId);
    expect(sends).toHaveLength(2);
    expect(sends[1].body).toBe(sends[0].body);
  });

  it('a processor that erred before charging leaves "outcome unknown" too, and a retry charges once', async () => {
    const { chat, requestId } = await answered('pay_by_card', CARD.pan);
    const charges = processor.charges;
    processor.mode = 'error_500';
    await sendWithAmount(chat, requestId, '700');
    processor.mode = 'normal';
    expect(lastNotice()).toMatch(/^"Pay by card" — payment processor: outcome unknown\n/);
    await clickSend(chat, requestId);
    await scene.harness.jobsSettled();
    expect(lastNotice()).toBe('"Pay by card" — payment processor: approved •••• 4242');
    expect(processor.charges).toBe(charges + 1);
  });

  it('a send whose answer from the vault is lost after the charge leaves "outcome unknown", and a retry charges once', async () => {
    const { chat, requestId } = await answered('pay_by_card', CARD.pan);
    const charges = processor.charges;
    await clickSend(chat, requestId);
    const modal = scene.harness.lastView(scene.agent.id);
    // Only the send goes through a network that loses the vault's answer.
    const proxy = await answerLosingProxy(scene.vault.url);
    await scene.harness.setSetting('vault_url', proxy.url);
    try {
      await scene.harness.submitView(modal, scene.agent, { 'processor.param.0': '1200' });
      await scene.harness.jobsSettled();
    } finally {
      await scene.harness.setSetting('vault_url', scene.vault.url);
      await proxy.close();
    }
    expect(proxy.forwarded).toContain(`POST /v1/requests/${requestId}/relay`);
    expect(processor.charges).toBe(charges + 1);
    expect(lastNotice()).toMatch(/^"Pay by card" — payment processor: outcome unknown\n/);
    // The vault kept the processor's answer: the retry is told it, and nothing goes out again.
    const received = processor.received.length;
    await clickSend(chat, requestId);
    await scene.harness.jobsSettled();
    expect(lastNotice()).toBe('"Pay by card" — payment processor: approved •••• 4242');
    expect([processor.charges, processor.received.length]).toEqual([charges + 1, received]);
  });

  it('a send the vault refuses before sending (its relay removed) is told, and the agent may type the amount again', async () => {
    const { chat, requestId } = await answered('pay_by_card', CARD.pan);
    scene.vault.cli(['relay', 'remove', scene.vault.siteId, 'stripe']);
    const before = processor.received.length;
    try {
      await sendWithAmount(chat, requestId, '300');
      expect(lastNotice()).toBe(
        "The vault cannot send this to the processor: its relay is not configured, or a parameter is missing. Ask the vault's admin.",
      );
    } finally {
      setRelay();
    }
    expect(processor.received.length).toBe(before);
    // Nothing went out, so nothing binds the amount: the modal opens again.
    const views = scene.harness.world.interactionsFor(scene.agent.id).length;
    await sendWithAmount(chat, requestId, '350');
    expect(scene.harness.world.interactionsFor(scene.agent.id).length).toBeGreaterThan(views);
    expect(lastNotice()).toBe('"Pay by card" — payment processor: approved •••• 4242');
    expect(new URLSearchParams(processor.received[processor.received.length - 1].body).get('amount')).toBe('350');
  });

  it('a form the admin marked sendOnSubmit goes at once; a closed chat sends nothing more', async () => {
    await answered('pay_now', CARD.pan, /^"Pay the 5 euro fee" — payment processor: approved •••• 4242$/);
    expect(notificationTexts(scene, scene.agent)).toContain(
      'The visitor submitted "Pay the 5 euro fee". Sending it to the payment processor…',
    );
    expect(new URLSearchParams(processor.received[processor.received.length - 1].body).get('amount')).toBe('500');

    const open = await answered('pay_by_card', CARD.pan);
    await scene.harness.closeLivechatRoom(open.chat);
    const before = processor.received.length;
    await clickSend(open.chat, open.requestId);
    await scene.harness.jobsSettled();
    // Closing the chat forgot its requests in the app (and closed its session in the vault).
    expect(lastNotice()).toBe('This request is not known in this chat any more.');
    expect(processor.received.length).toBe(before);
  });

  it('an amount dialog sent after its chat closed is refused inside the dialog, and nothing goes out', async () => {
    const { chat, requestId } = await answered('pay_by_card', CARD.pan);
    await clickSend(chat, requestId);
    const modal = scene.harness.lastView(scene.agent.id);
    // Closed as the server sees it, before the app heard of it (its close event forgets the dialog).
    scene.harness.world.closeRoom(chat);
    const before = processor.received.length;
    const told = notificationTexts(scene, scene.agent).length;
    const response = await scene.harness.submitView(modal, scene.agent, { 'processor.param.0': '300' });
    await scene.harness.jobsSettled();
    expect(response).toMatchObject({
      type: 'errors',
      errors: {
        'processor.param.0': 'This chat is closed, so its card data can no longer be sent to the payment processor.',
      },
    });
    expect(notificationTexts(scene, scene.agent).length).toBe(told);
    expect(processor.received.length).toBe(before);
  });

  it('took every picture of this flow, and the agent guide shows exactly those', () => {
    expect([...screenshots.taken].sort()).toEqual([...PICTURES].sort());
    expect([...new Set(picturesShownIn('agent-guide.md', 'relay-'))].sort()).toEqual([...PICTURES].sort());
    for (const name of PICTURES) expect(fs.existsSync(path.join(DOCS_IMAGES, name))).toBe(true);
  });

  describe('the canary scan', () => {
    let places: Place[];

    beforeAll(() => {
      const { world } = scene.harness;
      places = [
        ...rocketChatSidePlaces(scene),
        { name: 'every private notice', content: JSON.stringify(world.notifications) },
        { name: 'every modal and bar', content: JSON.stringify(world.interactions) },
        { name: "the vault's own log", content: scene.vault.output },
        ...filesUnder(scene.vault.dataDir, 'vault data file'),
      ];
    });

    it('looked where the request went: the relay calls and their answers are among the places', () => {
      const relayCalls = places.filter((p) => /\/relay$/.test(p.name));
      expect(relayCalls.length).toBeGreaterThanOrEqual(5);
      expect(scan(relayCalls, [longCanary('last 4 in the answer', ['"last4":"4242"'])]).length).toBeGreaterThan(0);
    });

    it('finds the card number and the CVV in each request body the processor received, and nowhere else', () => {
      // 1 approved, 1 declined, 2 + 2 for the errors and their retries, 1 for a lost answer (its
      // retry is answered from the vault's record), 1 after a refusal, 1 on submit.
      expect(processor.received).toHaveLength(9);
      for (const [i, request] of processor.received.entries()) {
        const found = scan([{ name: `processor request #${i}`, content: request.body }], CANARIES).map((h) => h.canary);
        expect({ i, found: found.sort() }).toEqual({ i, found: ['CVV', 'card number'] });
      }
      expect(scan(places, CANARIES)).toEqual([]);
    });

    it('no tab saw a CSP violation or a script error', () => {
      expect(traces.flatMap((t) => [...t.cspViolations, ...t.scriptErrors])).toEqual([]);
    });
  });
});
