/**
 * The agent's side in pictures: the packaged app in the real Apps-Engine builds its modals,
 * contextual bar, messages and private notices during real flows against the real vault; each is
 * drawn in Chromium by testkit/uikit-preview.ts (a rendering in Rocket.Chat's style, framed as
 * one) and screenshotted. Each picture is checked to show every text of the blocks it was drawn
 * from. With UPDATE_DOCS_SCREENSHOTS=1 the screenshots go to docs/images/ (the agent and admin
 * guides show them); otherwise to a temporary folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import type { Browser } from 'playwright-core';

import { launchBrowser } from '../../testkit/browser';
import { DOCS_IMAGES, picturesShownIn, ScreenshotFolder } from '../../testkit/screenshots';
import { drawPicture } from '../../testkit/agent-pictures';
import { renderMessages, renderSurface, type PreviewSurface } from '../../testkit/uikit-preview';
import {
  IN_CHAT_VIEWING,
  lastMessageIn,
  visitorLink,
  visitorOpens,
  visitorSubmits,
  stopScene,
  waitForNotification,
} from '../integration/scene';
import { allowing } from '../harness/slow-vault';
import type { Scene } from '../integration/scene';
import { clickView, futureExpiry, newChat, requestIdOf, startStage } from './stage';

jest.setTimeout(allowing(90000, 10));

/** The pictures, and the guides that show them. */
const PICTURES: Record<string, string[]> = {
  'agent-idv-modal.png': ['agent-guide.md'],
  'agent-form-picker.png': ['agent-guide.md', 'admin-guide.md'],
  'agent-room-messages.png': ['agent-guide.md'],
  'agent-notice-idv-answer.png': ['agent-guide.md'],
  'agent-notice-submitted.png': ['agent-guide.md'],
  'agent-values-in-chat.png': ['agent-guide.md', 'admin-guide.md'],
  'agent-viewer-link.png': ['agent-guide.md', 'admin-guide.md'],
  'agent-secure-data-bar.png': ['agent-guide.md', 'admin-guide.md'],
};
const APP_NAME = 'ID&V & Secure Forms';
// The card number as typed or grouped: a bare '4242' also turns up in random ids (a request's UUID did).
const PAN_SHOWN = /4242 ?4242 ?4242 ?4242/;

