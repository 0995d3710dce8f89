/**
 * The *Secure data* room action: the room's requests and their states. The bar opens at once from
 * the states the app holds (doorbells keep them current), as the client takes a view only within
 * 5 s of the click; then the app asks the vault about requests still open and stores what changed,
 * for the next look (*Refresh* is a new click, with a new trigger ID).
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { decideListAccess } from '../platform/access';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { translatorFor } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import { listRoomRequests, updateRequestRecord } from '../persistence/request-records';
import type { AppConfig } from '../settings/settings';
import { MANAGER_ROLES, readAppConfig } from '../settings/settings';
import { buildSecureDataBar } from '../ui/secure-data-bar';
import { currentRoom, vaultClient } from './send-context';
import { isFinalState, stateFromVault } from '../persistence/record-states';

/** Asks the vault about requests that are still open; a vault that does not answer leaves the stored state. */
async function refreshStates(
  deps: Deps,
  config: AppConfig,
  records: SecureRequestRecord[],
): Promise<SecureRequestRecord[]> {
  const vault = vaultClient(deps, config);
  return Promise.all(
    records.map(async (record) => {
      if (isFinalState(record.state)) {
        return record;
      }
      try {
        const state = await vault.getRequest(record.requestId);
        const next = stateFromVault(state.status, record);
        return next === record.state ? record : updateRequestRecord(deps.persis, record, { state: next });
      } catch {
        return record;
      }
    }),
  );
}

export async function showSecureData(
  deps: Deps,
  user: IUser,
  roomId: string | undefined,
  triggerId: string,
  mode: 'open' | 'update',
  interactionRoom?: IRoom,
): Promise<void> {
  const t = translatorFor(await localeForUser(deps.read, user));
  const config = await readAppConfig(deps.read);
  const room = await currentRoom(deps, roomId);
  // Managers allowed to view values may see the list they view from.
  const managersMayList = config.managersMayView || config.managersMayViewValues;
  const decision = decideListAccess(room, user, managersMayList, MANAGER_ROLES);
  if (!decision.allowed) {
    const where = interactionRoom || room;
    if (where) {
      await notifyPrivately(deps, user, where, t(decision.reason));
    }
    return;
  }
  const records = await listRoomRequests(deps.read.getPersistenceReader(), decision.room.id);
  const managerViews =
    config.managersMayViewValues && (user.roles || []).some((role) => MANAGER_ROLES.indexOf(role) >= 0);
  const view = buildSecureDataBar(deps.app.getID(), t, decision.room.id, records, user, managerViews);
  const ui = deps.modify.getUiController();
  await (mode === 'open'
    ? ui.openSurfaceView(view, { triggerId }, user)
    : ui.updateSurfaceView(view, { triggerId }, user));
  await refreshStates(deps, config, records);
}
