/** What a click on a request's button (*View*, *Send to processor*) starts from, before any check. */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import { findRequestRecord } from '../persistence/request-records';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { currentRoom } from './send-context';

export interface RequestClick {
  /** Speaks the clicker's language. */
  t: Translator;
  /** The app's record of the request, when it still has one. */
  record?: SecureRequestRecord;
  /** The record's room as the server has it now, else the room the client named. */
  room?: IRoom;
  /** Tells the clicker privately why not (an i18n key): in the room clicked in, else the record's. */
  reply(key: string): Promise<void>;
}

export async function requestClick(
  deps: Deps,
  user: IUser,
  requestId: string | undefined,
  interactionRoom?: IRoom,
): Promise<RequestClick> {
  const t = translatorFor(await localeForUser(deps.read, user));
  const record = requestId ? await findRequestRecord(deps.read.getPersistenceReader(), requestId) : undefined;
  const room = record ? await currentRoom(deps, record.roomId) : interactionRoom;
  const reply = async (key: string) => {
    const where = interactionRoom || room;
    if (where) {
      await notifyPrivately(deps, user, where, t(key));
    }
  };
  return { t, record, room, reply };
}
