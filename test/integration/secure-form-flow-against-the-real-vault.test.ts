import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { httpJson, waitFor } from '../harness/http-json';
import type { Scene } from './scene';
import {
  lastMessageIn,
  notificationTexts,
  sendForm,
  shownValues,
  viewButtonValue,
  IN_CHAT_VIEWING,
  useScene,
  visitorLink,
  visitorOpens,
  visitorSubmits,
  waitForNotification,
  clickView,
} from './scene';

const CARD = { cardholder: 'Ada Lovelace', pan: '4111111111111111', expiry: '12/39', cvv: '737' };

describe('secure forms in the real Apps-Engine against the real vault', () => {
  let scene: Scene;
  let colleague: IUser;
  let requestId: string;

  useScene(
    (started) => {
      scene = started;
      colleague = scene.harness.world.addAgent('agent.jones');
    },
    { settings: IN_CHAT_VIEWING },
  );

  it('opens the picker with the asked-for form chosen, and wants a form chosen', async () => {
    await scene.harness.runCommand('secure-form', { user: scene.agent, room: scene.room, params: ['card_payment'] });
    const view = scene.harness.lastView(scene.agent.id);
    const select = (
      view.blocks as Array<{
        element?: { actionId?: string; initialValue?: string; options?: Array<{ value: string }> };
      }>
    ).find((b) => b.element?.actionId === 'form.pick')?.element;
    expect(select?.initialValue).toBe('card_payment');
    expect(select?.options?.map((o) => o.value)).toEqual(['card_payment', 'cvv_only', 'ssn', 'security_question']);
    const response = await scene.harness.submitView(view, scene.agent, {});
    expect(response).toMatchObject({ type: 'errors', viewId: view.id, errors: { 'form.pick': 'Choose a form.' } });
  });

  it('tells the agent privately about an unknown form ID', async () => {
    await scene.harness.runCommand('secure-form', { user: scene.agent, room: scene.room, params: ['passport'] });
    expect(notificationTexts(scene, scene.agent).pop()).toBe(
      'There is no secure form "passport". Available forms: card_payment, cvv_only, ssn, security_question.',
    );
  });

  it.each([
    ['a card number', '5555555555554444'],
    ['an IBAN', 'GB82WEST12345698765432'],
    ['an SSN written with underscores', '078_05_1120'],
    ['something no form id can be', 'pass<port>'],
  ])('does not repeat %s typed as the form ID', async (_what, typed) => {
    await scene.harness.runCommand('secure-form', { user: scene.agent, room: scene.room, params: [typed] });
    const told = notificationTexts(scene, scene.agent).pop();
    expect(told).toBe(
      'There is no secure form by that name. Available forms: card_payment, cvv_only, ssn, security_question.',
    );
  });

  it('sends the form, and records the submission in the room without a value', async () => {
    const { response } = await sendForm(scene, 'card_payment');
    expect(response).toMatchObject({ success: true });
    const message = lastMessageIn(scene);
    expect(message.text).toBe('Agent Smith sent you a secure form: Card payment');

    const page = await visitorOpens(visitorLink(message));
    expect(page.fields.map((f) => [f.id, f.label, f.offTheRecord])).toEqual([
      ['cardholder', 'Name on card', false],
      ['pan', 'Card number', false],
      ['expiry', 'Expiry date', false],
      ['cvv', 'Security code (CVV)', true],
    ]);
    await visitorSubmits(page, CARD);

    await waitForNotification(scene, scene.agent, /^The visitor submitted "Card payment"/);
    const record = await waitFor('the room record', () =>
      scene.harness.world.messagesIn(scene.room.id).find((m) => /^Visitor submitted/.test(m.text || '')),
    );
    expect(record.text).toBe('Visitor submitted the secure form "Card payment".');
    requestId = viewButtonValue(scene, scene.agent);
  });

  it("tells an agent who clicks another chat's request why not, in the chat they clicked in", async () => {
    const other = scene.harness.world.addAgent('agent.other');
    const theirs = scene.harness.world.addLivechatRoom({ servedBy: other });
    await clickView(scene, other, theirs, requestId);
    const notices = scene.harness.world.notificationsFor(other.id);
    expect(notices.map((n) => [n.roomId, n.message.text])).toEqual([
      [theirs.id, 'Only the agent who sent this request can view the answer.'],
    ]);
    expect(scene.harness.world.lostNotifications.filter((n) => n.userId === other.id)).toEqual([]);
  });

  it('shows the values to the sender only, with the CVV marked off the record', async () => {
    await clickView(scene, colleague, scene.room, requestId);
    expect(notificationTexts(scene, colleague)).toEqual(['Only the agent who sent this request can view the answer.']);
    expect(scene.harness.world.interactionsFor(colleague.id)).toEqual([]);

    await clickView(scene, scene.agent, scene.room, requestId);
    expect(shownValues(scene, scene.agent)).toEqual([
      ['Name on card', CARD.cardholder],
      ['Card number', CARD.pan],
      ['Expiry date', CARD.expiry],
      ['Security code (CVV) (off the record)', CARD.cvv],
    ]);
  });

  it("lists the room's requests in Secure data, with View for the sender only", async () => {
    await scene.harness.clickRoomAction('room.secure-data', { user: scene.agent, room: scene.room });
    const bar = scene.harness.lastView(scene.agent.id);
    expect(bar.type).toBe('contextualBar');
    const text = JSON.stringify(bar.blocks);
    expect(text).toContain('Card payment (secure form)\\nViewed · sent by @agent.smith');
    expect(text).toContain('"actionId":"request.view"');
    expect(text).not.toContain(CARD.pan);
  });

  it('never puts a value into a stored message, app persistence or the logs', () => {
    const durable = JSON.stringify({
      messages: scene.harness.world.messages,
      persistence: Array.from(scene.harness.world.persistence.values()),
    });
    const logs = scene.harness.logText();
    // The short CVV is looked for as a JSON string: as bare digits it turns up in timestamps.
    for (const secret of [CARD.pan, CARD.cardholder, `"${CARD.cvv}"`, scene.vault.apiKey]) {
      expect(durable).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    // The sender's own answer notice is the one place the values go (never stored by Rocket.Chat).
    const answerNotices = (n: { message: { text?: string } }) => /^The answer to /.test(n.message.text || '');
    const others = scene.harness.world.notifications.filter((n) => !answerNotices(n));
    expect(JSON.stringify(others)).not.toContain(CARD.pan);
    expect(scene.harness.world.notifications.filter(answerNotices).map((n) => n.userId)).toEqual(
      expect.arrayContaining([scene.agent.id]),
    );
    expect(scene.harness.world.notifications.filter((n) => answerNotices(n) && n.userId !== scene.agent.id)).toEqual(
      [],
    );
  });

  it('closes the vault session when the chat closes: nothing can be viewed any more', async () => {
    scene.room = await scene.harness.closeLivechatRoom(scene.room);
    expect(scene.harness.world.httpCalls).toContainEqual({
      method: 'POST',
      url: `${scene.vault.url}/v1/sessions/close`,
      status: 204,
    });

    const mint = await httpJson(
      'POST',
      `${scene.vault.url}/v1/requests/${requestId}/otk`,
      { agentId: scene.agent.id },
      { Authorization: `Bearer ${scene.vault.apiKey}` },
    );
    expect({ status: mint.status, body: mint.body }).toMatchObject({ status: 409 });
    expect(mint.body).toMatchObject({ error: { code: 'session_closed' } });

    const before = scene.harness.world.interactionsFor(scene.agent.id).length;
    await clickView(scene, scene.agent, scene.room, requestId);
    expect(scene.harness.world.interactionsFor(scene.agent.id)).toHaveLength(before);
    expect(
      Array.from(scene.harness.world.persistence.values()).filter((r) =>
        JSON.stringify(r.data).includes(scene.room.id),
      ),
    ).toEqual([]);
  });
});
