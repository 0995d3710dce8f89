/**
 * Who may do what, decided on the server for every call: the client's button filters and command
 * permissions are only hints. Pure functions over the room and user the server just read.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

export type AccessRefusal =
  'error_not_livechat' | 'error_room_closed' | 'error_not_serving_agent' | 'error_role_not_allowed';

export type AccessDecision = { allowed: true; room: ILivechatRoom } | { allowed: false; reason: AccessRefusal };

function isLivechat(room: IRoom | undefined): room is ILivechatRoom {
  return Boolean(room) && (room as IRoom).type === RoomType.LIVE_CHAT;
}

function holdsOneOf(user: IUser, roles: readonly string[]): boolean {
  return (user.roles || []).some((role) => roles.indexOf(role) >= 0);
}

/**
 * Sending ID&V or a secure form: an open livechat room, served by the caller, who holds one of the
 * allowed roles (an empty list allows any serving agent).
 */
export function decideSendAccess(room: IRoom | undefined, user: IUser, senderRoles: readonly string[]): AccessDecision {
  if (!isLivechat(room)) {
    return { allowed: false, reason: 'error_not_livechat' };
  }
  if (!room.isOpen) {
    return { allowed: false, reason: 'error_room_closed' };
  }
  if (!room.servedBy || room.servedBy.id !== user.id) {
    return { allowed: false, reason: 'error_not_serving_agent' };
  }
  if (senderRoles.length > 0 && !holdsOneOf(user, senderRoles)) {
    return { allowed: false, reason: 'error_role_not_allowed' };
  }
  return { allowed: true, room };
}

/**
 * Seeing the room's requests and their states (never values): the serving agent, or a manager
 * when the admin allows it. The room must be an open livechat room.
 */
export function decideListAccess(
  room: IRoom | undefined,
  user: IUser,
  managersMayView: boolean,
  managerRoles: readonly string[],
): AccessDecision {
  if (!isLivechat(room)) {
    return { allowed: false, reason: 'error_not_livechat' };
  }
  if (!room.isOpen) {
    return { allowed: false, reason: 'error_room_closed' };
  }
  const serving = Boolean(room.servedBy) && (room.servedBy as IUser).id === user.id;
  if (!serving && !(managersMayView && holdsOneOf(user, managerRoles))) {
    return { allowed: false, reason: 'error_not_serving_agent' };
  }
  return { allowed: true, room };
}
