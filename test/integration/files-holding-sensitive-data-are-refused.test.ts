/**
 * Files uploaded to a livechat, through the real Apps-Engine's IPreFileUpload: a file whose name
 * or text holds what the masking rules find is refused before Rocket.Chat stores it, with the
 * reason; the visitor is told in the room and the agent privately; admins count it. Other files,
 * other rooms and rules switched off pass as they are.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { EngineHarness, UploadRefused } from '../harness/engine';

const CARD = '4111 1111 1111 1111';
const PNG_HEADER = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('files uploaded to a livechat', () => {
  let harness: EngineHarness;
  let agent: IUser;

  beforeAll(async () => {
    harness = await EngineHarness.boot({
      settings: { masking_rules: 'member | label [member ID] | visitor | M\\d{7}' },
    });
    agent = harness.world.addAgent('agent.files', { name: 'Agent Files' });
  });

  afterAll(async () => {
    await harness.shutdown();
  });

  function newChat(): ILivechatRoom {
    return harness.world.addLivechatRoom({ servedBy: agent });
  }

  function upload(room: ILivechatRoom, name: string, content: Buffer | string, by: IUser | 'visitor' = 'visitor') {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    return harness.uploadFile({ room, by, name, type: 'text/plain', content: bytes });
  }

  async function refusal(attempt: Promise<unknown>): Promise<string> {
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UploadRefused);
    return (err as Error).message;
  }

  function appLinesIn(room: ILivechatRoom): string[] {
    return harness.world
      .messagesIn(room.id)
      .filter((m) => m.sender.type === 'app')
      .map((m) => m.text || '');
  }

  function countsOf(room: ILivechatRoom): Record<string, number> | undefined {
    const record = Array.from(harness.world.persistence.values())
      .map((r) => r.data as { roomId?: string; counts?: Record<string, number> })
      .find((d) => d.counts && d.roomId === room.id);
    return record && record.counts;
  }

  it("refuses a visitor's text file holding a card number, stores nothing, and tells the room why", async () => {
    const room = newChat();
    const uploadsBefore = harness.world.uploads.length;
    const before = harness.world.notificationsFor(agent.id).length;
    const reason = await refusal(upload(room, 'order.csv', `name;card\nAda;${CARD}\n`));
    const told =
      "A file was not accepted: its name or text seems to hold a card number. Please don't send such details in the chat: your agent can send you a secure form instead.";
    expect(reason).toBe(told);
    expect(harness.world.uploads.length).toBe(uploadsBefore);
    expect(harness.world.messagesIn(room.id).filter((m) => m.file)).toEqual([]);
    // Rocket.Chat's widget shows only that the upload failed: the room says why.
    expect(appLinesIn(room)).toEqual([told]);
    const notices = harness.world.notificationsFor(agent.id).slice(before);
    expect(notices.map((n) => n.message.text)).toEqual([
      'The visitor tried to send a file whose name or text seems to hold a card number; it was refused before Rocket.Chat stored it. Ask for it with a secure form instead.',
    ]);
    expect(JSON.stringify(notices[0].message.blocks)).toContain('"value":"card_payment"');
    expect(countsOf(room)).toEqual({ 'card:file-refused': 1 });
    expect(harness.world.everythingRecorded()).not.toContain(CARD);
    expect(JSON.stringify(harness.world.persistenceWrites)).not.toContain(CARD);
    expect(harness.logText()).not.toContain(CARD);
    // Told at every refusal: the visitor who tries again learns why again.
    await refusal(upload(room, 'order.csv', `Ada;${CARD}`));
    expect(appLinesIn(room)).toEqual([told, told]);
  });

  it('refuses a picture whose name holds a card number, and reads text in UTF-16 and in old Windows encodings', async () => {
    const room = newChat();
    const picture = Buffer.concat([PNG_HEADER, Buffer.alloc(64)]);
    await refusal(
      harness.uploadFile({ room, by: 'visitor', name: `${CARD}.png`, type: 'image/png', content: picture }),
    );
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('SSN: 123-45-6789\r\n', 'utf16le')]);
    expect(await refusal(upload(room, 'notes.txt', utf16))).toContain('social security number');
    const windows1252 = Buffer.from(`Müller;${CARD}\r\n`, 'latin1');
    await refusal(upload(room, 'export.csv', windows1252));
    expect(countsOf(room)).toEqual({ 'card:file-refused': 2, 'ssn:file-refused': 1 });
  });

  it('stores other files as sent, and masks what their message says', async () => {
    const room = newChat();
    const saved = await harness.uploadFile({
      room,
      by: 'visitor',
      name: 'receipt.txt',
      type: 'text/plain',
      content: Buffer.from('order 12345, paid 19.99 EUR on 2024-12-03\n'),
      description: `paid with ${CARD}`,
    });
    expect(saved.file && saved.file.name).toBe('receipt.txt');
    expect((saved.attachments || [])[0].description).toBe('paid with •••• •••• •••• 1111');
    expect(harness.world.uploads.map((u) => u.name)).toContain('receipt.txt');
    // A binary file cannot be read here: what it holds passes, as a picture of a card would.
    const binary = Buffer.concat([PNG_HEADER, Buffer.from(CARD), Buffer.alloc(8)]);
    await harness.uploadFile({ room, by: 'visitor', name: 'scan.png', type: 'image/png', content: binary });
    expect(harness.world.uploads.map((u) => u.name)).toContain('scan.png');
  });

  it("refuses an agent's file with the agent's reason and tells nobody else; the rules' directions hold", async () => {
    const room = newChat();
    const before = harness.world.notificationsFor(agent.id).length;
    expect(await refusal(upload(room, 'card.txt', CARD, agent))).toBe(
      'This file was not accepted: its name or text seems to hold a card number, which must not be stored in the chat.',
    );
    expect(appLinesIn(room)).toEqual([]);
    expect(harness.world.notificationsFor(agent.id).length).toBe(before);
    // The admin's "member" rule reads visitors' words only.
    await upload(room, 'member.txt', 'member M1234567', agent);
    await refusal(upload(room, 'member.txt', 'member M1234567'));
    expect(countsOf(room)).toEqual({ 'card:file-refused': 1, 'member:file-refused': 1 });
  });

  it('leaves files in other rooms alone, and passes them once the rule is switched off', async () => {
    const channel = harness.world.addChannel(agent);
    await harness.uploadFile({
      room: channel,
      by: agent,
      name: 'card.txt',
      type: 'text/plain',
      content: Buffer.from(CARD),
    });
    await harness.setSetting('mask_cards', false);
    try {
      const room = newChat();
      await upload(room, `${CARD}.txt`, CARD);
      expect(countsOf(room)).toBeUndefined();
    } finally {
      await harness.setSetting('mask_cards', true);
    }
  });

  it('still refuses, without a word in the room, when the masking notices are off', async () => {
    await harness.setSetting('masking_notices', false);
    try {
      const room = newChat();
      const before = harness.world.notificationsFor(agent.id).length;
      await refusal(upload(room, 'card.txt', CARD));
      expect(appLinesIn(room)).toEqual([]);
      expect(harness.world.notificationsFor(agent.id).length).toBe(before);
    } finally {
      await harness.setSetting('masking_notices', true);
    }
  });
});
