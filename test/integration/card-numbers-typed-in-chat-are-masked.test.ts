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
});
