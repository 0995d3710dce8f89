/**
 * Masking applied to one livechat message before Rocket.Chat saves it: its text, the descriptions
 * (and texts) of its attachments and the texts in its blocks. The file of an upload is stored as
 * sent: a message hook sees only the message, never the file's bytes. Outside livechat, one kind
 * of message holds a visitor's words too: the offline form's post to a channel.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IMessage, IMessageAttachment } from '@rocket.chat/apps-engine/definition/messages';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import { UserType } from '@rocket.chat/apps-engine/definition/users';

import { redactText } from './redact';
import type { Author, RedactionRule } from './rules';

/** The cheap first question for every message of the workspace: no settings, no scan. */
export function isLivechatMessage(message: IMessage): boolean {
  return Boolean(message.room) && message.room.type === RoomType.LIVE_CHAT;
}

/** Rocket.Chat's own bot user's id: the server posts as it, e.g. the livechat offline form's messages. */
export const ROCKET_CAT_ID = 'rocket.cat';

/**
 * A message Rocket.Chat's bot posts outside livechat. When *Livechat_OfflineMessageToChannel_enabled*
 * is on, the server posts each message a visitor leaves in the offline form (no agent online) to
 * a channel this way (its `livechat.offlineMessage` callback), with the visitor's words as typed.
 */
export function isBotPostOutsideLivechat(message: IMessage): boolean {
  return Boolean(message.room) && message.room.type !== RoomType.LIVE_CHAT && message.sender?.id === ROCKET_CAT_ID;
}

/**
 * Who wrote the message: the room's visitor, or anyone else ("agent": agents, managers, bots).
 * Undefined for apps' own messages (this app's links carry one-time keys a rule must not touch).
 */
export function authorOf(message: IMessage): Author | undefined {
  const sender = message.sender;
  if (!sender || sender.type === UserType.APP) {
    return undefined;
  }
  const visitor = (message.room as ILivechatRoom).visitor;
  const byVisitor =
    Boolean(visitor) &&
    (sender.id === visitor.id || (Boolean(visitor.username) && sender.username === visitor.username));
  return byVisitor ? 'visitor' : 'agent';
}

/**
 * Whose words the rules read a message as: a livechat message's author; while the offline form's
 * messages go to a channel, the bot's posts outside livechat as a visitor's (one relays each such
 * message); any other message is left alone.
 */
export function maskedAuthorOf(message: IMessage, offlineFormToChannel: boolean): Author | undefined {
  if (isLivechatMessage(message)) return authorOf(message);
  return offlineFormToChannel && isBotPostOutsideLivechat(message) ? 'visitor' : undefined;
}

export interface MessageMasking {
  /** The masked text, when the text changed. */
  text?: string;
  /** The attachments with masked descriptions, when one changed. */
  attachments?: IMessageAttachment[];
  /** The blocks with masked texts, when one changed. */
  blocks?: IMessage['blocks'];
  hits: { [ruleId: string]: number };
  unfinished: string[];
}

function addCounts(into: { [id: string]: number }, from: { [id: string]: number }): void {
  for (const id of Object.keys(from)) {
    into[id] = (into[id] || 0) + from[id];
  }
}

/**
 * What the rules change in the message, read as `author`'s words (`maskedAuthorOf`).
 * `keep`, when given, stays whole in the text (the link in a post this app makes as the agent).
 */
export function maskMessage(
  message: IMessage,
  rules: ReadonlyArray<RedactionRule>,
  author: Author,
  keep?: string,
): MessageMasking {
  const result: MessageMasking = { hits: {}, unfinished: [] };
  const mask = (text: string): string => {
    const masked = redactText(text, rules, author);
    addCounts(result.hits, masked.hits);
    masked.unfinished.forEach((id) => result.unfinished.indexOf(id) < 0 && result.unfinished.push(id));
    return masked.text;
  };
  const maskKeeping = (text: string): string =>
    keep
      ? text
          .split(keep)
          .map((piece) => (piece === '' ? piece : mask(piece)))
          .join(keep)
      : mask(text);
  if (typeof message.text === 'string' && message.text !== '') {
    const text = maskKeeping(message.text);
    if (text !== message.text) {
      result.text = text;
    }
  }
  if (Array.isArray(message.attachments)) {
    let changed = false;
    const attachments = message.attachments.map((attachment) => {
      const copy: IMessageAttachment = { ...attachment };
      for (const key of ['description', 'text'] as const) {
        const value = attachment[key];
        if (typeof value === 'string' && value !== '') {
          copy[key] = mask(value);
          changed = changed || copy[key] !== value;
        }
      }
      return copy;
    });
    if (changed) {
      result.attachments = attachments;
    }
  }
  if (Array.isArray(message.blocks) && message.blocks.length > 0) {
    const blocks = maskBlockTexts(message.blocks, maskKeeping, 0) as IMessage['blocks'];
    if (JSON.stringify(blocks) !== JSON.stringify(message.blocks)) {
      result.blocks = blocks;
    }
  }
  return result;
}

/** Deeper than any UI Kit layout goes (block, element, option, text object). */
const MAX_BLOCK_DEPTH = 8;
const TEXT_OBJECT_TYPES = ['mrkdwn', 'plain_text'];

/**
 * A copy of a message's blocks with the text of every text object (`{ type: 'mrkdwn', text }`)
 * masked. Rocket.Chat's e-mail inbox gives each message a copy of its body, and the e-mail's
 * subject, in blocks: the agent sees those, not the message text.
 */
function maskBlockTexts(value: unknown, mask: (text: string) => string, depth: number): unknown {
  if (depth > MAX_BLOCK_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskBlockTexts(item, mask, depth + 1));
  const object = value as { [key: string]: unknown };
  const copy: { [key: string]: unknown } = {};
  for (const key of Object.keys(object)) {
    copy[key] = maskBlockTexts(object[key], mask, depth + 1);
  }
  if (TEXT_OBJECT_TYPES.indexOf(String(object.type)) >= 0 && typeof object.text === 'string' && object.text !== '') {
    copy.text = mask(object.text);
  }
  return copy;
}

/** Whether the masking found anything to change or to report. */
export function maskingFired(masking: MessageMasking): boolean {
  return Object.keys(masking.hits).length > 0 || masking.unfinished.length > 0;
}
