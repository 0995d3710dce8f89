import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { decideListAccess, decideSendAccess } from '../../src/platform/access';
import { MANAGER_ROLES } from '../../src/settings/settings';

const user = (id: string, roles: string[]) => ({ id, username: id, roles }) as IUser;
const agent = user('agent', ['user', 'livechat-agent']);
const room = (changes: Partial<ILivechatRoom> = {}) =>
  ({ id: 'r', type: RoomType.LIVE_CHAT, isOpen: true, servedBy: agent, ...changes }) as ILivechatRoom;

describe('decideSendAccess', () => {
  it('lets the serving agent with an allowed role send', () => {
    expect(decideSendAccess(room(), agent, ['livechat-agent'])).toEqual({ allowed: true, room: room() });
    expect(decideSendAccess(room(), agent, [])).toMatchObject({ allowed: true });
  });

  it('refuses, in this order: not livechat, closed, not serving, role', () => {
    expect(decideSendAccess(undefined, agent, [])).toEqual({ allowed: false, reason: 'error_not_livechat' });
    expect(decideSendAccess(room({ type: RoomType.CHANNEL }), agent, [])).toEqual({
      allowed: false,
      reason: 'error_not_livechat',
    });
    expect(decideSendAccess(room({ isOpen: false, servedBy: undefined }), agent, [])).toEqual({
      allowed: false,
      reason: 'error_room_closed',
    });
    expect(decideSendAccess(room({ servedBy: undefined }), agent, [])).toEqual({
      allowed: false,
      reason: 'error_not_serving_agent',
    });
    expect(decideSendAccess(room(), user('other', ['livechat-agent']), ['livechat-agent'])).toEqual({
      allowed: false,
      reason: 'error_not_serving_agent',
    });
    expect(decideSendAccess(room({ servedBy: user('t', ['user']) }), user('t', ['user']), ['livechat-agent'])).toEqual({
      allowed: false,
      reason: 'error_role_not_allowed',
    });
  });
});

describe('decideListAccess', () => {
  const manager = user('manager', ['livechat-manager']);

  it('lets managers see states only when the admin allows it', () => {
    expect(decideListAccess(room(), manager, false, MANAGER_ROLES)).toEqual({
      allowed: false,
      reason: 'error_not_serving_agent',
    });
    expect(decideListAccess(room(), manager, true, MANAGER_ROLES)).toMatchObject({ allowed: true });
    expect(decideListAccess(room(), user('other', ['livechat-agent']), true, MANAGER_ROLES)).toMatchObject({
      allowed: false,
    });
    expect(decideListAccess(room({ isOpen: false }), agent, true, MANAGER_ROLES)).toEqual({
      allowed: false,
      reason: 'error_room_closed',
    });
  });
});
