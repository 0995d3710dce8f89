/**
 * Strict viewing on the app's side: ask the vault for a viewer link bound to one user and hand it
 * to that user in a private notice. The app never sees a value, and the link never reaches a
 * stored message, app persistence or a log (it is a bearer link for its first minute).
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Translator } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import type { Deps } from '../platform/deps';
import { notifyPrivately } from '../platform/notify';
import type { AppConfig } from '../settings/settings';
import { viewerLinkBlocks } from '../ui/viewer-link';
import type { ViewerPurpose } from '../vault/contract';
import { isVaultCallError, loggableError, vaultCallErrorMessageKey } from '../vault/vault-call-error';
import { vaultClient } from './send-context';

export interface ViewerLinkRequest {
  record: Pick<SecureRequestRecord, 'requestId' | 'title'>;
  room: IRoom;
  user: IUser;
  purpose: ViewerPurpose;
  /** A manager's reason, kept by the vault in its audit trail. */
  reason?: string;
}

/** True when it was handed over; otherwise the user was told why not. */
export async function handViewerLink(
  deps: Deps,
  config: AppConfig,
  t: Translator,
  request: ViewerLinkRequest,
): Promise<boolean> {
  const { record, room, user, purpose, reason } = request;
  let viewerUrl: string;
  try {
    ({ viewerUrl } = await vaultClient(deps, config).createViewer(record.requestId, {
      agentId: user.id,
      ...(purpose === 'manager' ? { purpose, reason } : {}),
    }));
  } catch (err) {
    deps.app
      .getLogger()
      .warn({ msg: 'Viewer link refused', requestId: record.requestId, purpose, error: loggableError(err) });
    const managerOff = purpose === 'manager' && isVaultCallError(err) && err.vaultCode === 'forbidden';
    await notifyPrivately(deps, user, room, t(managerOff ? 'error_manager_view_off' : vaultCallErrorMessageKey(err)));
    return false;
  }
  await notifyPrivately(
    deps,
    user,
    room,
    t('notify_viewer_link', { title: record.title }),
    viewerLinkBlocks(deps.app.getID(), t, record.requestId, viewerUrl),
  );
  deps.app.getLogger().info({ msg: 'Viewer link handed over', requestId: record.requestId, purpose });
  return true;
}
