/** The association keys the app files its records under in app persistence. */
import { RocketChatAssociationModel, RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';

export function miscKey(id: string): RocketChatAssociationRecord {
  return new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, id);
}

export function roomKey(roomId: string): RocketChatAssociationRecord {
  return new RocketChatAssociationRecord(RocketChatAssociationModel.ROOM, roomId);
}
