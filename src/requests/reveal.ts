/**
 * *View* / *Reveal*: only the request's sender, only while the chat is open. Strict viewing (the
 * default): the vault mints a viewer link for that agent and the app hands it over privately, so
 * no value crosses Rocket.Chat. In-chat viewing (an admin's choice): the app mints a detokenize
 * OTK for that agent, redeems it at once, and hands the values to that agent alone in a private
 * notice. No modal either way: the client drops a view that comes more than 5 s after the click,
 * and vault round trips may take longer; a notice has no deadline.
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';

import type { Deps } from '../platform/deps';
import { notifyPrivately } from '../platform/notify';
import type { SecureRequestRecord } from '../persistence/request-records';
import { updateRequestRecord } from '../persistence/request-records';
import type { AppConfig } from '../settings/settings';
import { readAppConfig } from '../settings/settings';
import { buildValuesBlocks } from '../ui/values-notice';
import { loggableError, vaultCallErrorMessageKey } from '../vault/vault-call-error';
import { requestClick } from './request-click';
import { vaultClient } from './send-context';
import { mayViewAsManager, openManagerReasonDialog } from './manager-view';
import { handViewerLink } from './viewer-link';

/** Whether this request's values go through the vault's viewer rather than through Rocket.Chat. */
export function viewsThroughVault(config: AppConfig, record: Pick<SecureRequestRecord, 'kind'>): boolean {
  return record.kind === 'idv' ? config.idvAnswerDelivery === 'viewer' : config.viewingMode === 'strict';
}

export async function revealRequest(
  deps: Deps,
  user: IUser,
  requestId: string | undefined,
  /** Only for a manager's reason dialog, which opens at once from what the app holds. */
  triggerId: string,
  interactionRoom?: IRoom,
): Promise<void> {
  const { t, record, room, reply } = await requestClick(deps, user, requestId, interactionRoom);
  const logger = deps.app.getLogger();
  if (!record) {
    await reply('error_request_unknown');
    return;
  }
  if (record.relay) {
    await reply('error_relay_bound'); // its card data goes only to the payment processor
    return;
  }
  const config = await readAppConfig(deps.read);
  if (record.agentId !== user.id) {
    if (mayViewAsManager(config, user, room, record)) {
      await openManagerReasonDialog(deps, config, t, user, room, record, triggerId);
      return;
    }
    logger.warn({ msg: 'View refused: not the sender', requestId: record.requestId, userId: user.id });
    await reply('error_not_sender');
    return;
  }
  if (!room || room.type !== RoomType.LIVE_CHAT || !(room as ILivechatRoom).isOpen) {
    await reply('error_view_room_closed');
    return;
  }

  if (viewsThroughVault(config, record)) {
    await handViewerLink(deps, config, t, { record, room, user, purpose: 'sender' });
    return;
  }
  const vault = vaultClient(deps, config);
  let blocks;
  try {
    const state = await vault.getRequest(record.requestId);
    const answer = await vault.revealValues(record.requestId, user.id);
    blocks = buildValuesBlocks(t, record, state.fields || [], answer);
  } catch (err) {
    logger.warn({ msg: 'View failed', requestId: record.requestId, error: loggableError(err) });
    await reply(vaultCallErrorMessageKey(err));
    return;
  }
  await notifyPrivately(deps, user, room, t('notify_values', { title: record.title }), blocks);
  await updateRequestRecord(deps.persis, record, { state: 'viewed', viewedAt: Date.now() });
}
