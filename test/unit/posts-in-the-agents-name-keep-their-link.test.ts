import type { IMessageBuilder, IModify } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import { UserType } from '@rocket.chat/apps-engine/definition/users';

import { linkToKeep, postInUsersName } from '../../src/platform/own-posts';
import { maskMessage } from '../../src/redaction/message-masking';
import { builtinRules } from '../../src/redaction/rules';

const LINK = 'https://vault.example.com/f/4111111111111111';
const room = { id: 'room-1', type: RoomType.LIVE_CHAT, visitor: { id: 'visitor-1' } } as unknown as IMessage['room'];
const agent = { id: 'agent-1', type: UserType.USER } as IMessage['sender'];

/** Posts `text` in the agent's name; `duringFinish` runs where the server would run the hooks. */
async function post(text: string, duringFinish: () => void): Promise<void> {
  const builder = { getMessage: () => ({ room, sender: agent, text }) } as unknown as IMessageBuilder;
  const modify = {
    getCreator: () => ({
      finish: async () => {
        duringFinish();
        return 'message-1';
      },
    }),
  } as unknown as IModify;
  await postInUsersName(modify, builder, LINK);
}

describe("a post the app makes in the agent's name", () => {
  it('keeps its link whole while it is being saved, even after another app changed the rest of the text', async () => {
    let seen: Array<string | undefined> = [];
    await post(`Card 4111 1111 1111 1111? Open: ${LINK}`, () => {
      seen = [
        linkToKeep({ room, sender: agent, text: `Card 4111 1111 1111 1111? Open: ${LINK}` }),
        linkToKeep({ room, sender: agent, text: `Card 4111 1111 1111 1111? Open: ${LINK} [signed by another app]` }),
        linkToKeep({ room, sender: agent, text: 'a message without the link' }),
      ];
    });
    expect(seen).toEqual([LINK, LINK, undefined]);
    // Once saved, the link is nobody's to keep.
    expect(linkToKeep({ room, sender: agent, text: `Open: ${LINK}` })).toBeUndefined();
  });

  it('is masked around its link: the rest of the text as the agent wrote it, the link as it is', () => {
    const masked = maskMessage(
      { room, sender: agent, text: `Card 4111 1111 1111 1111? Open: ${LINK}` },
      builtinRules(['card']),
      'agent',
      LINK,
    );
    expect(masked.text).toBe(`Card •••• •••• •••• 1111? Open: ${LINK}`);
    expect(masked.hits).toEqual({ card: 1 });
  });
});
