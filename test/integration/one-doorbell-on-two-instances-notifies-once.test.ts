/**
 * Two Rocket.Chat instances on one database both hear the same doorbell at the same moment. App
 * persistence has no atomic insert, so the app asks the vault to settle it (an atomic claim per
 * request and event): the agent gets one notice, the room one record.
 */
import { waitFor } from '../harness/http-json';
import { EngineHarness } from '../harness/engine';
import type { Scene } from './scene';
import { notificationTexts, sendForm, useScene, visitorAnswers } from './scene';

describe('one doorbell heard by two app instances', () => {
  let scene: Scene;
  let second: EngineHarness;

  useScene(async (started) => {
    scene = started;
    second = await EngineHarness.boot({
      world: scene.harness.world,
      settings: { vault_url: scene.vault.url, vault_api_key: scene.vault.apiKey, site_id: scene.vault.siteId },
    });
    scene.harness.apiMirrors.push(second);
  });

  afterAll(async () => {
    await second?.shutdown();
  });

  afterEach(async () => {
    await second.checkLogs('the test (second instance)');
  });

  it('a submitted form: one notice to the sender, one record in the room', async () => {
    await sendForm(scene, 'ssn');
    await visitorAnswers(scene, { ssn: '536-90-4399' });
    await waitFor('the room record', () =>
      scene.harness.world.messagesIn(scene.room.id).some((m) => /^Visitor submitted/.test(m.text || '')),
    );
    // Both instances have had time to act on both doorbells (opened, submitted).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(scene.harness.world.apiCalls.length).toBeGreaterThanOrEqual(2);
    expect(notificationTexts(scene, scene.agent).filter((t) => /^The visitor submitted/.test(t))).toHaveLength(1);
    expect(
      scene.harness.world.messagesIn(scene.room.id).filter((m) => /^Visitor submitted/.test(m.text || '')),
    ).toHaveLength(1);
  });
});
