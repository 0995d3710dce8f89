/**
 * Strict viewing (the default) in the real Apps-Engine against the real vault: *View* hands the
 * sender a single-use viewer link in a private notice and nothing else; no form value crosses the
 * app (its HTTP bodies, notices, views, messages, persistence, logs). The link works once, for the
 * values, from the vault itself. Others are refused; a manager needs the app's setting, the
 * vault's switch and a reason.
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { URL } from 'url';

import { httpJson, waitFor } from '../harness/http-json';
import type { Scene } from './scene';
import {
  clickView,
  notificationTexts,
  sendForm,
  sendIdv,
  useScene,
  viewerLinkOf,
  visitorAnswers,
  waitForNotification,
} from './scene';

const CARD = { cardholder: 'Philippa Strictwood', pan: '4532015112830366', expiry: '12/39', cvv: '6182' };
const NOT_SENDER = 'Only the agent who sent this request can view the answer.';

/** What the agent's browser does: open the link with its POST, then ask for one field. */
async function revealInViewer(link: string, fieldId: string): Promise<{ status: number; value?: string }> {
  const opened = await httpJson('POST', link, undefined, { Accept: 'text/html' });
  if (opened.status !== 303) {
    return { status: opened.status };
  }
  const cookie = String((opened.headers['set-cookie'] || [])[0] || '').split(';')[0];
  const viewer = `${new URL(link).origin}${String(opened.headers.location)}`;
  const revealed = await httpJson<{ value?: string }>(
    'POST',
    `${viewer}/reveal`,
    { fieldId, action: 'reveal' },
    { cookie },
  );
  return { status: revealed.status, value: revealed.body.value };
}

