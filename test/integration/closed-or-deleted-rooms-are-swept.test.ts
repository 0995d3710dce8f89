/**
 * A close the app never heard (it was disabled or restarting) and a deleted room (Rocket.Chat
 * fires nothing) leave records behind; the recurring sweep forgets them and closes their vault
 * sessions, and leaves open chats alone. Its job carries no data.
 */
import type { Scene } from './scene';
import { lastMessageIn, sendForm, useScene } from './scene';
import { callVaultApi, requestIdOf } from '../e2e/stage';

describe('closed or deleted rooms are swept', () => {
  let scene: Scene;

  useScene((started) => {
    scene = started;
  });

  const heldFor = (roomId: string) =>
    Array.from(scene.harness.world.persistence.values()).filter((r) => JSON.stringify(r.data).includes(roomId));

  it('is scheduled as a recurring job with no data', () => {
    const sweep = scene.harness.bridges.schedulerBridge
      .recurringJobs()
      .find((j) => j.id.startsWith('sweep-closed-rooms'));
    expect(sweep).toMatchObject({ kind: 'recurring', interval: '15 minutes' });
    expect(sweep?.data).toBeUndefined();
  });

  it('forgets a room closed unheard and a deleted room, closes their vault sessions, keeps the open chat', async () => {
    const closedUnheard = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    const deleted = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    const requestIds: Record<string, string> = {};
    for (const [name, room] of Object.entries({ closedUnheard, deleted, open: scene.room })) {
      await sendForm(scene, 'ssn', scene.agent, room);
      requestIds[name] = requestIdOf(lastMessageIn(scene, room));
      expect(heldFor(room.id).length).toBeGreaterThan(0);
    }
    scene.harness.world.updateRoom(closedUnheard, { isOpen: false });
    scene.harness.deleteRoom(deleted);

    await scene.harness.runRecurringJob('sweep-closed-rooms');

    expect(heldFor(closedUnheard.id)).toEqual([]);
    expect(heldFor(deleted.id)).toEqual([]);
    expect(heldFor(scene.room.id).length).toBeGreaterThan(0);
    const status = async (name: string) =>
      (await callVaultApi<{ status: string }>(scene, 'GET', `/v1/requests/${requestIds[name]}`)).body.status;
    expect(await status('closedUnheard')).toBe('closed');
    expect(await status('deleted')).toBe('closed');
    expect(await status('open')).toBe('pending');
  });
});
