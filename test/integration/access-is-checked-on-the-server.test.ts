/**
 * Client-side filters are hints: every command and room action re-checks on the server that the
 * room is an open livechat room and the caller is its serving agent with an allowed role.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Scene } from './scene';
import { notificationTexts, useScene } from './scene';

type Trigger = (scene: Scene, user: IUser, room: IRoom) => Promise<unknown>;

const TRIGGERS: Array<[string, Trigger]> = [
  ['/idv', (scene, user, room) => scene.harness.runCommand('idv', { user, room })],
  ['/secure-form', (scene, user, room) => scene.harness.runCommand('secure-form', { user, room, params: ['ssn'] })],
  ['Verify identity', (scene, user, room) => scene.harness.clickRoomAction('room.verify-identity', { user, room })],
  ['Send secure form', (scene, user, room) => scene.harness.clickRoomAction('room.send-secure-form', { user, room })],
];

describe('who may send ID&V and secure forms', () => {
  let scene: Scene;

  useScene((started) => {
    scene = started;
  });

  /** Runs the trigger and returns what the user was told and whether a dialog opened. */
  async function attempt(trigger: Trigger, user: IUser, room: IRoom): Promise<{ told: string[]; opened: boolean }> {
    const toldBefore = notificationTexts(scene, user).length;
    const viewsBefore = scene.harness.world.interactionsFor(user.id).length;
    await trigger(scene, user, room);
    return {
      told: notificationTexts(scene, user).slice(toldBefore),
      opened: scene.harness.world.interactionsFor(user.id).length > viewsBefore,
    };
  }

  describe.each(TRIGGERS)('%s', (_name, trigger) => {
    it('works for the serving agent', async () => {
      expect(await attempt(trigger, scene.agent, scene.room)).toEqual({ told: [], opened: true });
    });

    it('is refused to another agent', async () => {
      const other = scene.harness.world.addAgent(`other.${Math.random().toString(36).slice(2, 7)}`);
      expect(await attempt(trigger, other, scene.room)).toEqual({
        told: ['Only the agent serving this chat can do this.'],
        opened: false,
      });
    });

    it('is refused to the visitor', async () => {
      const visitor = scene.harness.world.addUser({
        id: scene.room.visitor.id,
        username: scene.room.visitor.username,
        roles: ['livechat-guest'],
      });
      expect(await attempt(trigger, visitor, scene.room)).toEqual({
        told: ['Only the agent serving this chat can do this.'],
        opened: false,
      });
    });

    it('is refused outside livechat rooms', async () => {
      const channel = scene.harness.world.addChannel(scene.agent);
      expect(await attempt(trigger, scene.agent, channel)).toEqual({
        told: ['ID&V and secure forms work only in omnichannel (livechat) chats.'],
        opened: false,
      });
    });

    it('is refused in a closed chat', async () => {
      const closed = scene.harness.world.addLivechatRoom({ servedBy: scene.agent, isOpen: false });
      expect(await attempt(trigger, scene.agent, closed)).toEqual({ told: ['This chat is closed.'], opened: false });
    });

    it('is refused to a serving agent without an allowed role, in their language', async () => {
      const trainee = scene.harness.world.addUser({
        username: `trainee.${Math.random().toString(36).slice(2, 7)}`,
        roles: ['user'],
        settings: { preferences: { language: 'es' } },
      });
      const room = scene.harness.world.addLivechatRoom({ servedBy: trainee });
      expect(await attempt(trigger, trainee, room)).toEqual({
        told: ['Tu rol no permite enviar preguntas de ID&V ni formularios seguros. Pregunta a un administrador.'],
        opened: false,
      });
    });
  });

  it('trusts the room on the server, not the one in the interaction', async () => {
    const stale: ILivechatRoom = { ...scene.room, isOpen: true };
    scene.harness.world.closeRoom(scene.room);
    try {
      expect(await attempt(TRIGGERS[0][1], scene.agent, stale)).toEqual({
        told: ['This chat is closed.'],
        opened: false,
      });
    } finally {
      scene.harness.world.updateRoom(scene.room, { isOpen: true });
    }
  });

  it('re-checks on submit: a dialog opened before a transfer sends nothing, and says so in the dialog', async () => {
    const room = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    await scene.harness.runCommand('idv', { user: scene.agent, room });
    const view = scene.harness.lastView(scene.agent.id);
    await scene.harness.transferRoom(room, scene.agent, scene.harness.world.addAgent('new.owner'));
    const told = notificationTexts(scene, scene.agent).length;
    const response = await scene.harness.submitView(view, scene.agent, {
      'idv.secret-kind': 'pin',
      'idv.length': '4',
      'idv.first-position': '1',
      'idv.second-position': '3',
    });
    // In the dialog: a private notice to an agent no longer in the room would reach nobody.
    expect(response).toMatchObject({
      type: 'errors',
      errors: { 'idv.secret-kind': 'Only the agent serving this chat can do this.' },
    });
    expect(notificationTexts(scene, scene.agent).length).toBe(told);
    expect(scene.harness.world.messagesIn(room.id)).toEqual([]);
  });

  it.each([
    ['the close event', (room: ILivechatRoom) => scene.harness.closeLivechatRoom(room)],
    [
      'the sweep (a close the app never heard)',
      async (room: ILivechatRoom) => {
        scene.harness.world.closeRoom(room);
        await scene.harness.runRecurringJob('sweep-closed-rooms');
      },
    ],
  ])(
    'says in a dialog left open that its chat is closed, after %s, keeping nothing of the room',
    async (_by, close) => {
      const room = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
      await scene.harness.runCommand('secure-form', { user: scene.agent, room });
      const view = scene.harness.lastView(scene.agent.id);
      await close(room);
      const held = Array.from(scene.harness.world.persistence.values()).filter((r) =>
        JSON.stringify(r).includes(room.id),
      );
      expect(held).toEqual([]);
      const response = await scene.harness.submitView(view, scene.agent, { 'form.pick': 'ssn' });
      expect(response).toMatchObject({ type: 'errors', errors: { 'form.pick': 'This chat is closed.' } });
      expect(scene.harness.world.messagesIn(room.id)).toEqual([]);
    },
  );

  it('refuses a dialog submitted by someone other than who opened it', async () => {
    await scene.harness.runCommand('idv', { user: scene.agent, room: scene.room });
    const view = scene.harness.lastView(scene.agent.id);
    const response = await scene.harness.submitView(view, scene.harness.world.addAgent('intruder'), {
      'idv.secret-kind': 'pin',
      'idv.length': '4',
      'idv.first-position': '1',
      'idv.second-position': '3',
    });
    expect(response).toMatchObject({
      type: 'errors',
      errors: { 'idv.secret-kind': 'This dialog has expired. Close it and open it again.' },
    });
    expect(scene.harness.world.messagesIn(scene.room.id)).toEqual([]);
  });

  it("does nothing for a visitor's clicks in the widget", async () => {
    const before = {
      messages: scene.harness.world.messages.length,
      interactions: scene.harness.world.interactions.length,
    };
    await scene.harness.visitorBlockAction({
      room: scene.room,
      actionId: 'request.view',
      value: '00000000-0000-4000-8000-000000000000',
    });
    expect({
      messages: scene.harness.world.messages.length,
      interactions: scene.harness.world.interactions.length,
    }).toEqual(before);
  });

  describe('Secure data', () => {
    const open = (user: IUser, room: IRoom = scene.room) =>
      attempt((s, u, r) => s.harness.clickRoomAction('room.secure-data', { user: u, room: r }), user, room);

    it('opens for the serving agent', async () => {
      expect(await open(scene.agent)).toEqual({ told: [], opened: true });
      expect(scene.harness.lastView(scene.agent.id).type).toBe('contextualBar');
    });

    it('is refused to other agents, and to managers unless the admin allows it', async () => {
      const manager = scene.harness.world.addUser({ username: 'manager.mary', roles: ['user', 'livechat-manager'] });
      expect(await open(scene.harness.world.addAgent('other.bar'))).toEqual({
        told: ['Only the agent serving this chat can do this.'],
        opened: false,
      });
      expect(await open(manager)).toEqual({ told: ['Only the agent serving this chat can do this.'], opened: false });
      await scene.harness.setSetting('managers_may_view', true);
      try {
        expect(await open(manager)).toEqual({ told: [], opened: true });
      } finally {
        await scene.harness.setSetting('managers_may_view', false);
      }
    });
  });
});
