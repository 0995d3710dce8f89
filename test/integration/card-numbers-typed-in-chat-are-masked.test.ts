import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';

import { EngineHarness } from '../harness/engine';

describe('a card number typed into a livechat message', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.boot();
  });

  afterAll(async () => {
    await harness?.shutdown();
  });

  it('is masked before the message is saved', async () => {
    const agent = harness.world.addAgent('agent.mask');
    const room = harness.world.addLivechatRoom({ servedBy: agent });
    const saved = await harness.messageAboutToBeSent({
      room,
      sender: agent,
      text: 'Sure, my card is 4111 1111 1111 1111.',
    });
    expect(saved.text).toBe('Sure, my card is •••• •••• •••• 1111.');
  });

  it('is left alone outside livechat rooms, and other numbers are left alone', async () => {
    const user = harness.world.addUser({ username: 'someone' });
    const channel = harness.world.addChannel(user);
    expect(
      (await harness.messageAboutToBeSent({ room: channel, sender: user, text: 'test card 4111 1111 1111 1111' })).text,
    ).toBe('test card 4111 1111 1111 1111');
    const room = harness.world.addLivechatRoom({ servedBy: user });
    expect((await harness.messageAboutToBeSent({ room, sender: user, text: 'order 12345678' })).text).toBe(
      'order 12345678',
    );
  });

  it('costs the workspace one round trip into the app for a message with nothing to mask: the modify hook is skipped', async () => {
    const user = harness.world.addUser({ username: 'chatter' });
    const channel = harness.world.addChannel(user);
    const agent = harness.world.addAgent('agent.cheap');
    const room = harness.world.addLivechatRoom({ servedBy: agent });
    const calls = async (message: IMessage): Promise<string[]> => {
      const before = harness.logs.entries.length;
      await harness.messageAboutToBeSent(message);
      return harness.logs.entries
        .slice(before)
        .map((e) => e.method)
        .filter((m) => /PreMessageSentModify/.test(m));
    };
    const card = 'my card is 4111 1111 1111 1111';
    expect(await calls({ room: channel, sender: user, text: card })).toEqual(['app:checkPreMessageSentModify']);
    expect(await calls({ room, sender: agent, text: `order 12345678, ${'and a long story '.repeat(200)}` })).toEqual([
      'app:checkPreMessageSentModify',
    ]);
    expect(await calls({ room, sender: agent, text: 'almost a card: 4111 1111 1111 1112' })).toEqual([
      'app:checkPreMessageSentModify',
    ]);
    expect(await calls({ room, sender: agent, text: card })).toEqual([
      'app:checkPreMessageSentModify',
      'app:executePreMessageSentModify',
    ]);
  });
});