describe('strict viewing: the sender gets a link, Rocket.Chat gets no value', () => {
  let scene: Scene;
  let colleague: IUser;
  let manager: IUser;
  let requestId: string;

  useScene(async (started) => {
    scene = started;
    colleague = scene.harness.world.addAgent('agent.jones');
    manager = scene.harness.world.addUser({ username: 'manager.mary', roles: ['user', 'livechat-manager'] });
    await sendForm(scene, 'card_payment');
    requestId = (await visitorAnswers(scene, CARD)).requestId;
    await waitForNotification(scene, scene.agent, /^The visitor submitted "Card payment"/);
  });

  it("View hands the sender a private viewer link, opens no view, and the link shows the vault's values once", async () => {
    const viewsBefore = scene.harness.world.interactionsFor(scene.agent.id).length;
    await clickView(scene, scene.agent, scene.room, requestId);
    expect(notificationTexts(scene, scene.agent).pop()).toBe(
      'Your secure viewer for "Card payment" is ready. The link works once, only for you, and must be opened within a minute. Do not share it.',
    );
    expect(scene.harness.world.interactionsFor(scene.agent.id)).toHaveLength(viewsBefore);
    const link = viewerLinkOf(scene, scene.agent);
    expect(link).toMatch(new RegExp(`^${scene.vault.url}/v/[A-Za-z0-9_-]{43}$`));

    // A link preview's GET leaves it usable; the agent's browser then opens it, once.
    expect((await httpJson('GET', link, undefined, { Accept: 'text/html' })).status).toBe(200);
    expect(await revealInViewer(link, 'pan')).toEqual({ status: 200, value: CARD.pan });
    expect((await revealInViewer(link, 'pan')).status).toBe(404);
  });

  it('another agent is refused by the app (no link), and the vault would refuse them too', async () => {
    const calls = () => scene.harness.world.httpCalls.filter((c) => /\/viewer$/.test(c.url)).length;
    const before = calls();
    await clickView(scene, colleague, scene.room, requestId);
    expect(notificationTexts(scene, colleague)).toEqual([NOT_SENDER]);
    expect(calls()).toBe(before);
    const minted = await httpJson<{ error: { code: string } }>(
      'POST',
      `${scene.vault.url}/v1/requests/${requestId}/viewer`,
      { agentId: colleague.id },
      { Authorization: `Bearer ${scene.vault.apiKey}` },
    );
    expect({ status: minted.status, code: minted.body.error.code }).toEqual({ status: 403, code: 'not_sender' });
  });

  it("a manager: refused without the app's setting; with it, a reason first; the vault's switch decides too", async () => {
    await clickView(scene, manager, scene.room, requestId);
    expect(notificationTexts(scene, manager).pop()).toBe(NOT_SENDER);

    await scene.harness.setSetting('managers_may_view_values', true);
    try {
      await clickView(scene, manager, scene.room, requestId);
      const modal = scene.harness.lastView(manager.id);
      expect(modal.id).toMatch(/^manager-/);
      expect(await scene.harness.submitView(modal, manager, { 'manager-view.reason': ' a ' })).toMatchObject({
        type: 'errors',
        errors: { 'manager-view.reason': 'Give a reason of at least 3 characters.' },
      });
      // The vault's switch is off: the vault refuses, and the manager is told why.
      await scene.harness.submitView(modal, manager, { 'manager-view.reason': 'Supervising a disputed payment' });
      await scene.harness.jobsSettled();
      expect(notificationTexts(scene, manager).pop()).toBe(
        "Managers cannot view values in this workspace: the vault does not allow it. Ask the vault's administrator.",
      );

      scene.vault.cli(['site', 'manager-view', scene.vault.siteId, 'on']);
      await clickView(scene, manager, scene.room, requestId);
      // A card number or code in the reason is masked before the reason goes anywhere (job data, the audit trail).
      await scene.harness.submitView(scene.harness.lastView(manager.id), manager, {
        'manager-view.reason': 'Supervising a dispute on card 4716 2918 5530 7742, CVV 913',
      });
      const jobs = JSON.stringify(scene.harness.world.scheduledJobs);
      expect(jobs).toContain('Supervising a dispute on card •••• •••• •••• 7742, CVV •••');
      await scene.harness.jobsSettled();
      const link = viewerLinkOf(scene, manager);
      expect(await revealInViewer(link, 'pan')).toEqual({ status: 200, value: CARD.pan });
      const audit = scene.vault.cli(['audit', 'export']);
      expect(audit).toContain('Supervising a dispute on card •••• •••• •••• 7742, CVV •••');
      for (const output of [jobs, audit]) expect(output.replace(/\D/g, '')).not.toContain('4716291855307742');
    } finally {
      await scene.harness.setSetting('managers_may_view_values', false);
    }
  });

  it('ID&V answers go by private notice by default, or only through the viewer when the admin says so', async () => {
    await sendIdv(scene, {
      'idv.secret-kind': 'pin',
      'idv.length': '6',
      'idv.first-position': '2',
      'idv.second-position': '4',
    });
    await visitorAnswers(scene, { 2: '8', 4: '1' });
    expect(await waitForNotification(scene, scene.agent, /^Visitor entered/)).toBe(
      'Visitor entered: `8` and `1` (characters 2 and 4 of their PIN). Only you see this.',
    );

    await scene.harness.setSetting('idv_answer_delivery', 'viewer');
    try {
      await sendIdv(scene, {
        'idv.secret-kind': 'pin',
        'idv.length': '6',
        'idv.first-position': '3',
        'idv.second-position': '5',
      });
      const second = await visitorAnswers(scene, { 3: '9', 5: '2' });
      expect(await waitForNotification(scene, scene.agent, /answered "PIN"/)).toBe(
        'The visitor answered "PIN". Only you can view the characters: click Reveal.',
      );
      await waitFor('the room record', () =>
        scene.harness.world.messagesIn(scene.room.id).some((m) => m.text === 'Visitor answered: • and •'),
      );
      await clickView(scene, scene.agent, scene.room, second.requestId);
      expect(await revealInViewer(viewerLinkOf(scene, scene.agent), '5')).toEqual({ status: 200, value: '2' });
    } finally {
      await scene.harness.setSetting('idv_answer_delivery', 'notice');
    }
  });

  it('no card value crossed the app: HTTP bodies both ways, notices, views, messages, persistence, logs', () => {
    const world = scene.harness.world;
    const everything = JSON.stringify({
      http: world.httpExchanges,
      notifications: world.notifications,
      interactions: world.interactions,
      messages: world.messageVersions,
      persistence: world.persistenceWrites,
      calls: scene.harness.bridges.calls,
      log: scene.harness.logText(),
    });
    for (const value of [CARD.pan, CARD.cardholder, '9 and 2']) {
      expect({ value, found: everything.includes(value) }).toEqual({ value, found: false });
    }
    // The 4-digit CVV as a token of its own: inside a timestamp, a UUID or a base64url ID (where the
    // same digits turn up by chance, about one run in fifty) it is not a leak.
    const cvvAlone = new RegExp(`(?<![0-9A-Za-z_-])${CARD.cvv}(?![0-9A-Za-z_-])`);
    expect({ value: CARD.cvv, found: cvvAlone.test(everything) }).toEqual({ value: CARD.cvv, found: false });
    expect(cvvAlone.test(JSON.stringify({ text: `CVV ${CARD.cvv}.` }))).toBe(true);
    expect(cvvAlone.test(`"at":179618061${CARD.cvv}0,"id":"a1b2${CARD.cvv}-x"`)).toBe(false);
    // The scan can find things: the request ID is there.
    expect(everything.includes(requestId)).toBe(true);
    // And the viewer links went nowhere durable: not into persistence, messages or the log.
    const durable = JSON.stringify([world.persistenceWrites, world.messageVersions, scene.harness.logText()]);
    expect(durable).not.toMatch(/\/v\/[A-Za-z0-9_-]{43}/);
  });
});
