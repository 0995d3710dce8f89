/**
 * A close the app never heard (it was disabled or restarting) and a deleted room (Rocket.Chat
 * fires nothing) leave records behind; the recurring sweep forgets them and closes their vault
 * sessions, and leaves open chats alone. Its job carries no data.
 */
import { waitFor } from '../harness/http-json';
import type { Scene } from './scene';
import { lastMessageIn, notificationTexts, sendForm, sendIdv, useScene, visitorAnswers } from './scene';
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

  it('forgets a room closed unheard (its vault session closed) and a deleted room (its vault data erased), keeps the open chat', async () => {
    const closedUnheard = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    const deleted = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    const requestIds: Record<string, string> = {};
    for (const [name, room] of Object.entries({ closedUnheard, deleted, open: scene.room })) {
      await sendForm(scene, 'ssn', scene.agent, room);
      requestIds[name] = requestIdOf(lastMessageIn(scene, room));
      expect(heldFor(room.id).length).toBeGreaterThan(0);
    }
    scene.harness.world.closeRoom(closedUnheard);
    scene.harness.deleteRoom(deleted);

    await scene.harness.runRecurringJob('sweep-closed-rooms');

    expect(heldFor(closedUnheard.id)).toEqual([]);
    expect(heldFor(deleted.id)).toEqual([]);
    expect(heldFor(scene.room.id).length).toBeGreaterThan(0);
    const status = async (name: string) =>
      (await callVaultApi<{ status: string }>(scene, 'GET', `/v1/requests/${requestIds[name]}`)).body.status;
    expect(await status('closedUnheard')).toBe('closed');
    expect(await status('open')).toBe('pending');
    // A deleted room's requests are erased for good.
    const gone = await callVaultApi(scene, 'GET', `/v1/requests/${requestIds.deleted}`);
    expect(gone.status).toBe(404);
  });

  it("tells nobody a visitor's answer that arrives after a close the app never heard, and forgets the room", async () => {
    const room = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    await sendIdv(
      scene,
      { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '4' },
      scene.agent,
      room,
    );
    const requestId = requestIdOf(lastMessageIn(scene, room));
    scene.harness.world.closeRoom(room);

    await visitorAnswers(scene, { 2: '7', 4: '3' }, room);

    await waitFor('the room forgotten', () => heldFor(room.id).length === 0 || undefined);
    const mint = await callVaultApi<{ error: { code: string } }>(scene, 'POST', `/v1/requests/${requestId}/otk`, {
      agentId: scene.agent.id,
    });
    expect({ status: mint.status, code: mint.body.error.code }).toEqual({ status: 409, code: 'session_closed' });
    await scene.harness.jobsSettled();
    expect(notificationTexts(scene, scene.agent).filter((t) => /Visitor entered/.test(t))).toEqual([]);
    expect(scene.harness.world.messagesIn(room.id).filter((m) => /^Visitor answered/.test(m.text || ''))).toEqual([]);
  });

  it('remembers deleted rooms while the vault cannot erase their data, asks once per sweep, and erases them at the next', async () => {
    const deleted = [1, 2].map(() => scene.harness.world.addLivechatRoom({ servedBy: scene.agent }));
    const requestIds: string[] = [];
    for (const room of deleted) {
      await sendForm(scene, 'ssn', scene.agent, room);
      requestIds.push(requestIdOf(lastMessageIn(scene, room)));
      scene.harness.deleteRoom(room);
    }
    const erasesAsked = () => scene.harness.world.httpCalls.filter((c) => c.url.endsWith('/v1/visitors/erase')).length;
    const before = erasesAsked();
    const vaultUrl = scene.vault.url;
    await scene.harness.setSetting('vault_url', 'http://127.0.0.1:9');
    try {
      await scene.harness.runRecurringJob('sweep-closed-rooms');
    } finally {
      await scene.harness.setSetting('vault_url', vaultUrl);
    }
    expect(erasesAsked() - before).toBe(1);
    for (const [i, room] of deleted.entries()) {
      expect(heldFor(room.id).length).toBeGreaterThan(0);
      expect((await callVaultApi(scene, 'GET', `/v1/requests/${requestIds[i]}`)).status).toBe(200);
    }

    await scene.harness.runRecurringJob('sweep-closed-rooms');
    for (const [i, room] of deleted.entries()) {
      expect(heldFor(room.id)).toEqual([]);
      expect((await callVaultApi(scene, 'GET', `/v1/requests/${requestIds[i]}`)).status).toBe(404);
    }
  });
});
