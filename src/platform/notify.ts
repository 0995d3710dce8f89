/**
 * Messages the app itself writes, as its own bot user: private notices to one user
 * (`notifyUser`: shown to that user only and never stored, so the only place an ID&V answer or
 * an agent-only notice may go), and records posted in the room (stored: never a value in them).
 */
import type { IMessageBuilder } from '@rocket.chat/apps-engine/definition/accessors';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Deps } from './deps';

async function appMessage(deps: Deps, room: IRoom, text: string, blocks?: LayoutBlock[]): Promise<IMessageBuilder> {
  const builder = deps.modify.getCreator().startMessage().setRoom(room).setText(text).setGroupable(false);
  const appUser = await deps.read.getUserReader().getAppUser();
  if (appUser) {
    builder.setSender(appUser);
  }
  if (blocks && blocks.length > 0) {
    builder.setBlocks(blocks);
  }
  return builder;
}

export async function notifyPrivately(
  deps: Deps,
  user: IUser,
  room: IRoom,
  text: string,
  blocks?: LayoutBlock[],
): Promise<void> {
  await deps.modify.getNotifier().notifyUser(user, (await appMessage(deps, room, text, blocks)).getMessage());
}

/** A line in the room's history, e.g. "Visitor answered: • and •". */
export async function postRoomRecord(deps: Deps, room: IRoom, text: string): Promise<void> {
  await deps.modify.getCreator().finish(await appMessage(deps, room, text));
}
