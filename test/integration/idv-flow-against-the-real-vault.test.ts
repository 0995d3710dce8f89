import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { waitFor } from '../harness/http-json';
import type { Scene } from './scene';
import {
  lastMessageIn,
  notificationTexts,
  sendIdv,
  shownValues,
  useScene,
  visitorCancels,
  visitorLink,
  viewButtonValue,
  visitorOpens,
  visitorSubmits,
  waitForNotification,
  clickView,
} from './scene';

const IDV = { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '4' };

describe('ID&V in the real Apps-Engine against the real vault', () => {
  let scene: Scene;
  let colleague: IUser;

  useScene((started) => {
    scene = started;
    colleague = scene.harness.world.addAgent('agent.jones');
  });

  it('opens the dialog with two random distinct positions suggested', async () => {
    await scene.harness.runCommand('idv', { user: scene.agent, room: scene.room });
    const view = scene.harness.lastView(scene.agent.id);
    const initial = (actionId: string) =>
      (view.blocks as Array<{ element?: { actionId?: string; initialValue?: string } }>).find(
        (b) => b.element?.actionId === actionId,
      )?.element?.initialValue;
    const first = Number(initial('idv.first-position'));
    const second = Number(initial('idv.second-position'));
    expect(first).toBeGreaterThanOrEqual(1);
    expect(second).toBeLessThanOrEqual(Number(initial('idv.length')));
    expect(first).not.toBe(second);
  });

  it('keeps the dialog open with inline errors for bad values, and sends nothing', async () => {
    const before = scene.harness.world.messages.length;
    const { view, response } = await sendIdv(scene, {
      ...IDV,
      'idv.length': '4',
      'idv.first-position': '3',
      'idv.second-position': '9',
    });
    expect(response).toMatchObject({
      type: 'errors',
      viewId: view.id,
      errors: { 'idv.second-position': 'Enter a whole number from 1 to 4.' },
    });
    const same = await scene.harness.submitView(view, scene.agent, { ...IDV, 'idv.second-position': '2' });
    expect(same).toMatchObject({
      type: 'errors',
      errors: { 'idv.second-position': 'Choose two different positions.' },
    });
    expect(scene.harness.world.messages.length).toBe(before);
  });

  it('asks the visitor, delivers the characters privately to the agent and masks them in the room', async () => {
    const { response } = await sendIdv(scene, IDV);
    expect(response).toMatchObject({ success: true });
    const question = lastMessageIn(scene);
    expect(question.text).toBe('Please enter characters 2 and 4 of your PIN.');
    expect(question.sender.id).toBe(scene.agent.id);

    const page = await visitorOpens(visitorLink(question));
    expect(page).toMatchObject({ kind: 'idv', idv: { label: 'PIN', positions: [2, 4] } });
    await visitorSubmits(page, { 2: '7', 4: '3' });

    const answer = await waitForNotification(scene, scene.agent, /^Visitor entered/);
    expect(answer).toContain('Visitor entered: `7` and `3`');
    const record = await waitFor('the room record', () =>
      scene.harness.world.messagesIn(scene.room.id).find((m) => /^Visitor answered/.test(m.text || '')),
    );
    expect(record.text).toBe('Visitor answered: • and •');
    expect(notificationTexts(scene, colleague)).toEqual([]);
  });

  it('reveals the answer again to the sender only', async () => {
    const requestId = viewButtonValue(scene, scene.agent);

    await clickView(scene, colleague, scene.room, requestId);
    expect(notificationTexts(scene, colleague)).toEqual(['Only the agent who sent this request can view the answer.']);
    expect(scene.harness.world.interactionsFor(colleague.id)).toEqual([]);

    await clickView(scene, scene.agent, scene.room, requestId);
    expect(shownValues(scene, scene.agent)).toEqual([
      ['Character 2', '7'],
      ['Character 4', '3'],
    ]);
  });

  it("shows each character as it reads: markup signs as typed, a space by name, another script's digit with its own", async () => {
    const answered = async (values: Record<string, string>): Promise<string> => {
      const before = notificationTexts(scene, scene.agent).length;
      await sendIdv(scene, IDV);
      await visitorSubmits(await visitorOpens(visitorLink(lastMessageIn(scene))), values);
      return waitFor('the answer notice', () =>
        notificationTexts(scene, scene.agent)
          .slice(before)
          .find((text) => /^Visitor entered/.test(text)),
      );
    };
    // Two asterisks would make the words between them bold and vanish: inline code keeps them.
    expect(await answered({ 2: '*', 4: '٧' })).toBe(
      'Visitor entered: `*` and `٧` (7) (characters 2 and 4 of their PIN). Only you see this.',
    );
    await clickView(scene, scene.agent, scene.room, viewButtonValue(scene, scene.agent));
    expect(shownValues(scene, scene.agent)).toEqual([
      ['Character 2', '*'],
      ['Character 4', '٧ (7)'],
    ]);
    expect(await answered({ 2: ' ', 4: '`' })).toBe(
      'Visitor entered: [space] and \\` (characters 2 and 4 of their PIN). Only you see this.',
    );
    await clickView(scene, scene.agent, scene.room, viewButtonValue(scene, scene.agent));
    expect(shownValues(scene, scene.agent)).toEqual([
      ['Character 2', '[space]'],
      ['Character 4', '`'],
    ]);
  });

  it('tells the agent when the visitor cancels', async () => {
    await sendIdv(scene, { ...IDV, 'idv.secret-kind': 'custom', 'idv.custom-label': 'account passcode' });
    const question = lastMessageIn(scene);
    expect(question.text).toBe('Please enter characters 2 and 4 of your account passcode.');
    await visitorCancels(await visitorOpens(visitorLink(question)));
    await waitForNotification(scene, scene.agent, /closed the dialog, so no answer will come/);
  });

  it("logs what the send job did where the admin reads the app's logs: a request sent, and one the vault refused", async () => {
    await sendIdv(scene, IDV);
    await waitFor('the sent line', () => scene.harness.logText().includes('Secure request sent') || undefined);
    await scene.harness.setSetting('site_id', 'not-this-site');
    try {
      await sendIdv(scene, IDV);
      // A key under another site's ID: the admin's fix is the key and the site ID, as for a wrong key.
      const told = await waitFor('the refusal', () =>
        notificationTexts(scene, scene.agent).find((t) => /Nothing was sent/.test(t)),
      );
      expect(told).toBe(
        "The vault refused the app's API key. Ask an administrator to check the app's settings. Nothing was sent to the visitor.",
      );
      expect(scene.harness.logText()).toContain('The vault did not create the request; nothing was posted');
    } finally {
      await scene.harness.setSetting('site_id', scene.vault.siteId);
    }
  });

  it('never puts an answer into a stored message, app persistence or the logs, nor a link or key into persistence or the logs', () => {
    const persistence = JSON.stringify(Array.from(scene.harness.world.persistence.values()));
    const durable = JSON.stringify({ messages: scene.harness.world.messages, persistence });
    const otks = scene.harness.world.messages.filter((m) => m.blocks).map((m) => visitorLink(m).split('/f/')[1]);
    expect(otks.length).toBeGreaterThan(0);
    for (const otk of otks) {
      expect(persistence).not.toContain(otk);
      expect(scene.harness.logText()).not.toContain(otk);
    }
    expect(durable).not.toMatch(/Visitor entered/);
    expect(durable).not.toMatch(/"7"|"3"/);
    expect(scene.harness.logText()).not.toContain('Visitor entered: `7` and `3`');
    expect(scene.harness.logText()).not.toContain(scene.vault.apiKey);
  });
});
