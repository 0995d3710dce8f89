/**
 * Messages the app posts in a user's name: the visitor's question or form offer, sent as the
 * agent. Rocket.Chat runs every app's pre-message hooks on a message an app creates, this app's
 * own included, where such a post reads as the agent's words. The masking still reads them (the
 * agent wrote the question's custom label), but must keep the visitor's link whole: a rule that
 * matched part of the link in an SMS visitor's text would break it. The link is known here only
 * while the post's `finish()` runs: the server runs the hooks then, in the process that asked.
 */
import type { IMessageBuilder, IModify } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';

import { ShortMemory } from '../lib/short-memory';

/** Far longer than a post takes; an entry outlives its post only when the process stalls. */
const POSTING_WINDOW_MS = 60 * 1000;
const MAX_POSTING = 1000;

/** Links to keep whole, by room and text (the text holds a fresh one-time link: no one else types it). */
const posting = new ShortMemory<string>(POSTING_WINDOW_MS, MAX_POSTING);

const keyOf = (message: IMessage) => `${message.room.id}\n${message.text || ''}`;

/** Posts the message in its sender's name; this app's masking keeps `link` whole in it. */
export async function postInUsersName(modify: IModify, builder: IMessageBuilder, link: string): Promise<string> {
  const key = keyOf(builder.getMessage());
  posting.set(key, link, Date.now());
  try {
    return await modify.getCreator().finish(builder);
  } finally {
    posting.delete(key);
  }
}

/** The link to keep whole in a message this app is posting in a user's name right now. */
export function linkToKeep(message: IMessage): string | undefined {
  return message.room ? posting.get(keyOf(message), Date.now()) : undefined;
}
