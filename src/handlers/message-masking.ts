/**
 * Sensitive data typed into a livechat message is masked before Rocket.Chat saves it (a message
 * edited later keeps its original in the history, so masking afterwards would be too late), then
 * the visitor and the serving agent are told (src/redaction/masking-notices.ts). While the offline
 * form's messages go to a channel, the bot's posts outside livechat are masked as a visitor's
 * words, and nobody is told.
 *
 * Rocket.Chat runs these hooks for every message of the workspace, each as a round trip into the
 * app's process. The engine asks the check first and runs the modify hook only when it says yes:
 * the check answers no at once, reading nothing, for anything that is not a livechat message or
 * the bot's post, and otherwise says yes only when a rule fires (BENCHMARKS.md, "Message hooks",
 * has the figures).
 * A failing modify hook saves the message unmasked, so counting can never fail it.
 */
import type { IMessageBuilder, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ILivechatMessage, ILivechatRoom, IVisitor } from '@rocket.chat/apps-engine/definition/livechat';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';

import { addMaskingCounts } from '../persistence/masking-counts';
import type { AppRef, Deps } from '../platform/deps';
import { linkToKeep } from '../platform/own-posts';
import { maskingConfig } from '../redaction/masking-config';
import { firedRulesToTell, rememberRulesToTell, tellAboutMaskedMessage } from '../redaction/masking-notices';
import type { MessageMasking } from '../redaction/message-masking';
import {
  isBotPostOutsideLivechat,
  isLivechatMessage,
  maskedAuthorOf,
  maskingFired,
  maskMessage,
} from '../redaction/message-masking';
import { appliesTo } from '../redaction/rules';
import type { Author, RedactionRule } from '../redaction/rules';
import { asksForSecurityCode } from '../redaction/detectors';
import { foldText } from '../redaction/folded-text';
import {
  codeAsked,
  digitsToRemember,
  maskCodeAnswer,
  maskCompletedCard,
  recentDigits,
} from '../redaction/across-messages';

/** New messages or edits: only a new message may complete what the one before began. */
export type MessageEvent = 'sent' | 'updated';

function hasWords(message: IMessage): boolean {
  return (
    (typeof message.text === 'string' && message.text !== '') ||
    (Array.isArray(message.attachments) && message.attachments.length > 0) ||
    (Array.isArray(message.blocks) && message.blocks.length > 0)
  );
}

interface Masked {
  masking: MessageMasking;
  /** Remembers what a next message may complete, as this one is saved; only for a new message. */
  remember?: () => void;
}

/** Rocket.Chat's setting that posts the offline form's messages to a channel, as its bot. */
const OFFLINE_FORM_TO_CHANNEL = 'Livechat_OfflineMessageToChannel_enabled';

/**
 * Whose words the rules read the message as (`maskedAuthorOf`). The workspace's setting is read
 * only for the bot's posts outside livechat, which are rare; one the app cannot read counts as off.
 */
async function authorToMask(message: IMessage, read: IRead): Promise<Author | undefined> {
  if (!isBotPostOutsideLivechat(message)) return maskedAuthorOf(message, false);
  try {
    const on = await read.getEnvironmentReader().getServerSettings().getValueById(OFFLINE_FORM_TO_CHANNEL);
    return maskedAuthorOf(message, on === true);
  } catch {
    return undefined;
  }
}

const ruleOn = (rules: ReadonlyArray<RedactionRule>, id: string, author: 'visitor' | 'agent') =>
  rules.some((rule) => rule.id === id && appliesTo(rule, author));

/**
 * The rules' masking of a message; for a new one, also what it completes of the messages before
 * (across-messages.ts): a card number begun by its author, while the card rule is on; a visitor's
 * bare answer to a question for the security code, while the code rule is on.
 */
