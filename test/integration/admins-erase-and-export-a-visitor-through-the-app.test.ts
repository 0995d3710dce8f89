/**
 * GDPR erasure and export from the app: `/idv-privacy` in the real Apps-Engine against the real
 * vault. Only administrators (checked on the server, whatever the client's `permission` filter
 * did); erasure removes the visitor's data in the vault and the app's own records of the room;
 * export shows request metadata privately, never a value.
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { callVaultApi, requestIdOf } from '../e2e/stage';
import type { Scene } from './scene';
import {
  lastMessageIn,
  notificationTexts,
  sendForm,
  startScene,
  stopScene,
  visitorLink,
  visitorOpens,
  visitorSubmits,
  waitForNotification,
} from './scene';

const SSN = '123-45-6789';

describe('an administrator erases and exports a visitor through the app', () => {
  let scene: Scene;
  let admin: IUser;

  beforeAll(async () => {
    scene = await startScene();
    admin = scene.harness.world.addUser({ username: 'the.admin', roles: ['user', 'admin'] });
  });

  afterAll(async () => {
    await stopScene(scene);
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
  });

  const lastNotice = (user: IUser) => {
    const texts = notificationTexts(scene, user);
    return texts[texts.length - 1] || '';
  };

  const heldFor = (roomId: string) =>
    Array.from(scene.harness.world.persistence.values()).filter((r) => JSON.stringify(r.data).includes(roomId));

  async function submittedSsn(): Promise<string> {
    await sendForm(scene, 'ssn');
    const message = lastMessageIn(scene);
    const requestId = requestIdOf(message);
    const view = await visitorOpens(visitorLink(message));
    await visitorSubmits(view, { [view.fields[0].id]: SSN });
    await waitForNotification(scene, scene.agent, /submitted/i);
    return requestId;
  }

  it('refuses anyone who is not an administrator, and changes nothing', async () => {
    const requestId = await submittedSsn();
    await scene.harness.runCommand('idv-privacy', { user: scene.agent, room: scene.room, params: ['erase'] });
    expect(lastNotice(scene.agent)).toMatch(/Only workspace administrators/);
    expect((await callVaultApi(scene, 'GET', `/v1/requests/${requestId}`)).status).toBe(200);
    expect(heldFor(scene.room.id).length).toBeGreaterThan(0);
  });

  it('exports by visitor token: metadata in a private notice, no value', async () => {
    const token = scene.room.visitor.token;
    await scene.harness.runCommand('idv-privacy', {
      user: admin,
      room: scene.room,
      params: ['export', 'visitor', token],
    });
    const notice = lastNotice(admin);
    expect(notice).toMatch(/secure requests of this visitor/);
    const json = JSON.parse(notice.slice(notice.indexOf('```\n') + 4, notice.lastIndexOf('\n```'))) as {
      requests: Array<{ requestId: string; status: string }>;
    };
    expect(json.requests.length).toBeGreaterThan(0);
    expect(json.requests.every((r) => r.status === 'submitted')).toBe(true);
    expect(notice).not.toContain(SSN);
  });

  it('erases this room: gone from the vault and from the app', async () => {
    const ids = (
      await callVaultApi<{ requests: Array<{ requestId: string }> }>(
        scene,
        'GET',
        `/v1/rooms/${scene.room.id}/requests`,
      )
    ).body.requests.map((r) => r.requestId);
    expect(ids.length).toBe(1);
    await scene.harness.runCommand('idv-privacy', { user: admin, room: scene.room, params: ['erase'] });
    expect(lastNotice(admin)).toMatch(/Erased for good: 1 secure requests \(1 stored submissions\) in 1 rooms/);
    for (const id of ids) expect((await callVaultApi(scene, 'GET', `/v1/requests/${id}`)).status).toBe(404);
    expect(heldFor(scene.room.id)).toEqual([]);
  });

  it('forgets the room it was asked to erase even when the vault answer is lost', async () => {
    await submittedSsn();
    expect(heldFor(scene.room.id).length).toBeGreaterThan(0);
    const vaultUrl = scene.vault.url;
    await scene.harness.setSetting('vault_url', 'http://127.0.0.1:9');
    try {
      await scene.harness.runCommand('idv-privacy', { user: admin, room: scene.room, params: ['erase'] });
    } finally {
      await scene.harness.setSetting('vault_url', vaultUrl);
    }
    expect(lastNotice(admin)).toMatch(/^No answer came from the vault, so the erasure may have been carried out/);
    expect(heldFor(scene.room.id)).toEqual([]);
  });

  it("keeps the room it was asked to erase when the vault refuses, and the visitor's answer still reaches the agent", async () => {
    await sendForm(scene, 'ssn');
    const message = lastMessageIn(scene);
    const requestId = requestIdOf(message);
    const held = heldFor(scene.room.id).length;
    await scene.harness.setSetting('vault_api_key', 'ivk.not-the-key');
    try {
      await scene.harness.runCommand('idv-privacy', { user: admin, room: scene.room, params: ['erase'] });
    } finally {
      await scene.harness.setSetting('vault_api_key', scene.vault.apiKey);
    }
    expect(lastNotice(admin)).toMatch(/^The vault did not carry this out. Nothing was changed in the app/);
    expect(heldFor(scene.room.id).length).toBe(held);
    expect((await callVaultApi(scene, 'GET', `/v1/requests/${requestId}`)).status).toBe(200);
    const view = await visitorOpens(visitorLink(message));
    await visitorSubmits(view, { [view.fields[0].id]: SSN });
    await waitForNotification(scene, scene.agent, /submitted/i);
  });

  it('explains its usage when the target is missing outside a livechat room', async () => {
    await scene.harness.runCommand('idv-privacy', { user: admin, params: ['erase'] });
    expect(lastNotice(admin)).toMatch(/^Usage: \/idv-privacy/);
    await scene.harness.runCommand('idv-privacy', { user: admin, params: ['export', 'room', scene.room.id, 'now'] });
    expect(lastNotice(admin)).toMatch(/^Usage: \/idv-privacy/);
  });

  it('says a room ID or visitor token longer than any can be is not one, without asking the vault', async () => {
    const asked = scene.harness.world.httpCalls.length;
    for (const params of [
      ['export', 'room', 'r'.repeat(129)],
      ['erase', 'visitor', 'v'.repeat(257)],
    ]) {
      await scene.harness.runCommand('idv-privacy', { user: admin, params });
      expect(lastNotice(admin)).toBe(
        'No room ID or visitor token is that long (a room ID has at most 128 characters, a visitor token 256). Nothing was changed.',
      );
    }
    expect(scene.harness.world.httpCalls.length).toBe(asked);
    await scene.harness.runCommand('idv-privacy', { user: admin, params: ['export', 'room', 'r'.repeat(128)] });
    expect(lastNotice(admin)).toMatch(/^0 secure requests of this visitor/);
  });
});
