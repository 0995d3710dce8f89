/** Forgetting a room that is over: used by the close event and by the sweeper. */
import type { IPersistence } from '@rocket.chat/apps-engine/definition/accessors';

import type { Deps } from '../platform/deps';
import { removeRoomMaskingNotices } from '../persistence/masking-notices';
import { removeRoomRequests } from '../persistence/request-records';
import { removeRoomTakeNotice } from '../persistence/take-notices';
import { removeRoomViewContexts } from '../persistence/view-contexts';
import { readAppConfig } from '../settings/settings';
import { isVaultConfigured } from '../vault/vault-client';
import { loggableError } from '../vault/vault-call-error';
import { vaultClient, vaultConnection } from './send-context';

/**
 * Tells the vault the chat is over, so its links and OTKs die and its off-the-record data is
 * erased, then forgets the room. A vault that cannot be told is logged: its own TTLs still end
 * everything, and the app refuses to view anything of a closed room. Used by the close event and
 * by the sweeper, for closes the app never heard (disabled, restarting) and deleted rooms.
 */
export async function forgetRoom(deps: Deps, roomId: string): Promise<void> {
  const config = await readAppConfig(deps.read);
  if (isVaultConfigured(vaultConnection(config))) {
    try {
      await vaultClient(deps, config).closeSession(roomId);
    } catch (err) {
      deps.app.getLogger().warn({
        msg: 'The vault session of a closed room could not be closed; its TTLs will end it',
        roomId,
        error: loggableError(err),
      });
    }
  }
  await removeRoomData(deps.persis, roomId);
}

/** Removes everything the app keeps of a room: its request records, view contexts and notices. */
export async function removeRoomData(persis: IPersistence, roomId: string): Promise<void> {
  await removeRoomRequests(persis, roomId);
  await removeRoomViewContexts(persis, roomId);
  await removeRoomTakeNotice(persis, roomId);
  await removeRoomMaskingNotices(persis, roomId);
}
