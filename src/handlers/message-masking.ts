/**
 * Card numbers typed into a livechat message are masked before Rocket.Chat saves it: a message
 * edited later keeps its original in the history, so masking afterwards would be too late.
 *
 * Rocket.Chat runs these hooks for every message of the workspace, each as a round trip into the
 * app's process. The engine asks the check first and runs the modify hook only when it says yes,
 * so the check answers no at once for anything that is not a livechat message holding a card
 * number (BENCHMARKS.md, "Message hooks", has the figures).
 */
import type { IMessageBuilder } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';

import { containsPan, maskPans } from '../lib/pan';

function isLivechatText(message: IMessage): message is IMessage & { text: string } {
  return Boolean(message.room) && message.room.type === RoomType.LIVE_CHAT && typeof message.text === 'string';
}

/** The check before the modify hook: cheap, and true only when there is something to mask. */
export function needsPanMasking(message: IMessage): boolean {
  return isLivechatText(message) && containsPan(message.text);
}

export function maskPansInMessage(message: IMessage, builder: IMessageBuilder): IMessage {
  if (!isLivechatText(message)) {
    return message;
  }
  const { text, masked } = maskPans(message.text);
  return masked > 0 ? builder.setText(text).getMessage() : message;
}
