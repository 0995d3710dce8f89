/**
 * SMS, WhatsApp, e-mail and API visitors see only a message's text, never its blocks: their
 * message carries the link in the text, with a line telling them not to answer in the chat, and
 * asks Rocket.Chat not to parse (preview) the URL. Web-widget visitors keep the link button only.
 * A visitor who answers a CVV form in the chat anyway has the code masked.
 */
import type { OmnichannelSource } from '@rocket.chat/apps-engine/definition/livechat/ILivechatRoom';

import type { Scene } from './scene';
import { lastMessageIn, sendForm, sendIdv, useScene, visitorLink } from './scene';

const IDV = { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '4' };

const TEXT_ONLY: Array<[string, OmnichannelSource]> = [
  ['SMS', { type: 'sms' } as OmnichannelSource],
  ['WhatsApp (an omnichannel app)', { type: 'app', id: 'whatsapp-app', alias: 'WhatsApp' } as OmnichannelSource],
  ['API', { type: 'api' } as OmnichannelSource],
  ['e-mail', { type: 'email' } as OmnichannelSource],
];

describe('visitors on text-only channels get the link in the text', () => {
  let scene: Scene;

  useScene((started) => {
    scene = started;
  });

  it.each(TEXT_ONLY)(
    '%s: ID&V question with the link in the text, a do-not-type line, no URL parsing',
    async (_name, source) => {
      const room = scene.harness.world.addLivechatRoom({ servedBy: scene.agent, source });
      await sendIdv(scene, IDV, scene.agent, room);
      const message = lastMessageIn(scene, room);
      const url = visitorLink(message);
      expect(message.text).toBe(
        `Please enter characters 2 and 4 of your PIN.\n\nOpen this secure link to answer: ${url}\n\nPlease do not type your answer in this chat.`,
      );
      expect(message.parseUrls).toBe(false);
    },
  );

  it('SMS: a secure form offer carries its link in the text too', async () => {
    const room = scene.harness.world.addLivechatRoom({
      servedBy: scene.agent,
      source: { type: 'sms' } as OmnichannelSource,
    });
    await sendForm(scene, 'ssn', scene.agent, room);
    const message = lastMessageIn(scene, room);
    expect(message.text).toContain(`Open this secure link to answer: ${visitorLink(message)}`);
    expect(message.text).toContain('Please do not type your answer in this chat.');
  });

  it('SMS: a visitor who types the code into the chat instead of the CVV form has it masked', async () => {
    const room = scene.harness.world.addLivechatRoom({
      servedBy: scene.agent,
      source: { type: 'sms' } as OmnichannelSource,
    });
    await sendForm(scene, 'cvv_only', scene.agent, room);
    const sender = scene.harness.world.visitorAsSender(room);
    expect((await scene.harness.sendMessage({ room, sender, text: 'its 737' })).text).toBe('its •••');
    // One answer: the next short number is left alone.
    expect((await scene.harness.sendMessage({ room, sender, text: 'ref 4410' })).text).toBe('ref 4410');
  });

  it("SMS: the masking reads the question the app posts in the agent's name, and keeps its link whole", async () => {
    const room = scene.harness.world.addLivechatRoom({
      servedBy: scene.agent,
      source: { type: 'sms' } as OmnichannelSource,
    });
    // An admin rule that matches the link's one-time key, and a custom label holding a card number.
    await scene.harness.setSetting('masking_rules', 'long-ids | mask | agent | [A-Za-z0-9_-]{20,}');
    try {
      await sendIdv(
        scene,
        { ...IDV, 'idv.secret-kind': 'custom', 'idv.custom-label': 'card 4111 1111 1111 1111' },
        scene.agent,
        room,
      );
    } finally {
      await scene.harness.setSetting('masking_rules', '');
    }
    const message = lastMessageIn(scene, room);
    const url = visitorLink(message);
    expect(message.text).toContain(`Open this secure link to answer: ${url}\n`);
    expect(message.text).toContain('card •••• •••• •••• 1111');
    expect(scene.harness.world.messageVersions.map((m) => m.text).join('\n')).not.toContain('4111 1111 1111 1111');
    // The app runtime logs what a hook answers: the link's one-time key must not be in it.
    expect(scene.harness.logText()).not.toContain(url.split('/').pop() as string);
  });

  it("checks the custom label as masked: one the admin's label makes too long is refused, nothing sent", async () => {
    const room = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    await scene.harness.setSetting(
      'masking_rules',
      'codes | label [a code the chat never shows you] | agent | C\\d{3}',
    );
    try {
      const { view, response } = await sendIdv(
        scene,
        { ...IDV, 'idv.secret-kind': 'custom', 'idv.custom-label': 'C123 C456' },
        scene.agent,
        room,
      );
      expect(response).toMatchObject({
        type: 'errors',
        viewId: view.id,
        errors: { 'idv.custom-label': expect.any(String) },
      });
    } finally {
      await scene.harness.setSetting('masking_rules', '');
    }
    expect(scene.harness.world.messagesIn(room.id)).toHaveLength(0);
  });

  it('web widget: the question alone in the text, the link only in the button', async () => {
    await sendIdv(scene, IDV);
    const message = lastMessageIn(scene);
    expect(message.text).toBe('Please enter characters 2 and 4 of your PIN.');
    expect(message.text).not.toContain(visitorLink(message));
    expect(message.parseUrls).toBe(false);
  });
});
