/**
 * Every take of a chat tells the new agent, once, what other agents sent and what is still
 * pending, and that only the sender can view an answer: an agent transfer (a take and a transfer
 * event), a department transfer, a queue pick. Answers that come after a transfer still go only to
 * the sender; the serving agent learns that the visitor answered, never what.
 */
import type { IDepartment } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { waitFor } from '../harness/http-json';
import type { Scene } from './scene';
import {
  lastVisitorLink,
  notificationTexts,
  sendForm,
  sendIdv,
  useScene,
  visitorOpens,
  visitorSubmits,
  waitForNotification,
} from './scene';

const IDV = { 'idv.secret-kind': 'pin', 'idv.length': '6', 'idv.first-position': '2', 'idv.second-position': '4' };
const SALES = { id: 'dep-sales', name: 'Sales', enabled: true } as IDepartment;
const told = (count: number, pending: number) =>
  `You now serve this chat. It has ${count} secure request(s) sent by another agent, ${pending} of them still waiting for the visitor. Only the agent who sent a request can view its answer; send a new request if you need the data.`;

describe('every take of a chat tells the new agent once', () => {
  let scene: Scene;
  let second: IUser;
  let third: IUser;
  let idvLink: string;

  useScene((started) => {
    scene = started;
    second = scene.harness.world.addAgent('agent.second');
    third = scene.harness.world.addAgent('agent.third');
  });

  it('an agent transfer fires a take and a transfer event: one notice, saying what is pending', async () => {
    await sendIdv(scene, IDV);
    idvLink = lastVisitorLink(scene);
    await sendForm(scene, 'ssn');
    scene.room = await scene.harness.transferRoom(scene.room, scene.agent, second);
    expect(notificationTexts(scene, second)).toEqual([told(2, 2)]);
  });

  it('the answer after the transfer: characters only for the sender (whose notice reaches nobody), the new agent learns only that it came', async () => {
    await visitorSubmits(await visitorOpens(idvLink), { '2': '7', '4': '3' });
    await waitForNotification(scene, second, /^The visitor answered "PIN", which @agent\.smith sent/);
    await waitFor('the room record', () =>
      scene.harness.world.messagesIn(scene.room.id).some((m) => m.text === 'Visitor answered: • and •'),
    );
    const everyNotice = JSON.stringify([scene.harness.world.notifications, scene.harness.world.lostNotifications]);
    expect(everyNotice).not.toMatch(/Visitor entered/);
    expect(notificationTexts(scene, scene.agent).filter((t) => /7|3/.test(t) && /Visitor/.test(t))).toEqual([]);
  });

  it('a department transfer to the queue tells nobody; the agent who picks the chat is told once', async () => {
    scene.room = await scene.harness.transferRoomToDepartment(scene.room, SALES);
    expect(notificationTexts(scene, third)).toEqual([]);
    scene.room = await scene.harness.assignAgent(scene.room, third);
    expect(notificationTexts(scene, third)).toEqual([told(2, 1)]);
  });

  it('a department transfer routed straight to an agent: one notice', async () => {
    const before = notificationTexts(scene, second).length;
    scene.room = await scene.harness.transferRoomToDepartment(scene.room, { ...SALES, id: 'dep-care' }, second);
    expect(notificationTexts(scene, second).slice(before)).toEqual([told(2, 1)]);
  });

  it('back to the sender: their own requests are not "another agent\'s"; nothing to say', async () => {
    const before = notificationTexts(scene, scene.agent).length;
    scene.room = await scene.harness.transferRoom(scene.room, second, scene.agent);
    expect(notificationTexts(scene, scene.agent).slice(before)).toEqual([]);
  });

  it('a department transfer to the queue tells nothing to the agent who gives the chat away', async () => {
    // A chat the app saw taken by no one: the agent who now serves it was never told.
    let chat = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
    await sendForm(scene, 'ssn', scene.agent, chat);
    chat = scene.harness.world.updateRoom(chat, { servedBy: third, usernames: [third.username] });
    const before = notificationTexts(scene, third).length;
    // Rocket.Chat may run the transfer event before it takes the chat from that agent.
    await scene.harness.transferRoomToDepartment(chat, SALES);
    expect(notificationTexts(scene, third).slice(before)).toEqual([]);
  });
});