describe("the agent's side in pictures, drawn from the blocks the real app built", () => {
  let scene: Scene;
  let browser: Browser;
  let chat: ILivechatRoom;
  const screenshots = new ScreenshotFolder('idv-agent-pictures-');

  beforeAll(async () => {
    browser = await launchBrowser();
    scene = await startStage({ settings: IN_CHAT_VIEWING });
    chat = newChat(scene);
  });

  afterAll(async () => {
    await browser?.close();
    await stopScene(scene);
    screenshots.cleanUp();
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
  });

  /** Draws `html`, checks it shows every text of `blocks`, and takes the screenshot. */
  async function picture(name: string, html: string, blocks: unknown[], width = 1100): Promise<void> {
    expect(Object.keys(PICTURES)).toContain(name);
    await drawPicture(browser, screenshots, name, html, blocks, width);
  }

  function surfaceOf(view: unknown): PreviewSurface {
    return view as PreviewSurface;
  }

  function message(m: IMessage, privateNotice: boolean) {
    return { sender: APP_NAME, text: m.text, blocks: m.blocks as unknown[] | undefined, privateNotice };
  }

  function lastNotice(): IMessage {
    const notices = scene.harness.world.notificationsFor(scene.agent.id);
    return notices[notices.length - 1].message;
  }

  it('the ID&V modal and the form picker', async () => {
    await scene.harness.clickRoomAction('room.verify-identity', { user: scene.agent, room: chat });
    const idv = surfaceOf(scene.harness.lastView(scene.agent.id));
    expect(idv.type).toBe('modal');
    await picture('agent-idv-modal.png', renderSurface(idv), [idv.title, ...idv.blocks, idv.submit, idv.close]);
    const sent = await scene.harness.submitView(scene.harness.lastView(scene.agent.id), scene.agent, {
      'idv.secret-kind': 'pin',
      'idv.length': '6',
      'idv.first-position': '2',
      'idv.second-position': '5',
    });
    expect((sent as { success?: boolean }).success).toBe(true);
    await scene.harness.jobsSettled();

    await scene.harness.clickRoomAction('room.send-secure-form', { user: scene.agent, room: chat });
    const picker = surfaceOf(scene.harness.lastView(scene.agent.id));
    await picture('agent-form-picker.png', renderSurface(picker), [picker.title, ...picker.blocks, picker.submit]);
    const picked = await scene.harness.submitView(scene.harness.lastView(scene.agent.id), scene.agent, {
      'form.pick': 'card_payment',
    });
    expect(picked).toEqual({ success: true });
    await scene.harness.jobsSettled();
  });

  it('the room after the visitor answered, the notice, the values and the Secure data bar', async () => {
    const posted = scene.harness.world.messagesIn(chat.id);
    expect(posted.length).toBe(2);
    const [idvMessage, formMessage] = posted;
    await visitorSubmits(await visitorOpens(visitorLink(idvMessage)), { '2': '7', '5': '3' });
    await waitForNotification(scene, scene.agent, /^Visitor entered: `7` and `3`/);
    const answer = lastNotice();
    await picture('agent-notice-idv-answer.png', renderMessages([message(answer, true)]), answer.blocks ?? []);
    await visitorSubmits(await visitorOpens(visitorLink(formMessage)), {
      cardholder: 'Ada Lovelace',
      pan: '4242 4242 4242 4242',
      expiry: futureExpiry(),
      cvv: '123',
    });
    await waitForNotification(scene, scene.agent, /^The visitor submitted "Card payment"/);
    const room = scene.harness.world.messagesIn(chat.id);
    await picture(
      'agent-room-messages.png',
      renderMessages(room.map((m) => message(m, false))),
      room.flatMap((m) => (m.blocks as unknown[] | undefined) ?? []),
    );
    expect(lastMessageIn(scene, chat).text).toMatch(/Card payment/);

    const notice = lastNotice();
    await picture('agent-notice-submitted.png', renderMessages([message(notice, true)]), notice.blocks as unknown[]);

    await clickView(scene, scene.agent, chat, requestIdOf(formMessage));
    const values = lastNotice();
    expect(JSON.stringify(values.blocks)).toMatch(PAN_SHOWN);
    await picture('agent-values-in-chat.png', renderMessages([message(values, true)]), values.blocks as unknown[]);

    await scene.harness.clickRoomAction('room.secure-data', { user: scene.agent, room: chat });
    const bar = surfaceOf(scene.harness.lastView(scene.agent.id));
    expect(bar.type).toBe('contextualBar');
    await picture('agent-secure-data-bar.png', renderSurface(bar), [bar.title, ...bar.blocks]);

    // Strict viewing (the default): the notice carries a button to the vault's viewer, no value.
    await scene.harness.setSetting('viewing_mode', 'strict');
    await clickView(scene, scene.agent, chat, requestIdOf(formMessage));
    const link = lastNotice();
    expect(JSON.stringify(link)).not.toMatch(PAN_SHOWN);
    await picture('agent-viewer-link.png', renderMessages([message(link, true)]), link.blocks as unknown[]);
  });

  it('took every picture, and the guides show exactly those', () => {
    expect([...screenshots.taken].sort()).toEqual(Object.keys(PICTURES).sort());
    for (const guide of ['agent-guide.md', 'admin-guide.md']) {
      const shown = picturesShownIn(guide, 'agent-');
      const expected = Object.keys(PICTURES).filter((name) => PICTURES[name].includes(guide));
      expect({ guide, shown: [...new Set(shown)].sort() }).toEqual({ guide, shown: expected.sort() });
    }
    for (const name of Object.keys(PICTURES)) expect(fs.existsSync(path.join(DOCS_IMAGES, name))).toBe(true);
  });
});
