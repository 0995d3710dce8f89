/**
 * GDPR erasure and export from the app: `/idv-privacy` in the real Apps-Engine against the real
 * vault. Only administrators (checked on the server, whatever the client's `permission` filter
 * did); erasure removes the visitor's data in the vault and the app's own records of the room;
 * export shows request metadata privately, never a value.
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { answerLosingProxy } from '../../testkit/answer-losing-proxy';
import { freePort } from '../../testkit/ports';

import { callVaultApi, requestIdOf } from '../e2e/stage';
import type { Scene } from './scene';
import {
  clickView,
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

  /** `/idv-privacy erase` in the room, with one setting changed for that call only. */
  async function eraseWith(setting: string, value: string, restore: string): Promise<void> {
    await scene.harness.setSetting(setting, value);
    try {
      await scene.harness.runCommand('idv-privacy', { user: admin, room: scene.room, params: ['erase'] });
    } finally {
      await scene.harness.setSetting(setting, restore);
    }
  }

  /** The agent's *View* still works: in strict viewing it hands the agent a viewer link. */
  async function agentSeesTheAnswer(requestId: string): Promise<void> {
    const before = scene.harness.world.notificationsFor(scene.agent.id).length;
    await clickView(scene, scene.agent, scene.room, requestId);
    const handed = scene.harness.world.notificationsFor(scene.agent.id).slice(before);
    expect(handed.map((n) => JSON.stringify(n.message.blocks)).join()).toContain('/v/');
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

  it('forgets the room it was asked to erase when the vault erased it but its answer was lost', async () => {
    const requestId = await submittedSsn();
    expect(heldFor(scene.room.id).length).toBeGreaterThan(0);
    const proxy = await answerLosingProxy(scene.vault.url);
    await eraseWith('vault_url', proxy.url, scene.vault.url).finally(() => proxy.close());
    expect(proxy.forwarded).toContain('POST /v1/visitors/erase');
    expect(lastNotice(admin)).toMatch(/^No answer came from the vault, so the erasure may have been carried out/);
    expect((await callVaultApi(scene, 'GET', `/v1/requests/${requestId}`)).status).toBe(404);
    expect(heldFor(scene.room.id)).toEqual([]);
  });

  it('keeps the room it was asked to erase when no connection to the vault could be made, and the agent still sees the answer', async () => {
    const requestId = await submittedSsn();
    const held = heldFor(scene.room.id).length;
    await eraseWith('vault_url', `http://127.0.0.1:${await freePort()}`, scene.vault.url);
    expect(lastNotice(admin)).toMatch(/^The vault did not carry this out. Nothing was changed in the app/);
    expect(heldFor(scene.room.id).length).toBe(held);
    expect((await callVaultApi(scene, 'GET', `/v1/requests/${requestId}`)).status).toBe(200);
    await agentSeesTheAnswer(requestId);
  });

  it("keeps the room it was asked to erase when the vault refuses, and the visitor's answer still reaches the agent", async () => {
    await sendForm(scene, 'ssn');
    const message = lastMessageIn(scene);
    const requestId = requestIdOf(message);
    const held = heldFor(scene.room.id).length;
    await eraseWith('vault_api_key', 'ivk.not-the-key', scene.vault.apiKey);
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
    // Only the privacy calls count: the earlier tests' chats may still ring the vault in the background.
    const privacyCalls = () => scene.harness.world.httpCalls.filter((c) => c.url.includes('/v1/visitors/')).length;
    const asked = privacyCalls();
    for (const params of [
      ['export', 'room', 'r'.repeat(129)],
      ['erase', 'visitor', 'v'.repeat(257)],
    ]) {
      await scene.harness.runCommand('idv-privacy', { user: admin, params });
      expect(lastNotice(admin)).toBe(
        'No room ID or visitor token is that long (a room ID has at most 128 characters, a visitor token 256). Nothing was changed.',
      );
    }
    expect(privacyCalls()).toBe(asked);
    await scene.harness.runCommand('idv-privacy', { user: admin, params: ['export', 'room', 'r'.repeat(128)] });
    expect(lastNotice(admin)).toMatch(/^0 secure requests of this visitor/);
    expect(privacyCalls()).toBe(asked + 1);
  });
});
