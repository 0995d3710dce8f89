/**
 * Messages the app posts in a user's name: the visitor's question or form offer, sent as the
 * agent. Rocket.Chat runs every app's pre-message hooks on a message an app creates, this app's
 * own included, where such a post reads as the agent's words. The masking's check leaves such a
 * post alone: the app masked the agent's words in it first, and the app runtime logs a modify
 * hook's answer, which would hold the visitor's link. Should a modify hook read one anyway, it
 * keeps the link whole: a rule that matched part of it in an SMS visitor's text would break it.
 * The link is known here only while the post's `finish()` runs: the server runs the hooks then,
 * in the process that asked.
 */
import type { IMessageBuilder, IModify } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';

import { ShortMemory } from '../lib/short-memory';

/** Far longer than a post takes; an entry outlives its post only when the process stalls. */
const POSTING_WINDOW_MS = 60 * 1000;
const MAX_ROOMS_POSTING = 1000;

/**
 * The links of posts under way, per room. Found in the text the hook sees, not by the whole text:
 * another app's hook may have changed the rest first (each app gets the message as the last left it).
 */
const posting = new ShortMemory<string[]>(POSTING_WINDOW_MS, MAX_ROOMS_POSTING);

/** Posts the message in its sender's name; this app's masking keeps `link` whole in it. */
export async function postInUsersName(modify: IModify, builder: IMessageBuilder, link: string): Promise<string> {
  const roomId = builder.getMessage().room.id;
  posting.set(roomId, [...(posting.get(roomId, Date.now()) || []), link], Date.now());
  try {
    return await modify.getCreator().finish(builder);
  } finally {
    const left = (posting.get(roomId, Date.now()) || []).filter((other) => other !== link);
    if (left.length > 0) posting.set(roomId, left, Date.now());
    else posting.delete(roomId);
  }
}

/** The link to keep whole in a message this app is posting in a user's name right now. */
export function linkToKeep(message: IMessage): string | undefined {
  const text = message.text || '';
  const links = (message.room && posting.get(message.room.id, Date.now())) || [];
  return links.find((link) => link !== '' && text.includes(link));
}
