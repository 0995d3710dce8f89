/** A transferred chat's new agent is told, and cannot view; expired requests and off-the-record values are said to be expired. */
import { waitFor } from '../harness/http-json';
import type { Scene } from './scene';
import {
  clickView,
  IN_CHAT_VIEWING,
  notificationTexts,
  sendForm,
  shownValues,
  useScene,
  viewButtonValue,
  visitorAnswers,
  waitForNotification,
} from './scene';

describe('transfers and expiry', () => {
  let scene: Scene;

  useScene(
    (started) => {
      scene = started;
    },
    {
      settings: IN_CHAT_VIEWING,
      vaultEnv: {
        VAULT_OFF_RECORD_TTL_SECONDS: '1',
        VAULT_LINK_OPEN_TTL_SECONDS: '10',
        VAULT_SWEEP_INTERVAL_SECONDS: '1',
      },
    },
  );

  it('says an off-the-record value has expired once its memory window is over', async () => {
    await sendForm(scene, 'cvv_only');
    await visitorAnswers(scene, { cvv: '123' });
    await waitForNotification(scene, scene.agent, /^The visitor submitted "Card security code"/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await clickView(scene, scene.agent, scene.room, viewButtonValue(scene, scene.agent));
    expect(shownValues(scene, scene.agent)).toEqual([
      ['Security code (CVV) (off the record)', 'expired — send the form again'],
    ]);
  });

  it('tells the new agent after a transfer, who then cannot view earlier answers', async () => {
    const newAgent = scene.harness.world.addAgent('agent.new');
    const requestId = viewButtonValue(scene, scene.agent);
    scene.room = await scene.harness.transferRoom(scene.room, scene.agent, newAgent);
    expect(notificationTexts(scene, newAgent)).toEqual([
      'You now serve this chat. It has 1 secure request(s) sent by another agent, 0 of them still waiting for the visitor. Only the agent who sent a request can view its answer; send a new request if you need the data.',
    ]);
    await clickView(scene, newAgent, scene.room, requestId);
    expect(notificationTexts(scene, newAgent).pop()).toBe('Only the agent who sent this request can view the answer.');
    expect(scene.harness.world.interactionsFor(newAgent.id)).toEqual([]);
  });

  it('tells the agent when a request expires unanswered', async () => {
    const agent = scene.room.servedBy as NonNullable<typeof scene.room.servedBy>;
    await sendForm(scene, 'ssn', agent);
    // The link is valid for 10 s (the vault's minimum) and expiry is swept every second.
    const told = await waitForNotification(scene, agent, /expired before the visitor answered/, 20000);
    expect(told).toBe(
      '"Social Security number" expired before the visitor answered. Send it again if you still need it.',
    );
    await scene.harness.clickRoomAction('room.secure-data', { user: agent, room: scene.room });
    await waitFor('the expired state in Secure data', () =>
      JSON.stringify(scene.harness.lastView(agent.id).blocks).includes('Expired'),
    );
  }, 30000);
});
