/**
 * Which masking rules a chat's visitor and agent have already been told about: at most one notice
 * per rule per chat. Only the room's ID and rule IDs, never what was masked.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';

import { miscKey, roomKey } from './associations';

export interface MaskingNotices {
  roomId: string;
  ruleIds: string[];
}

const TAG = miscKey('masking-notices');

export async function noticedRules(reader: IPersistenceRead, roomId: string): Promise<string[]> {
  const [found] = (await reader.readByAssociations([TAG, roomKey(roomId)])) as MaskingNotices[];
  return found ? found.ruleIds : [];
}

export async function saveNoticedRules(persis: IPersistence, roomId: string, ruleIds: string[]): Promise<void> {
  const record: MaskingNotices = { roomId, ruleIds };
  await persis.updateByAssociations([TAG, roomKey(roomId)], record, true);
}

export async function removeRoomMaskingNotices(persis: IPersistence, roomId: string): Promise<void> {
  await persis.removeByAssociations([TAG, roomKey(roomId)]);
}

/** The rooms the app holds notice marks for (the sweeper's view). */
export async function roomsWithMaskingNotices(reader: IPersistenceRead): Promise<string[]> {
  return ((await reader.readByAssociation(TAG)) as MaskingNotices[]).map((n) => n.roomId);
}
