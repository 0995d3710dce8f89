/**
 * Sensitive data typed into a livechat, through the real Apps-Engine: each built-in detector and
 * admin rule masks before saving (messages, edits, attachment descriptions, both directions), the
 * visitor and the serving agent are told once per rule per chat with a one-click way to a secure
 * form, admins read counts (never contents), and a hostile admin pattern cannot hold a message up.
 */
import type { ILivechatMessage, ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { OmnichannelSource } from '@rocket.chat/apps-engine/definition/livechat/ILivechatRoom';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { StoredMessage } from '../harness/world';
import type { Scene } from './scene';
import { notificationTexts, startScene, stopScene } from './scene';

const CARD = '4111 1111 1111 1111';
const SSN = '123-45-6789';
const IBAN = 'DE89 3704 0044 0532 0130 00';
const EMAIL = 'ada.lovelace@example.com';
const PHONE = '+44 20 7946 0958';

const ADMIN_RULES = [
  '# id | replacement | directions | pattern',
  'account | last4 | both | ACC-\\d{4}-\\d{4}',
  'member | label [member ID] | visitor | M\\d{7}',
  'staff-code | mask | agent | STAFF-[A-Z]{3}\\d{3}',
].join('\n');

describe('sensitive data typed into a livechat', () => {
  let scene: Scene;
  let admin: IUser;

  beforeAll(async () => {
    scene = await startScene({ settings: { masking_rules: ADMIN_RULES } });
    admin = scene.harness.world.addUser({ username: 'admin.masking', roles: ['user', 'admin'] });
  });

  afterAll(async () => {
    await stopScene(scene);
  });

  /** A fresh chat served by the scene's agent, so "once per chat" starts over. */
  function newChat(): ILivechatRoom {
    return scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
  }

  function fromVisitor(room: ILivechatRoom, text: string, extra: Partial<IMessage> = {}): Promise<StoredMessage> {
    return scene.harness.visitorSends(room, text, extra);
  }

  function fromAgent(room: ILivechatRoom, text: string): Promise<StoredMessage> {
    return scene.harness.sendMessage({ room, sender: scene.agent, text });
  }

  /** Every version of every message ever saved, and everything the app stored: the value is in none. */
  function expectStoredNowhere(value: string): void {
    const versions = JSON.stringify(scene.harness.world.messageVersions);
    const stored = JSON.stringify(scene.harness.world.persistenceWrites);
    expect(versions.includes(value)).toBe(false);
    expect(stored.includes(value)).toBe(false);
    expect(scene.harness.logText().includes(value)).toBe(false);
  }

  function appMessagesIn(room: ILivechatRoom): string[] {
    return scene.harness.world
      .messagesIn(room.id)
      .filter((m) => m.sender.type === 'app')
      .map((m) => m.text || '');
  }

  it('masks card numbers, SSNs and IBANs by default, before the message is saved', async () => {
    const room = newChat();
    const saved = await fromVisitor(room, `card ${CARD}, ssn ${SSN}, iban ${IBAN}, mail ${EMAIL}, call ${PHONE}`);
    expect(saved.text).toBe(
      `card •••• •••• •••• 1111, ssn •••-••-6789, iban •••• •••• •••• •••• ••30 00, mail ${EMAIL}, call ${PHONE}`,
    );
    expectStoredNowhere(CARD);
    expectStoredNowhere(SSN);
    expectStoredNowhere(IBAN);
    // The app runtime logs the modify hook's answer: the visitor's token, a credential, is not in it,
    // and the saved message keeps its own (the server assigns the answer onto the message).
    expect(scene.harness.logText()).not.toContain(room.visitor.token);
    expect((saved as ILivechatMessage).token).toBe(room.visitor.token);
    expect(saved.room).toEqual(scene.harness.world.rooms.get(room.id));
    // Rocket.Chat refuses a message an app gave custom fields unless the workspace allows them.
    expect(saved.customFields).toBeUndefined();
  });

  it('masks a card security code said as such, whole, by default, and offers the agent the CVV form', async () => {
    const room = newChat();
    const before = scene.harness.world.notificationsFor(scene.agent.id).length;
    const saved = await fromVisitor(room, `card ${CARD} exp 04/29 CVV 739`);
    expect(saved.text).toBe('card •••• •••• •••• 1111 exp 04/29 CVV •••');
    const alone = await fromVisitor(room, 'sorry, the cvc is 4682');
    expect(alone.text).toBe('sorry, the cvc is ••••');
    expect((await fromVisitor(room, '5190 is the security code')).text).toBe('•••• is the security code');
    expectStoredNowhere('CVV 739');
    expectStoredNowhere('cvc is 4682');
    const told = scene.harness.world.notificationsFor(scene.agent.id).slice(before);
    expect(told.map((notice) => notice.message.text)).toEqual([
      'The visitor typed a card number into the chat; it was masked before the message was saved. Ask for it with a secure form instead.',
      'The visitor typed a card security code into the chat; it was masked before the message was saved. Ask for it with a secure form instead.',
    ]);
    expect(JSON.stringify(told[1].message.blocks)).toContain('"value":"cvv_only"');
    await scene.harness.setSetting('mask_cvv', false);
    try {
      expect((await fromVisitor(newChat(), 'cvv 739')).text).toBe('cvv 739');
    } finally {
      await scene.harness.setSetting('mask_cvv', true);
    }
  });

  it('masks the rest of a card number typed across messages, so the chat never holds it whole', async () => {
    const room = newChat();
    const before = scene.harness.world.notificationsFor(scene.agent.id).length;
    expect((await fromVisitor(room, 'my card is 4111 1111')).text).toBe('my card is 4111 1111');
    // The agent may speak in between; only the visitor's own messages join.
    await fromAgent(room, 'go on');
    expect((await fromVisitor(room, '1111 1111 and it expires 04/29')).text).toBe('•••• •••• and it expires 04/29');
    expectStoredNowhere('1111 1111 and');
    const told = scene.harness.world.notificationsFor(scene.agent.id).slice(before);
    expect(told.map((notice) => notice.message.text)).toEqual([
      'The visitor typed a card number into the chat; it was masked before the message was saved. Ask for it with a secure form instead.',
    ]);
    // In three messages, a digit group each.
    const other = newChat();
    for (const part of ['5555', '5555 5555']) expect((await fromVisitor(other, part)).text).toBe(part);
    expect((await fromVisitor(other, '4444')).text).toBe('••••');
    // Not joined: digits that make no card, another chat, an edit, or a message that ends in words.
    const third = newChat();
    await fromVisitor(third, 'order 4111 1111');
    expect((await fromVisitor(newChat(), '1111 1111')).text).toBe('1111 1111');
    expect((await fromVisitor(third, '1111 1112')).text).toBe('1111 1112');
    const typed = await fromVisitor(third, 'the card: 4111 1111');
    expect((await scene.harness.editMessage(typed, { text: '1111 1111' }, typed.sender)).text).toBe('1111 1111');
    await fromVisitor(third, '4111 1111 is what I have, and the rest is on the card at home');
    expect((await fromVisitor(third, '1111 1111')).text).toBe('1111 1111');
  });

  it('masks a bare security code that answers a question for it, once', async () => {
    const room = newChat();
    const before = scene.harness.world.notificationsFor(scene.agent.id).length;
    await fromAgent(room, 'Thanks. And the CVV on the back of the card?');
    expect((await fromVisitor(room, 'sure, 739')).text).toBe('sure, •••');
    expectStoredNowhere('sure, 739');
    // Answered: the next short number is the visitor's own business.
    expect((await fromVisitor(room, 'order 5543')).text).toBe('order 5543');
    expect(
      scene.harness.world
        .notificationsFor(scene.agent.id)
        .slice(before)
        .map((notice) => notice.message.text),
    ).toEqual([
      'The visitor typed a card security code into the chat; it was masked before the message was saved. Ask for it with a secure form instead.',
    ]);
    // The visitor may name it first; a number too long, or in a long message, is no bare code.
    const other = newChat();
    await fromVisitor(other, 'the security code is');
    expect((await fromVisitor(other, '12345')).text).toBe('12345');
    expect((await fromVisitor(other, '4321')).text).toBe('••••');
    await scene.harness.setSetting('mask_cvv', false);
    try {
      const off = newChat();
      await fromAgent(off, 'What is the CVV?');
      expect((await fromVisitor(off, '739')).text).toBe('739');
    } finally {
      await scene.harness.setSetting('mask_cvv', true);
    }
  });

  it('masks e-mail addresses and phone numbers once switched on, and stops masking a detector switched off', async () => {
    await scene.harness.setSetting('mask_email', true);
    await scene.harness.setSetting('mask_phone', true);
    await scene.harness.setSetting('mask_cards', false);
    try {
      const saved = await fromVisitor(newChat(), `mail ${EMAIL}, call ${PHONE}, card 5555 5555 5555 4444`);
      expect(saved.text).toBe('mail •••.••••••••@•••••••.•••, call +•• •• •••• 0958, card 5555 5555 5555 4444');
    } finally {
      await scene.harness.setSetting('mask_email', false);
      await scene.harness.setSetting('mask_phone', false);
      await scene.harness.setSetting('mask_cards', true);
    }
  });

  it("applies the admin's rules by direction, each with its replacement", async () => {
    const room = newChat();
    const byVisitor = await fromVisitor(room, 'ACC-1234-5678 M1234567 STAFF-ABC123');
    expect(byVisitor.text).toBe('•••-••••-5678 [member ID] STAFF-ABC123');
    const byAgent = await fromAgent(room, 'ACC-1234-5678 M1234567 STAFF-ABC123');
    expect(byAgent.text).toBe('•••-••••-5678 M1234567 •••••-••••••');
  });

  it('reads digits of every script, separators and line breaks', async () => {
    const room = newChat();
    const arabic = await fromVisitor(room, 'بطاقتي ٤١١١ ١١١١ ١١١١ ١١١١ شكرا');
    expect(arabic.text).toBe('بطاقتي •••• •••• •••• ١١١١ شكرا');
    const fullwidth = await fromVisitor(room, '４１１１－１１１１\n１１１１－１１１１');
    expect(fullwidth.text).toBe('••••－••••\n••••－１１１１');
    const rule = await fromVisitor(room, 'ACC-١٢٣٤-٥٦٧٨');
    expect(rule.text).toBe('•••-••••-٥٦٧٨');
  });

  it('masks edits before they are saved, so the history never holds the value', async () => {
    const room = newChat();
    const saved = await fromAgent(room, 'the number is coming');
    const edited = await scene.harness.editMessage(
      saved,
      { text: `the number is ${SSN.replace('6789', '6780')}` },
      scene.agent,
    );
    expect(edited.text).toBe('the number is •••-••-6780');
    expect(JSON.stringify(scene.harness.world.messageVersions)).not.toContain('123-45-6780');
    const typo = await fromVisitor(room, 'my ssn is below');
    const visitorEdit = await scene.harness.editMessage(typo, { text: `my ssn is ${SSN}` }, typo.sender);
    expect(visitorEdit.text).toBe('my ssn is •••-••-6789');
    expect(scene.harness.logText()).not.toContain(room.visitor.token);
    expect((visitorEdit as ILivechatMessage).token).toBe(room.visitor.token);
  });

  it("masks an e-mail inbox message's copies of the body and subject in its blocks, which agents read", async () => {
    const room = scene.harness.world.addLivechatRoom({
      servedBy: scene.agent,
      source: { type: 'email', id: 'inbox', alias: 'email-inbox' } as OmnichannelSource,
    });
    const body = `Hello, my card is ${CARD}`;
    // As Rocket.Chat's e-mail inbox builds the message (EmailInbox_Incoming.ts, onEmailReceived).
    const saved = await fromVisitor(room, body, {
      blocks: [
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: `**From:** Ada <${EMAIL}>\n**Subject:** card ${CARD}` }],
        },
        { type: 'section', text: { type: 'mrkdwn', text: body } },
      ] as IMessage['blocks'],
    });
    expect(saved.text).toBe('Hello, my card is •••• •••• •••• 1111');
    expect(JSON.stringify(saved.blocks)).not.toContain(CARD);
    expect(saved.blocks).toEqual([
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `**From:** Ada <${EMAIL}>\n**Subject:** card •••• •••• •••• 1111` }],
      },
      { type: 'section', text: { type: 'mrkdwn', text: 'Hello, my card is •••• •••• •••• 1111' } },
    ]);
    expectStoredNowhere(CARD);
  });

  it('masks attachment descriptions; the uploaded file itself is out of its reach', async () => {
    const room = newChat();
    const saved = await fromVisitor(room, '', {
      attachments: [
        { title: { value: 'photo.jpg' }, description: `my card ${CARD}`, imageUrl: '/file-upload/x/photo.jpg' },
      ],
    });
    expect(saved.attachments?.[0].description).toBe('my card •••• •••• •••• 1111');
    expect(saved.attachments?.[0].imageUrl).toBe('/file-upload/x/photo.jpg');
  });

  it('tells the visitor and the serving agent once per rule per chat, and the agent is one click from the form', async () => {
    const room = newChat();
    const before = notificationTexts(scene, scene.agent).length;
    await fromVisitor(room, `card ${CARD}`);
    await fromVisitor(room, 'again 5555 5555 5555 4444');
    await fromVisitor(room, `and ssn ${SSN}`);
    expect(appMessagesIn(room)).toEqual([
      "For your safety, we hid a card number in your message. Please don't type such details into the chat: your agent can send you a secure form instead.",
      "For your safety, we hid a social security number in your message. Please don't type such details into the chat: your agent can send you a secure form instead.",
    ]);
    const told = notificationTexts(scene, scene.agent).slice(before);
    expect(told).toEqual([
      'The visitor typed a card number into the chat; it was masked before the message was saved. Ask for it with a secure form instead.',
      'The visitor typed a social security number into the chat; it was masked before the message was saved. Ask for it with a secure form instead.',
    ]);
    // The agent's own messages tell nobody.
    await fromAgent(room, `test card ${'4000 0000 0000 0002'}`);
    expect(appMessagesIn(room)).toHaveLength(2);

    const notice = scene.harness.world.notificationsFor(scene.agent.id).slice(before)[0];
    const button = JSON.stringify(notice.message.blocks);
    expect(button).toContain('"actionId":"masking.send-form"');
    expect(button).toContain('"value":"card_payment"');
    await scene.harness.blockAction({ user: scene.agent, room, actionId: 'masking.send-form', value: 'card_payment' });
    const picker = JSON.stringify(scene.harness.lastView(scene.agent.id).blocks);
    expect(picker).toContain('"initialValue":"card_payment"');
  });

  it('tells only about a masked message that was saved: one the server refused after the hooks is never told', async () => {
    const room = newChat();
    // The hooks run and mask it, then the server saves nothing (as when another app's change is refused).
    await scene.harness.messageAboutToBeSent({
      room,
      sender: scene.harness.world.visitorAsSender(room),
      text: `card ${CARD}`,
    });
    await fromVisitor(room, 'hello there');
    expect(appMessagesIn(room)).toEqual([]);
    // The rule was not marked as told: a card the visitor does send is told about.
    await fromVisitor(room, `my card is ${CARD}`);
    expect(appMessagesIn(room)).toHaveLength(1);
  });

  it("tells about a masked message the server's bad-words filter changed after the hooks", async () => {
    const world = scene.harness.world;
    world.setServerSetting('Message_AllowBadWordsFilter', true);
    world.setServerSetting('Message_BadWordsFilterList', 'darn');
    try {
      const room = newChat();
      const before = world.notificationsFor(scene.agent.id).length;
      const saved = await fromVisitor(room, `darn, the card ${CARD} again`);
      // Saved masked, then filtered: the post hook sees a text the modify hook never returned.
      expect(saved.text).toBe('****, the card •••• •••• •••• 1111 again');
      expect(appMessagesIn(room)).toHaveLength(1);
      expect(world.notificationsFor(scene.agent.id).length).toBe(before + 1);
    } finally {
      world.setServerSetting('Message_AllowBadWordsFilter', false);
    }
  });

  it('tells the visitor in their language', async () => {
    await scene.harness.setSetting('visitor_language', 'es');
    try {
      const room = newChat();
      await fromVisitor(room, `mi tarjeta ${CARD}`);
      expect(appMessagesIn(room)).toEqual([
        'Por tu seguridad, hemos ocultado un dato (número de tarjeta) de tu mensaje. No escribas esos datos en el chat: tu agente puede enviarte un formulario seguro.',
      ]);
    } finally {
      await scene.harness.setSetting('visitor_language', '');
    }
  });

  it('gives admins counts per rule, room and day, never what was masked; others get nothing', async () => {
    const room = newChat();
    await fromVisitor(room, `${CARD} and 5555 5555 5555 4444 and ACC-1111-2222`);
    await fromAgent(room, 'STAFF-XYZ999');
    const records = Array.from(scene.harness.world.persistence.values())
      .map((r) => r.data as { day?: string; roomId?: string; counts?: Record<string, number> })
      .filter((d) => d.counts && d.roomId === room.id);
    expect(records).toHaveLength(1);
    expect(records[0].counts).toEqual({ card: 2, account: 1, 'staff-code': 1 });

    await scene.harness.runCommand('masking-counts', { user: admin, room, params: ['3'] });
    const report = notificationTexts(scene, admin).pop() as string;
    expect(report).toContain('last 3 days');
    expect(report).toContain(`chat ${room.id}: account 1, card 2, staff-code 1`);
    expect(report).not.toMatch(/4111|5555|ACC-|XYZ/);

    await scene.harness.runCommand('masking-counts', { user: scene.agent, room });
    expect(notificationTexts(scene, scene.agent).pop()).toBe('Only administrators can do this.');
  });

  it('tells an admin who asks for a number of days it cannot report, in their language', async () => {
    const room = newChat();
    await scene.harness.runCommand('masking-counts', { user: admin, room, params: ['365'] });
    expect(notificationTexts(scene, admin).pop()).toBe(
      'Give the number of days as a whole number from 1 to 90 (for example /masking-counts 7), or nothing for the last 7 days.',
    );
    const german = scene.harness.world.addUser({
      username: 'admin.de',
      roles: ['admin'],
      settings: { preferences: { language: 'de' } },
    });
    await scene.harness.runCommand('masking-counts', { user: german, room, params: ['sieben'] });
    expect(notificationTexts(scene, german).pop()).toBe(
      'Geben Sie die Anzahl der Tage als ganze Zahl von 1 bis 90 an (zum Beispiel /masking-counts 7) oder nichts für die letzten 7 Tage.',
    );
  });

  it('reports admin rules that cannot be used, and keeps the others working', async () => {
    await scene.harness.setSetting(
      'masking_rules',
      `${ADMIN_RULES}\nbroken | blur | both | X\\d+\nbad | mask | both | (a`,
    );
    try {
      expect(scene.harness.logText()).toContain('line 5: the replacement \\"blur\\" must be mask, last4 or label');
      expect(scene.harness.logText()).toContain('line 6: the pattern cannot be used: missing closing )');
      expect((await fromVisitor(newChat(), 'ACC-1234-5678')).text).toBe('•••-••••-5678');
      await scene.harness.runCommand('masking-counts', { user: admin, room: newChat() });
      expect(notificationTexts(scene, admin).pop()).toContain('line 6: the pattern cannot be used');
    } finally {
      await scene.harness.setSetting('masking_rules', ADMIN_RULES);
    }
  });

  it('cannot be slowed down by a catastrophic admin pattern', async () => {
    await scene.harness.setSetting(
      'masking_rules',
      ['nested | mask | both | (a+)+$', 'rescan | mask | both | x(.*y)?', 'wide | mask | both | \\p{L}{190}\\d'].join(
        '\n',
      ),
    );
    try {
      const room = newChat();
      const hostile = `${'a'.repeat(1500)}${'x'.repeat(1500)}${'é'.repeat(1970)} ${CARD}`;
      await fromAgent(room, 'warm-up');
      const started = Date.now();
      const saved = await fromAgent(room, hostile);
      const took = Date.now() - started;
      expect(saved.text?.endsWith('•••• •••• •••• 1111')).toBe(true);
      // The rules' time budget (25 ms) plus one scan under way, plus the round trips into the engine.
      expect(took).toBeLessThan(1500);
    } finally {
      await scene.harness.setSetting('masking_rules', ADMIN_RULES);
    }
  });

  it('leaves messages outside livechat alone', async () => {
    const channel = scene.harness.world.addChannel(scene.agent);
    const saved = await scene.harness.sendMessage({ room: channel, sender: scene.agent, text: `test card ${CARD}` });
    expect(saved.text).toBe(`test card ${CARD}`);
  });

  describe('the offline form (a message a visitor leaves while no agent is online)', () => {
    let channel: IRoom;

    beforeAll(() => {
      const world = scene.harness.world;
      channel = world.addChannel(scene.agent, 'offline-messages');
      world.setServerSetting('Livechat_display_offline_form', true);
      world.setServerSetting('Livechat_offline_email', 'support@example.com');
      world.setServerSetting('Livechat_OfflineMessageToChannel_enabled', true);
      world.setServerSetting('Livechat_OfflineMessageToChannel_channel_name', 'offline-messages');
    });

    afterAll(() => {
      scene.harness.world.setServerSetting('Livechat_OfflineMessageToChannel_enabled', false);
      scene.harness.world.setServerSetting('Livechat_webhook_on_offline_msg', false);
    });

    const lastEmail = () => scene.harness.world.outbound.filter((copy) => copy.via === 'email').pop();

    it("masks its e-mail, subject and all, and its post to a channel, as a visitor's words; nobody is told", async () => {
      const world = scene.harness.world;
      const before = world.notifications.length;
      const post = await scene.harness.leaveOfflineMessage({
        name: 'Ada',
        email: EMAIL,
        message: `${CARD} is my card,\nplease call back. member M1234567`,
      });
      const email = lastEmail();
      expect(email?.to).toBe('support@example.com');
      expect(email?.subject).toBe('Livechat offline message from Ada: •••• •••• •••• •••• ');
      expect(email?.body).toContain('<br>•••• •••• •••• 1111 is my card,<br>\nplease call back. member [member ID]');
      expect(email?.text).toContain('•••• •••• •••• 1111 is my card,');
      expect(JSON.stringify(email)).not.toContain(CARD);
      expect(JSON.stringify(email)).not.toContain('M1234567');
      expect(post?.room.id).toBe(channel.id);
      expect(post?.sender.id).toBe('rocket.cat');
      expect(post?.text).toContain('•••• •••• •••• 1111 is my card,');
      expect(JSON.stringify(world.messagesIn(channel.id))).not.toContain(CARD);
      // Nobody is told: a channel has no visitor, and no agent serves it.
      expect(world.notifications.length).toBe(before);
      expect(scene.harness.logText()).not.toContain(CARD);
    });

    it("leaves the bot's posts outside livechat alone while the offline form's messages go to no channel", async () => {
      const world = scene.harness.world;
      const post = { room: channel, sender: world.rocketCat(), text: `Order ref ${CARD}` };
      world.setServerSetting('Livechat_OfflineMessageToChannel_enabled', false);
      expect((await scene.harness.sendMessage(post)).text).toBe(`Order ref ${CARD}`);
      world.setServerSetting('Livechat_OfflineMessageToChannel_enabled', true);
      expect((await scene.harness.sendMessage(post)).text).toBe('Order ref •••• •••• •••• 1111');
    });

    it('finds a number the e-mail splits over lines, and cuts no digit of a number off the subject', async () => {
      await scene.harness.leaveOfflineMessage({
        name: 'Bo',
        email: EMAIL,
        message: 'card: 4111 1111\n1111 1111 thanks',
      });
      const email = lastEmail();
      expect(email?.body).toContain('card: •••• ••••<br>\n•••• 1111 thanks');
      expect(email?.subject).toBe('Livechat offline message from Bo: card: •••• ••••<br>\n');
      expect(JSON.stringify(email)).not.toMatch(/4111/);
    });

    it("leaves every other e-mail whole, and can mask nothing of the CRM webhook's copy", async () => {
      const reset = {
        to: 'agent@example.com',
        subject: 'Reset your password',
        html: `<p>Your code: 4111 1111 1111 1111</p>`,
      };
      expect(await scene.harness.sendEmail(reset)).toEqual(reset);
      // The app runtime logs a hook's result: the app answers nothing for an e-mail it leaves alone.
      expect(scene.harness.logText()).not.toContain('Reset your password');
      scene.harness.world.setServerSetting('Livechat_webhookUrl', 'https://crm.example.com/hook');
      scene.harness.world.setServerSetting('Livechat_webhook_on_offline_msg', true);
      await scene.harness.leaveOfflineMessage({ name: 'Cy', email: EMAIL, message: `card ${CARD}` });
      const webhook = scene.harness.world.outbound.filter((copy) => copy.via === 'webhook').pop();
      expect(webhook?.body).toContain(CARD);
    });

    it("reads nothing of the workspace's e-mail header, however large its logo", async () => {
      const header = `<img alt="logo" src="data:image/png;base64,${'4111111111111111'.repeat(20000)}">`;
      scene.harness.world.setServerSetting('Email_Header', header);
      try {
        await scene.harness.leaveOfflineMessage({ name: 'Ed', email: EMAIL, message: `card ${CARD}` });
        const email = lastEmail();
        expect(email?.body.startsWith(header)).toBe(true);
        expect(email?.body.slice(header.length)).not.toContain(CARD);
      } finally {
        scene.harness.world.setServerSetting('Email_Header', '');
      }
    });

    it('refuses one too long to mask in bounded time: the widget shows an error, and nothing is sent', async () => {
      const outbound = scene.harness.world.outbound.length;
      const messages = scene.harness.world.messages.length;
      const long = `${'1 '.repeat(40000)} ${CARD}`;
      await expect(scene.harness.leaveOfflineMessage({ name: 'Di', email: EMAIL, message: long })).rejects.toThrow(
        /too long to be checked for card data/,
      );
      expect(scene.harness.world.outbound.length).toBe(outbound);
      expect(scene.harness.world.messages.length).toBe(messages);
      expect(scene.harness.logText()).not.toContain(CARD);
    });
  });
});
