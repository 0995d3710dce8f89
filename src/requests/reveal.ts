/**
 * *View* / *Reveal*: only the request's sender, only while the chat is open. The app mints a
 * detokenize OTK for that agent, redeems it at once, and shows the values in a modal.
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';

import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { translatorFor } from '../i18n/i18n';
import { randomId } from '../lib/ids';
import { findRequestRecord, updateRequestRecord } from '../persistence/request-records';
import { readAppConfig } from '../settings/settings';
import { buildValuesModal } from '../ui/values-modal';
import { loggableError, vaultCallErrorMessageKey } from '../vault/vault-call-error';
import { currentRoom, vaultClient } from './send-context';

export async function revealRequest(
  deps: Deps,
  user: IUser,
  requestId: string | undefined,
  triggerId: string,
  interactionRoom?: IRoom,
): Promise<void> {
  const t = translatorFor(await localeForUser(deps.read, user));
  const logger = deps.app.getLogger();
  const record = requestId ? await findRequestRecord(deps.read.getPersistenceReader(), requestId) : undefined;
  const room = record ? await currentRoom(deps, record.roomId) : interactionRoom;
  const reply = async (key: string) => {
    const where = room || interactionRoom;
    if (where) {
      await notifyPrivately(deps, user, where, t(key));
    }
  };
  if (!record) {
    await reply('error_request_unknown');
    return;
  }
  if (record.agentId !== user.id) {
    logger.warn({ msg: 'View refused: not the sender', requestId: record.requestId, userId: user.id });
    await reply('error_not_sender');
    return;
  }
  if (!room || room.type !== RoomType.LIVE_CHAT || !(room as ILivechatRoom).isOpen) {
    await reply('error_view_room_closed');
    return;
  }

  const vault = vaultClient(deps, await readAppConfig(deps.read));
  let modal;
  try {
    const state = await vault.getRequest(record.requestId);
    const answer = await vault.revealValues(record.requestId, user.id);
    modal = buildValuesModal(deps.app.getID(), `values-${randomId()}`, t, record, state.fields || [], answer);
  } catch (err) {
    logger.warn({ msg: 'View failed', requestId: record.requestId, error: loggableError(err) });
    await reply(vaultCallErrorMessageKey(err));
    return;
  }
  await deps.modify.getUiController().openSurfaceView(modal, { triggerId }, user);
  await updateRequestRecord(deps.persis, record, { state: 'viewed', viewedAt: Date.now() });
}
