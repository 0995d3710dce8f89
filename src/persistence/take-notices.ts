/**
 * Which agent the app last told about a chat's pending requests. One take of a chat can fire two
 * events (IPostLivechatAgentAssigned, then IPostLivechatRoomTransferred): the second finds the
 * same agent here and says nothing. No value, only IDs.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';

import { miscKey, roomKey } from './associations';

export interface TakeNotice {
  roomId: string;
  agentId: string;
  at: number;
}

const TAG = miscKey('take-notice');

export async function lastTakeNotice(reader: IPersistenceRead, roomId: string): Promise<TakeNotice | undefined> {
  const [found] = (await reader.readByAssociations([TAG, roomKey(roomId)])) as TakeNotice[];
  return found;
}

export async function saveTakeNotice(persis: IPersistence, notice: TakeNotice): Promise<void> {
  await persis.updateByAssociations([TAG, roomKey(notice.roomId)], notice, true);
}

export async function removeRoomTakeNotice(persis: IPersistence, roomId: string): Promise<void> {
  await persis.removeByAssociations([TAG, roomKey(roomId)]);
}

/** The rooms the app holds a take notice for (the sweeper's view). */
export async function roomsWithTakeNotices(reader: IPersistenceRead): Promise<string[]> {
  return ((await reader.readByAssociation(TAG)) as TakeNotice[]).map((n) => n.roomId);
}
