/**
 * The doorbell endpoint is public. It takes nothing from the body but a well-formed request ID,
 * re-reads the state from the vault, answers the same for known and unknown requests, and acts
 * once per state change.
 */
import { httpJson } from '../harness/http-json';
import { freePort } from '../../testkit/ports';
import type { Scene } from './scene';
import {
  lastMessageIn,
  notificationTexts,
  sendIdv,
  useScene,
  visitorLink,
  visitorOpens,
  visitorSubmits,
  waitForNotification,
  clickView,
} from './scene';

const IDV = { 'idv.secret-kind': 'password', 'idv.length': '8', 'idv.first-position': '3', 'idv.second-position': '7' };

describe('the vault doorbell', () => {
  let scene: Scene;
  let doorbellUrl: string;

  useScene((started) => {
    scene = started;
    doorbellUrl =
      scene.harness.world.serverSettings.get('Site_Url')?.value +
      `/api/apps/public/${scene.harness.appId}/vault-events`;
  });

  const ring = (body: unknown) => httpJson('POST', doorbellUrl, body);

  it('refuses bodies without a well-formed request ID', async () => {
    for (const body of [{}, { requestId: 'not-a-uuid', event: 'submitted' }, { requestId: 42 }, 'submitted', []]) {
      const response = await ring(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
  });

  it('hears only a JSON body: a request ID sent as text reaches it as an empty body', async () => {
    const body = { requestId: '5b0e7f0c-3c7e-4a53-9d8e-2f6a8a4c1b11', event: 'submitted' };
    const asText = await httpJson('POST', doorbellUrl, body, { 'Content-Type': 'text/plain' });
    expect(asText.status).toBe(400);
  });

  it('answers an unknown request ID like any other, and changes nothing', async () => {
    const before = {
      messages: scene.harness.world.messages.length,
      notifications: scene.harness.world.notifications.length,
      calls: scene.harness.world.httpCalls.length,
    };
    expect((await ring({ requestId: '5b0e7f0c-3c7e-4a53-9d8e-2f6a8a4c1b11', event: 'submitted' })).status).toBe(204);
    expect({
      messages: scene.harness.world.messages.length,
      notifications: scene.harness.world.notifications.length,
      calls: scene.harness.world.httpCalls.length,
    }).toEqual(before);
  });

  it('does not believe a forged "submitted": it asks the vault, which says the visitor has not answered', async () => {
    await sendIdv(scene, IDV);
    const question = lastMessageIn(scene);
    const requestId = JSON.stringify(question.blocks).match(/"value":"([0-9a-f-]{36})"/)?.[1] as string;
    const told = notificationTexts(scene, scene.agent).length;

    const forged = await ring({ requestId, event: 'submitted', values: { 3: 'x', 7: 'y' } });
    expect(forged.status).toBe(204);
    expect(scene.harness.world.httpCalls.pop()).toEqual({
      method: 'GET',
      url: `${scene.vault.url}/v1/requests/${requestId}`,
      status: 200,
    });
    expect(notificationTexts(scene, scene.agent).length).toBe(told);
    expect(scene.harness.world.messagesIn(scene.room.id).filter((m) => /Visitor answered/.test(m.text || ''))).toEqual(
      [],
    );

    // The real answer then arrives once, however often the doorbell rings.
    await visitorSubmits(await visitorOpens(visitorLink(question)), { 3: 's', 7: 'w' });
    await waitForNotification(scene, scene.agent, /^Visitor entered: `s` and `w`/);
    await ring({ requestId, event: 'submitted' });
    await ring({ requestId, event: 'opened' });
    expect(notificationTexts(scene, scene.agent).filter((t) => /^Visitor entered/.test(t))).toHaveLength(1);
    expect(
      scene.harness.world.messagesIn(scene.room.id).filter((m) => /Visitor answered/.test(m.text || '')),
    ).toHaveLength(1);
  });

  it('a flood of forged rings for a live request costs the vault a few checks, and the real answer still arrives', async () => {
    await sendIdv(scene, IDV);
    const message = lastMessageIn(scene);
    const requestId = JSON.stringify(message.blocks).match(/"value":"([0-9a-f-]{36})"/)?.[1] as string;
    const vaultCalls = () => scene.harness.world.httpCalls.filter((call) => call.url.includes(requestId)).length;
    const before = vaultCalls();
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 60; i += 1) statuses.push((await ring({ requestId, event: 'submitted' })).status);
    // Five at once, then one a second for as long as the flood lasts (however slow the box).
    const allowed = 5 + Math.ceil((Date.now() - started) / 1000);
    expect(vaultCalls() - before).toBeLessThanOrEqual(allowed);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(60 - allowed);
    const page = await visitorOpens(visitorLink(message));
    await visitorSubmits(page, { 3: 'q', 7: 'z' });
    expect(await waitForNotification(scene, scene.agent, /^Visitor entered: `q` and `z`/)).toBeTruthy();
  });

  it('asks the vault to ring again when it cannot be asked for the state, and View says the vault is down', async () => {
    await sendIdv(scene, IDV);
    const requestId = JSON.stringify(lastMessageIn(scene).blocks).match(/"value":"([0-9a-f-]{36})"/)?.[1] as string;
    await scene.harness.setSetting('vault_url', `http://127.0.0.1:${await freePort()}`);
    try {
      expect((await ring({ requestId, event: 'submitted' })).status).toBe(503);
      await clickView(scene, scene.agent, scene.room, requestId);
      expect(notificationTexts(scene, scene.agent).pop()).toBe(
        'The vault could not be reached. Try again in a moment; if it keeps failing, tell an administrator.',
      );
    } finally {
      await scene.harness.setSetting('vault_url', scene.vault.url);
    }
  });
});
