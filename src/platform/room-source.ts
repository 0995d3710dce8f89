/**
 * Where a livechat visitor reads the chat. The web widget renders message blocks (link buttons);
 * SMS, WhatsApp, e-mail and API channels (`room.source.type`) carry only the message text.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';

/** True when the visitor's channel shows blocks. Rooms without a source predate sources: the widget. */
export function visitorSeesBlocks(room: Pick<ILivechatRoom, 'source'>): boolean {
  return !room.source || room.source.type === 'widget';
}