async function maskWithRules(message: IMessage, author: Author, read: IRead, event: MessageEvent): Promise<Masked> {
  const rules = (await maskingConfig(read)).rules;
  const masking = maskMessage(message, rules, author, linkToKeep(message));
  const text = message.text;
  // Only a chat's own messages join across messages (an offline form's post stands alone).
  if (event !== 'sent' || !isLivechatMessage(message) || typeof text !== 'string' || text === '') {
    return { masking };
  }
  const now = Date.now();
  const room = message.room.id;
  const digitsKey = `${room}:${author}`;
  const cards = ruleOn(rules, 'card', author);
  const codes = ruleOn(rules, 'cvv', 'visitor');
  const previous = (cards && recentDigits.get(digitsKey, now)) || [];
  const completed = maskCompletedCard(masking.text ?? text, previous);
  if (completed !== undefined) {
    masking.text = completed;
    masking.hits.card = (masking.hits.card || 0) + 1;
  }
  const answer =
    codes && author === 'visitor' && codeAsked.get(room, now) ? maskCodeAnswer(masking.text ?? text) : undefined;
  if (answer !== undefined) {
    masking.text = answer;
    masking.hits.cvv = (masking.hits.cvv || 0) + 1;
  }
  const saved = masking.text ?? text;
  const asks = codes && asksForSecurityCode(foldText(text).text);
  return {
    masking,
    remember: () => {
      const at = Date.now();
      const digits = cards ? digitsToRemember(saved, previous) : [];
      if (digits.length > 0) recentDigits.set(digitsKey, digits, at);
      else recentDigits.delete(digitsKey);
      // A visitor who gave a code, bare or named, has answered the question.
      if (asks) codeAsked.set(room, true, at);
      else if (author === 'visitor' && masking.hits.cvv) codeAsked.delete(room);
    },
  };
}

/**
 * The check before the modify hooks: cheap, and true only when a rule fires. A message it lets
 * through is saved as typed, so what a next message may complete is remembered here.
 */
export async function needsMasking(message: IMessage, read: IRead, event: MessageEvent): Promise<boolean> {
  // This app's own post in the agent's name was masked before it was posted (the agent's words in
  // it, idv-dialog.ts); the app runtime logs a modify hook's answer, which would hold its link.
  if (linkToKeep(message) !== undefined) return false;
  const author = await authorToMask(message, read);
  if (!author || !hasWords(message)) {
    return false;
  }
  const { masking, remember } = await maskWithRules(message, author, read, event);
  if (maskingFired(masking)) return true;
  if (remember) remember();
  return false;
}

/**
 * The message as the modify hook answers it. The app runtime writes each hook's answer to the app's
 * log, which Rocket.Chat keeps in its database, and a visitor's message carries the visitor's token
 * twice (its own `token` and its livechat room's visitor), a credential that lets whoever holds it
 * write and read as the visitor. Both are left out: Rocket.Chat reads only the room's id from the
 * answer and assigns the answer onto the message, so the saved message keeps its own token.
 */
function answerOf(message: IMessage): IMessage {
  const { token: _token, ...answer } = message as ILivechatMessage;
  const room = message.room as ILivechatRoom | undefined;
  if (!room || !room.visitor || room.visitor.token === undefined) return answer;
  const { token: _roomToken, ...visitor } = room.visitor;
  return { ...answer, room: { ...room, visitor: visitor as IVisitor } as ILivechatRoom };
}

/** The message as it may be saved: masked, remembered for the notices when a visitor wrote it, and counted. */
export async function maskBeforeSaving(
  app: AppRef,
  message: IMessage,
  builder: IMessageBuilder,
  read: IRead,
  persis: IPersistence,
  event: MessageEvent,
): Promise<IMessage> {
  const author = await authorToMask(message, read);
  if (!author || !hasWords(message)) {
    return answerOf(message);
  }
  const { masking, remember } = await maskWithRules(message, author, read, event);
  if (remember) remember();
  if (!maskingFired(masking)) {
    return answerOf(message);
  }
  if (masking.text !== undefined) {
    builder.setText(masking.text);
  }
  if (masking.attachments) {
    builder.setAttachments(masking.attachments);
  }
  if (masking.blocks) {
    builder.setBlocks(masking.blocks);
  }
  const fired = Object.keys(masking.hits);
  if (fired.length > 0 && author === 'visitor' && isLivechatMessage(message)) {
    rememberRulesToTell(message, masking.text ?? message.text ?? '', fired);
  }
  const roomId = message.room.id;
  if (masking.unfinished.length > 0) {
    app.getLogger().warn({
      msg: 'Masking rules ran out of their time budget on a message: what they had not reached was saved as typed',
      rules: masking.unfinished,
      roomId,
    });
  }
  const counts = { ...masking.hits };
  masking.unfinished.forEach((id) => (counts[`${id}:timed-out`] = 1));
  try {
    await addMaskingCounts(read.getPersistenceReader(), persis, roomId, counts);
  } catch (err) {
    app.getLogger().warn({ msg: 'A masked message could not be counted', roomId, error: String(err) });
  }
  return answerOf(builder.getMessage());
}

/** The check before the notices, after saving: only a visitor's message whose modify hook masked something. */
export function needsMaskingNotice(message: IMessage): boolean {
  return firedRulesToTell(message).length > 0;
}

export async function tellAboutMasking(deps: Deps, message: IMessage): Promise<void> {
  await tellAboutMaskedMessage(deps, message);
}
