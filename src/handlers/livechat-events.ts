/**
 * Livechat events: a closed room closes its vault session; every take of a chat (a transfer to an
 * agent or a department, a queue pick, a forward) tells the new agent what is pending.
 */
import type {
  ILivechatEventContext,
  ILivechatRoom,
  ILivechatTransferEventContext,
} from '@rocket.chat/apps-engine/definition/livechat';
import { LivechatTransferEventType } from '@rocket.chat/apps-engine/definition/livechat';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { translatorFor } from '../i18n/i18n';
import { runSerially } from '../lib/serial';
import { isFinalState } from '../persistence/record-states';
import { listRoomRequests } from '../persistence/request-records';
import { lastTakeNotice, saveTakeNotice } from '../persistence/take-notices';
import { forgetRoom } from '../requests/forget-room';
import { currentRoom } from '../requests/send-context';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';

export async function onLivechatRoomClosed(deps: Deps, room: ILivechatRoom): Promise<void> {
  if (!room || room.type !== RoomType.LIVE_CHAT) {
    return;
  }
  await forgetRoom(deps, room.id);
}

/**
 * The new agent learns privately what other agents sent and is still pending, and that only the
 * sender can view an answer. Once per take: the two events of one take find the notice given.
 */
async function onChatTaken(deps: Deps, roomId: string, agent: IUser): Promise<void> {
  await runSerially(`take:${roomId}`, async () => {
    const reader = deps.read.getPersistenceReader();
    const told = await lastTakeNotice(reader, roomId);
    if (told && told.agentId === agent.id) {
      return;
    }
    await saveTakeNotice(deps.persis, { roomId, agentId: agent.id, at: Date.now() });
    const others = (await listRoomRequests(reader, roomId)).filter((r) => r.agentId !== agent.id);
    const room = await currentRoom(deps, roomId);
    if (others.length === 0 || !room) {
      return;
    }
    const t = translatorFor(await localeForUser(deps.read, agent));
    const pending = others.filter((r) => !isFinalState(r.state)).length;
    await notifyPrivately(deps, agent, room, t('notify_take', { count: others.length, pending }));
  });
}

/**
 * A transfer to an agent tells that agent. A transfer to a department does nothing here: its take,
 * at once or from the queue later, fires IPostLivechatAgentAssigned, while this event may run
 * before Rocket.Chat has taken the chat from the agent who gave it away (`servedBy` still theirs).
 */
export async function onLivechatRoomTransferred(deps: Deps, context: ILivechatTransferEventContext): Promise<void> {
  if (context.room && context.type === LivechatTransferEventType.AGENT && context.to && (context.to as IUser).id) {
    await onChatTaken(deps, context.room.id, context.to as IUser);
  }
}

/** Every take: routing, a queue pick, a forward, and the take inside a transfer. */
export async function onLivechatAgentAssigned(deps: Deps, context: ILivechatEventContext): Promise<void> {
  if (context.room && context.agent) {
    await onChatTaken(deps, context.room.id, context.agent);
  }
}
