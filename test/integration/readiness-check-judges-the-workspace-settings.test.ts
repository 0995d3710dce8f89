/**
 * The PCI DSS 4.0.1 readiness check in the real Apps-Engine: it reads the workspace's settings
 * through the engine's environment reader (Rocket.Chat's real setting ids, from fixtures of its
 * defaults), the app's own settings and the real vault's posture, and tells administrators pass /
 * fail / cannot tell per requirement with the fix. On demand by `/idv-readiness`; on a schedule
 * (start-up and hourly) it notifies only on change. It never blocks agents.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { PCI_HARDENED, ROCKET_CHAT_DEFAULTS } from '../fixtures/rocket-chat-settings';
import type { Scene } from './scene';
import { lastMessageIn, notificationTexts, sendForm, startScene, stopScene, visitorLink } from './scene';

/** The report's line for a requirement: "<mark> — *<requirement>* <title>". */
function verdictOf(report: string, requirement: string): string {
  const line = report.split('\n').find((l) => l.includes(`*${requirement}*`));
  if (!line) {
    throw new Error(`No line for ${requirement} in:\n${report}`);
  }
  return line.split(' — ')[0];
}

describe('the PCI DSS readiness check reads the workspace settings', () => {
  let scene: Scene;
  let admin: IUser;
  const sinkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'readiness-sink-'));

  beforeAll(async () => {
    scene = await startScene({
      vaultEnv: { VAULT_AUDIT_RETENTION_DAYS: '90', VAULT_AUDIT_SINK_FILE: path.join(sinkDir, 'audit.jsonl') },
    });
    for (const [id, value] of Object.entries(ROCKET_CHAT_DEFAULTS)) {
      scene.harness.world.setServerSetting(id, value);
    }
    admin = scene.harness.world.addUser({ username: 'the.admin', roles: ['user', 'admin'] });
  });

  afterAll(async () => {
    await stopScene(scene);
    fs.rmSync(sinkDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await scene.harness.checkLogs('the test');
  });

  const notices = (user: IUser) => notificationTexts(scene, user);
  const lastNotice = (user: IUser) => notices(user)[notices(user).length - 1] || '';

  it('is a recurring job (start-up, then hourly) that carries no data', () => {
    const job = scene.harness.bridges.schedulerBridge.recurringJobs().find((j) => j.id.startsWith('readiness-check'));
    expect(job).toMatchObject({ kind: 'recurring', interval: '1 hour' });
    expect(job?.data).toBeUndefined();
  });

  it("judges Rocket.Chat's shipped defaults line by line, with the requirement and the fix", async () => {
    await scene.harness.runCommand('idv-readiness', { user: admin, room: scene.room });
    const report = lastNotice(admin);
    expect(report).toMatch(/^\*PCI DSS 4\.0\.1 readiness\* — \d+ pass, \d+ fail, \d+ cannot tell/);
    expect(verdictOf(report, '8.3.6')).toBe('❌ Fail');
    expect(report).toMatch(/The password policy is off[^\n]*\n[^\n]*Fix: [^\n]*Minimum Password Length[^\n]*12/);
    expect(verdictOf(report, '8.3.4')).toBe('❌ Fail');
    expect(report).toContain('Accounts lock after 10 failed attempts, for 5 minutes.');
    // Rocket.Chat's idle limit changes presence only: no setting can pass 8.2.8.
    expect(verdictOf(report, '8.2.8')).toBe('❔ Cannot tell');
    expect(report).toMatch(/idle time limit \(300 s\) only sets a user "away"/);
    expect(verdictOf(report, '8.4.2')).toBe('❔ Cannot tell');
    expect(verdictOf(report, '3.2 / 12.5.2 (scope)')).toBe('✅ Pass');
    expect(verdictOf(report, '7.2.1, 7.2.2')).toBe('✅ Pass');
    // The scene's vault listens on plain http://127.0.0.1.
    expect(verdictOf(report, '4.2.1')).toBe('❌ Fail');
    // The offline form is on by default; the app masks its e-mails (no webhook is set by default).
    expect(verdictOf(report, '4.2.2')).toBe('✅ Pass');
    expect(report).toContain('this app masks what its rules find in the e-mail');
    expect(verdictOf(report, '3.5.1')).toBe('✅ Pass');
    expect(report).toContain('Rocket.Chat\'s "Log Level" is 0: no debug entries.');
    // Livechat uploads are on by default, and a file is stored as sent.
    expect(verdictOf(report, '3.2.1, 3.3.1')).toBe('❌ Fail');
    expect(report).toContain('a picture of a card would be kept whole');
    expect(verdictOf(report, '—')).toBe('✅ Pass');
    expect(verdictOf(report, '10.5.1')).toBe('❌ Fail');
    expect(report).toContain('only 90 days');
    expect(verdictOf(report, '10.4.1.1')).toBe('✅ Pass');
    // Nothing secret in it: not the API key, not the vault's key material.
    expect(report).not.toContain(scene.vault.apiKey);
  });

  it('refuses anyone who is not an administrator', async () => {
    await scene.harness.runCommand('idv-readiness', { user: scene.agent, room: scene.room });
    expect(lastNotice(scene.agent)).toBe('Only workspace administrators may run the PCI DSS readiness check.');
  });

  it('the schedule notifies the administrator only when a verdict changed', async () => {
    const before = notices(admin).length;
    await scene.harness.runRecurringJob('readiness-check');
    expect(notices(admin).length).toBe(before);

    for (const [id, value] of Object.entries(PCI_HARDENED)) {
      scene.harness.world.setServerSetting(id, value);
    }
    await scene.harness.setSetting('managers_may_view_values', true);
    await scene.harness.runRecurringJob('readiness-check');
    expect(notices(admin).length).toBe(before + 1);
    const report = lastNotice(admin);
    expect(report).toMatch(/^The PCI DSS readiness of this workspace changed since the last check:/);
    expect(verdictOf(report, '8.3.6')).toBe('✅ Pass');
    expect(verdictOf(report, '8.3.4')).toBe('✅ Pass');
    expect(verdictOf(report, '7.2.1, 7.2.2')).toBe('❔ Cannot tell');

    await scene.harness.runRecurringJob('readiness-check');
    expect(notices(admin).length).toBe(before + 1);
    await scene.harness.setSetting('managers_may_view_values', false);
  });

  it('fails the offline form while its messages go to the CRM webhook as typed, or the card rule is off', async () => {
    const world = scene.harness.world;
    world.setServerSetting('Livechat_display_offline_form', true);
    world.setServerSetting('Livechat_webhookUrl', 'https://crm.example.com/hook');
    world.setServerSetting('Livechat_webhook_on_offline_msg', true);
    await scene.harness.runCommand('idv-readiness', { user: admin, room: scene.room });
    expect(verdictOf(lastNotice(admin), '4.2.2')).toBe('❌ Fail');
    expect(lastNotice(admin)).toContain('sent as typed to the CRM webhook');
    world.setServerSetting('Livechat_webhook_on_offline_msg', false);
    await scene.harness.setSetting('mask_cards', false);
    await scene.harness.runCommand('idv-readiness', { user: admin, room: scene.room });
    expect(verdictOf(lastNotice(admin), '4.2.2')).toBe('❌ Fail');
    await scene.harness.setSetting('mask_cards', true);
    await scene.harness.runCommand('idv-readiness', { user: admin, room: scene.room });
    expect(verdictOf(lastNotice(admin), '4.2.2')).toBe('✅ Pass');
  });

  it('a setting the app cannot read is "cannot tell", never a pass', async () => {
    scene.harness.world.serverSettings.delete('Accounts_Password_Policy_MinLength');
    await scene.harness.runCommand('idv-readiness', { user: admin, room: scene.room });
    const report = lastNotice(admin);
    expect(verdictOf(report, '8.3.6')).toBe('❔ Cannot tell');
    expect(report).toContain('could not read Accounts_Password_Policy_Enabled, Accounts_Password_Policy_MinLength');
  });

  it('says which vault setting keeps the app from the vault: on saving it in the logs, in the report, and when an agent sends', async () => {
    const apiKey = scene.vault.apiKey;
    try {
      await scene.harness.setSetting('vault_url', 'not a url');
      await scene.harness.setSetting('vault_api_key', `\u201c${apiKey}\u201d`);
      await scene.harness.setSetting('vault_timeout_ms', 60000);
      await scene.harness.setSetting('callback_base_url', 'https://chat example');
      await scene.harness.setSetting('dialog_lifetime_minutes', 10080);
      const logs = scene.harness.logText();
      expect(logs).toContain('the Dialog lifetime setting is above 1440: 1440 is used');
      expect(logs).toContain('the Vault URL setting is not an http(s) URL');
      expect(logs).toContain('the Vault API key setting holds a space, a line break or a character outside ASCII');
      expect(logs).toContain('the Vault timeout setting is above 25000');
      expect(logs).not.toContain(apiKey);

      await scene.harness.runCommand('idv-readiness', { user: admin, room: scene.room });
      const report = lastNotice(admin);
      expect(report).toContain(
        'The app cannot call the vault: the Vault URL setting is not an http(s) URL; the Vault API key setting holds',
      );
      expect(report).toContain('The Vault URL setting is not an https:// address.');
      expect(report).toContain('the Rocket.Chat URL for the vault setting is not an http(s) URL');
      expect(report).not.toMatch(/not a url|is empty/);

      await scene.harness.runCommand('idv', { user: scene.agent, room: scene.room });
      expect(notices(scene.agent).pop()).toBe(
        "The vault is not set up yet. Ask an administrator to fill in the app's settings.",
      );
      expect(scene.harness.logText()).toContain('Nothing was sent: the Vault URL setting is not an http(s) URL');
    } finally {
      await scene.harness.setSetting('vault_url', scene.vault.url);
      await scene.harness.setSetting('vault_api_key', apiKey);
      await scene.harness.setSetting('vault_timeout_ms', 5000);
      await scene.harness.setSetting('callback_base_url', '');
      await scene.harness.setSetting('dialog_lifetime_minutes', 30);
    }
  });

  it('never blocks agents: with failing lines an agent still sends a secure form', async () => {
    scene.harness.world.setServerSetting('Accounts_Password_Policy_Enabled', false);
    await sendForm(scene, 'ssn');
    expect(visitorLink(lastMessageIn(scene))).toMatch(/\/f\//);
  });
});
