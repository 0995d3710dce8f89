/**
 * Rocket.Chat's client takes a view only within 5 s of the click, once per trigger ID (the harness
 * enforces it). With a vault that answers every call in 4 s, every agent step still works: dialogs
 * and Secure data open from what the app holds, Send is answered at once and sends once, and what
 * needs the vault (the question, the answer, the values) arrives afterwards.
 */
import { performance } from 'perf_hooks';

import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';

import { laneOf } from '../../src/platform/jobs';
import { waitFor } from '../harness/http-json';
import type { SlowVault } from '../harness/slow-vault';
import { startSlowVault } from '../harness/slow-vault';
import type { Scene } from './scene';
import {
  clickView,
  lastMessageIn,
  notificationTexts,
  sendForm,
  shownValues,
  useScene,
  viewButtonValue,
  visitorAnswers,
  waitForNotification,
} from './scene';

jest.setTimeout(60000);

const VAULT_DELAY_MS = 4000;
/** Well under the vault's delay: what proves an answer did not wait for it, with room for a busy box. */
const AT_ONCE_MS = VAULT_DELAY_MS / 2;
const IDV = { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '4' };

describe('agent views with a vault that takes 4 s per call', () => {
  let scene: Scene;
  let slow: SlowVault;

  useScene(async (started) => {
    scene = started;
    slow = await startSlowVault({ delayMs: VAULT_DELAY_MS, upstream: scene.vault.url });
    await scene.harness.setSetting('vault_url', slow.url);
    await scene.harness.setSetting('vault_timeout_ms', 15000);
  });

  afterAll(async () => {
    await slow?.close();
  });

  it('the ID&V dialog opens, Send is answered at once, and the question is posted when the vault answers', async () => {
    await scene.harness.runCommand('idv', { user: scene.agent, room: scene.room });
    const started = performance.now();
    const response = await scene.harness.submitView(scene.harness.lastView(scene.agent.id), scene.agent, IDV);
    expect(response).toMatchObject({ success: true });
    expect(performance.now() - started).toBeLessThan(AT_ONCE_MS);
    expect(scene.harness.world.messagesIn(scene.room.id)).toEqual([]);
    await scene.harness.jobsSettled();
    expect(lastMessageIn(scene).text).toBe('Please enter characters 2 and 4 of your PIN.');
  });

  it('the visitor answers: the characters reach the sender privately, the room shows bullets', async () => {
    await visitorAnswers(scene, { '2': '7', '4': '3' });
    const told = await waitForNotification(scene, scene.agent, /^Visitor entered/, 30000);
    expect(told).toContain('Visitor entered: `7` and `3`');
    await waitFor('the room record', () => lastMessageIn(scene).text === 'Visitor answered: • and •', 20000);
  });

  it('clicking Send twice on one dialog sends one question', async () => {
    const questions = () =>
      scene.harness.world.messagesIn(scene.room.id).filter((m) => /^Please enter/.test(m.text || '')).length;
    const before = questions();
    await scene.harness.runCommand('idv', { user: scene.agent, room: scene.room });
    const modal = scene.harness.lastView(scene.agent.id);
    const answers = await Promise.all([
      scene.harness.submitView(modal, scene.agent, IDV),
      scene.harness.submitView(modal, scene.agent, IDV),
    ]);
    expect(answers).toEqual([expect.objectContaining({ success: true }), expect.objectContaining({ success: true })]);
    await scene.harness.jobsSettled();
    expect(questions()).toBe(before + 1);
  });

  it("one chat's slow send holds up no other chat's, and a chat's own sends keep their order", async () => {
    // Rocket.Chat runs one processor's jobs one at a time (the harness too): the app's jobs have lanes.
    const agents = [scene.harness.world.addAgent('agent.lane.a'), scene.harness.world.addAgent('agent.lane.b')];
    const first = scene.harness.world.addLivechatRoom({ servedBy: agents[0] });
    const candidates = Array.from({ length: 20 }, () => scene.harness.world.addLivechatRoom({ servedBy: agents[1] }));
    const second = candidates.find((room) => laneOf(room.id) !== laneOf(first.id));
    expect(second).toBeDefined();
    const rooms = [first, second as ILivechatRoom];
    const sendRuns = () => scene.harness.world.jobRuns.filter((run) => run.id.startsWith('send-request'));
    const before = sendRuns().length;
    const modals = [];
    for (const [i, room] of [rooms[0], rooms[1], rooms[0]].entries()) {
      const agent = agents[i === 1 ? 1 : 0];
      await scene.harness.runCommand('idv', { user: agent, room });
      modals.push({ agent, view: scene.harness.lastView(agent.id) });
    }
    await Promise.all(modals.map(({ agent, view }) => scene.harness.submitView(view, agent, IDV)));
    await scene.harness.jobsSettled();
    const [one, other, again] = sendRuns().slice(before);
    expect(other.startedAt).toBeLessThan(one.endedAt);
    expect(again.startedAt).toBeGreaterThanOrEqual(one.endedAt);
    for (const room of rooms) {
      expect(lastMessageIn(scene, room).text).toBe('Please enter characters 2 and 4 of your PIN.');
    }
  });

  it('Secure data opens at once from the states the app holds', async () => {
    await scene.harness.clickRoomAction('room.secure-data', { user: scene.agent, room: scene.room });
    const bar = scene.harness.lastView(scene.agent.id);
    expect(bar.type).toBe('contextualBar');
    const shown = scene.harness.world.interactionsFor(scene.agent.id).pop();
    expect(shown?.ageMs).toBeLessThan(AT_ONCE_MS);
    expect(JSON.stringify(bar.blocks)).toContain('PIN (ID&V)');
  });

  it('in-chat viewing: View hands the values to the sender in a private notice, however long the vault takes', async () => {
    await scene.harness.setSetting('viewing_mode', 'in_chat');
    await sendForm(scene, 'cvv_only');
    await visitorAnswers(scene, { cvv: '4321' });
    await waitForNotification(scene, scene.agent, /^The visitor submitted "Card security code"/, 30000);
    const opened = scene.harness.world.interactionsFor(scene.agent.id).length;
    await clickView(scene, scene.agent, scene.room, viewButtonValue(scene, scene.agent));
    expect(shownValues(scene, scene.agent)).toEqual([['Security code (CVV) (off the record)', '4321']]);
    expect(scene.harness.world.interactionsFor(scene.agent.id)).toHaveLength(opened);
  });

  it('strict viewing: View hands the sender a viewer link in a private notice, however long the vault takes', async () => {
    await scene.harness.setSetting('viewing_mode', 'strict');
    const opened = scene.harness.world.interactionsFor(scene.agent.id).length;
    const notices = scene.harness.world.notificationsFor(scene.agent.id).length;
    await clickView(scene, scene.agent, scene.room, viewButtonValue(scene, scene.agent));
    const handed = scene.harness.world.notificationsFor(scene.agent.id).slice(notices);
    expect(handed).toHaveLength(1);
    expect(JSON.stringify(handed[0].message.blocks)).toContain('/v/');
    expect(scene.harness.world.interactionsFor(scene.agent.id)).toHaveLength(opened);
  });

  it("a manager's reason is answered at once; the viewer link arrives by private notice when the vault answers", async () => {
    const manager = scene.harness.world.addUser({ username: 'manager.mo', roles: ['user', 'livechat-manager'] });
    await scene.harness.setSetting('managers_may_view_values', true);
    scene.vault.cli(['site', 'manager-view', scene.vault.siteId, 'on']);
    try {
      await clickView(scene, manager, scene.room, viewButtonValue(scene, scene.agent));
      const modal = scene.harness.lastView(manager.id);
      expect(modal.id).toMatch(/^manager-/);
      const started = performance.now();
      const response = await scene.harness.submitView(modal, manager, {
        'manager-view.reason': 'Supervising a disputed payment',
      });
      expect(response).toMatchObject({ success: true });
      expect(performance.now() - started).toBeLessThan(AT_ONCE_MS);
      expect(scene.harness.world.notificationsFor(manager.id)).toEqual([]);
      await scene.harness.jobsSettled();
      const handed = scene.harness.world.notificationsFor(manager.id);
      expect(handed).toHaveLength(1);
      expect(JSON.stringify(handed[0].message.blocks)).toContain('/v/');
    } finally {
      await scene.harness.setSetting('managers_may_view_values', false);
    }
  });

  it('a command run without a client (no trigger ID) opens nothing and says where to open it', async () => {
    const views = scene.harness.world.interactionsFor(scene.agent.id).length;
    await scene.harness.runCommand('idv', { user: scene.agent, room: scene.room, triggerId: null });
    expect(scene.harness.world.interactionsFor(scene.agent.id)).toHaveLength(views);
    expect(notificationTexts(scene, scene.agent).pop()).toBe(
      "Open this from the chat: type the command in the message box or use the room's menu.",
    );
  });
});
