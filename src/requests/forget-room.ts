/** Forgetting a room that is over: used by the close event and by the sweeper. */
import type { Deps } from '../platform/deps';
import { removeRoomMaskingNotices } from '../persistence/masking-notices';
import { removeRoomRequests } from '../persistence/request-records';
import { removeRoomTakeNotice } from '../persistence/take-notices';
import { closeRoomViewContexts } from '../persistence/view-contexts';
import { readAppConfig } from '../settings/settings';
import { isVaultConfigured } from '../vault/vault-client';
import { loggableError } from '../vault/vault-call-error';
import { vaultClient, vaultConnection } from './send-context';

/**
 * Tells the vault the chat is over, so its links and OTKs die and its off-the-record data is
 * erased, then forgets the room. A vault that cannot be told is logged: its own TTLs still end
 * everything, and the app refuses to view anything of a closed room. Used by the close event and
 * by the sweeper, for closes the app never heard (disabled, restarting) and deleted rooms.
 *
 * A room Rocket.Chat deleted (an admin did, or a visitor's data removal, neither of which tells
 * apps) has its vault data erased instead: no one can view it any more, and its visitor may have
 * asked to be forgotten. The vault's audit names the app as who asked. Until the vault has
 * erased it, the room is remembered, so the next sweep tries again. Says whether it forgot the room.
 */
export async function forgetRoom(deps: Deps, roomId: string, deleted = false): Promise<boolean> {
  const config = await readAppConfig(deps.read);
  if (isVaultConfigured(vaultConnection(config))) {
    const vault = vaultClient(deps, config);
    try {
      if (deleted) await vault.eraseVisitor({ roomId, adminId: deps.app.getID() });
      else await vault.closeSession(roomId);
    } catch (err) {
      deps.app.getLogger().warn({
        msg: deleted
          ? "A deleted room's vault data could not be erased; the next sweep tries again"
          : 'The vault session of a closed room could not be closed; its TTLs will end it',
        roomId,
        error: loggableError(err),
      });
      if (deleted) return false;
    }
  }
  await removeRoomData(deps, roomId);
  return true;
}

/**
 * Removes everything the app keeps of a room: its request records, view contexts and notices. An
 * open dialog keeps only what tells its agent, on Send, that the chat is closed.
 */
export async function removeRoomData(deps: Deps, roomId: string): Promise<void> {
  const { persis } = deps;
  await removeRoomRequests(persis, roomId);
  await closeRoomViewContexts(deps.read.getPersistenceReader(), persis, roomId);
  await removeRoomTakeNotice(persis, roomId);
  await removeRoomMaskingNotices(persis, roomId);
}
