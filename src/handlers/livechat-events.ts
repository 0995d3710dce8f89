/** Livechat events: a closed room closes its vault session; a transferred room warns the new agent. */
import type { ILivechatRoom, ILivechatTransferEventContext } from '@rocket.chat/apps-engine/definition/livechat';
import { LivechatTransferEventType } from '@rocket.chat/apps-engine/definition/livechat';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { translatorFor } from '../i18n/i18n';
import { listRoomRequests, removeRoomRequests } from '../persistence/request-records';
import { removeRoomViewContexts } from '../persistence/view-contexts';
import { vaultClient, vaultConnection } from '../requests/send-context';
import { readAppConfig } from '../settings/settings';
import { isVaultConfigured } from '../vault/vault-client';
import { loggableError } from '../vault/vault-call-error';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';

/**
 * Tells the vault the chat is over, so its links and OTKs die and its off-the-record data is
 * erased, then forgets the room's requests. A vault that cannot be told is logged: its own TTLs
 * still end everything, and the app refuses to view anything of a closed room.
 */
export async function onLivechatRoomClosed(deps: Deps, room: ILivechatRoom): Promise<void> {
  if (!room || room.type !== RoomType.LIVE_CHAT) {
    return;
  }
  const config = await readAppConfig(deps.read);
  if (isVaultConfigured(vaultConnection(config))) {
    try {
      await vaultClient(deps, config).closeSession(room.id);
    } catch (err) {
      deps.app.getLogger().warn({
        msg: 'The vault session of a closed room could not be closed; its TTLs will end it',
        roomId: room.id,
        error: loggableError(err),
      });
    }
  }
  await removeRoomRequests(deps.persis, room.id);
  await removeRoomViewContexts(deps.persis, room.id);
}

/** The new agent learns privately that earlier secure data stays with the agent who asked for it. */
export async function onLivechatRoomTransferred(deps: Deps, context: ILivechatTransferEventContext): Promise<void> {
  if (context.type !== LivechatTransferEventType.AGENT || !context.room) {
    return;
  }
  const to = context.to as IUser;
  const earlier = (await listRoomRequests(deps.read.getPersistenceReader(), context.room.id)).filter(
    (r) => r.agentId !== to.id,
  );
  if (earlier.length === 0) {
    return;
  }
  const t = translatorFor(await localeForUser(deps.read, to));
  await notifyPrivately(deps, to, context.room, t('notify_transfer', { count: earlier.length }));
}
