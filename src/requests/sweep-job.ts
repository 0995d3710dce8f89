/**
 * A recurring job that forgets rooms whose chat is closed or gone. The close event is missed when
 * the app is disabled or restarting, and deleting a room fires no event at all: without this,
 * their records would stay in app persistence for ever. It also drops masking counts past their
 * retention. The job carries no data.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IProcessor } from '@rocket.chat/apps-engine/definition/scheduler';

import { forgetRoom } from './forget-room';
import { recurringJob } from '../platform/jobs';
import type { AppRef, Deps } from '../platform/deps';
import { pruneMaskingCounts } from '../persistence/masking-counts';
import { roomsWithMaskingNotices } from '../persistence/masking-notices';
import { listAllRequests } from '../persistence/request-records';
import { roomsWithTakeNotices } from '../persistence/take-notices';
import { removeExpiredViewContexts, roomsWithViewContexts } from '../persistence/view-contexts';
import { currentRoom } from './send-context';

export const SWEEP_JOB_ID = 'sweep-closed-rooms';
export const SWEEP_INTERVAL = '15 minutes';

/** Returns the IDs of the rooms it forgot. */
export async function sweepClosedRooms(deps: Deps): Promise<string[]> {
  const reader = deps.read.getPersistenceReader();
  await removeExpiredViewContexts(reader, deps.persis);
  await pruneMaskingCounts(deps.persis);
  const roomIds = new Set<string>([
    ...(await listAllRequests(reader)).map((r) => r.roomId),
    ...(await roomsWithViewContexts(reader)),
    ...(await roomsWithTakeNotices(reader)),
    ...(await roomsWithMaskingNotices(reader)),
  ]);
  const forgotten: string[] = [];
  // Once the vault could not erase a deleted room's data, the others wait for the next sweep too,
  // instead of each waiting out the vault's timeout.
  let eraseFailed = false;
  for (const roomId of Array.from(roomIds)) {
    const room = (await currentRoom(deps, roomId)) as ILivechatRoom | undefined;
    // A closed room has no `open` at all (Rocket.Chat unsets it), so only `true` means open.
    if ((room && room.isOpen === true) || (!room && eraseFailed)) continue;
    if (await forgetRoom(deps, roomId, !room)) forgotten.push(roomId);
    else eraseFailed = true;
  }
  if (forgotten.length > 0) {
    deps.app.getLogger().info({ msg: 'Forgot closed or deleted rooms', count: forgotten.length });
  }
  return forgotten;
}

export function sweepJobProcessor(app: AppRef): IProcessor {
  return recurringJob(app, SWEEP_JOB_ID, SWEEP_INTERVAL, sweepClosedRooms);
}
