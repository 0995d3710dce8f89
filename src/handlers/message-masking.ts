/**
 * Card numbers typed into a livechat message are masked before Rocket.Chat saves it: a message
 * edited later keeps its original in the history, so masking afterwards would be too late.
 */
import type { IMessageBuilder } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';

import { maskPans } from '../lib/pan';

export function needsPanMasking(message: IMessage): boolean {
  return (
    Boolean(message.room) &&
    message.room.type === RoomType.LIVE_CHAT &&
    typeof message.text === 'string' &&
    maskPans(message.text).masked > 0
  );
}

export function maskPansInMessage(message: IMessage, builder: IMessageBuilder): IMessage {
  if (!needsPanMasking(message)) {
    return message;
  }
  return builder.setText(maskPans(message.text as string).text).getMessage();
}
