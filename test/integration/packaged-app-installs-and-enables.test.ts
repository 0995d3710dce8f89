import AdmZip = require('adm-zip');

import { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';

import { EngineHarness, packagedZipPath } from '../harness/engine';

describe('the packaged zip in the real Apps-Engine', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.boot();
  });

  afterAll(async () => {
    await harness?.shutdown();
  });

  it("holds only the app: its manifest, icon, translations, compiled code, and the vault's contract with the engine it runs on", () => {
    const names = new AdmZip(packagedZipPath())
      .getEntries()
      .filter((e) => !e.isDirectory)
      .map((e) => e.entryName);
    expect(names).toEqual(
      expect.arrayContaining([
        'app.json',
        'icon.png',
        'IdvSecureFormsApp.js',
        'i18n/en.json',
        'i18n/pt-BR.json',
        'i18n/ar.json',
        'i18n/he.json',
        'i18n/ja.json',
        'vault/src/contract/pattern.js',
        'vendor/re2js.js',
      ]),
    );
    expect(
      names.filter(
        (n) =>
          !/^(\.packagedby|app\.json|icon\.png|IdvSecureFormsApp\.js|src\/.+\.js|vault\/src\/contract\/[\w-]+\.js|vendor\/re2js\.js|i18n\/[\w-]+\.json)$/.test(
            n,
          ),
      ),
    ).toEqual([]);
  });

  it('installs and enables', async () => {
    expect(await harness.status()).toBe(AppStatus.MANUALLY_ENABLED);
  });

  it('registers its commands, livechat room actions, settings and doorbell endpoint', async () => {
    expect(Array.from(harness.bridges.commandBridge.commands.keys()).sort()).toEqual([
      'idv',
      'idv-privacy',
      'idv-readiness',
      'masking-counts',
      'secure-form',
    ]);
    const buttons = (await harness.manager.getUIActionButtonManager().getAllActionButtons()).filter(
      (b) => b.appId === harness.appId,
    );
    expect(buttons.map((b) => [b.actionId, b.labelI18n, b.context, b.when?.roomTypes])).toEqual([
      ['room.verify-identity', 'action_verify_identity', 'roomAction', ['livechat']],
      ['room.send-secure-form', 'action_send_secure_form', 'roomAction', ['livechat']],
      ['room.secure-data', 'action_secure_data', 'roomAction', ['livechat']],
    ]);
    const settings = harness.manager.getOneById(harness.appId).getStorageItem().settings;
    expect(Object.keys(settings).sort()).toEqual([
      'builtin_card_payment',
      'builtin_cvv_only',
      'builtin_security_question',
      'builtin_ssn',
      'callback_base_url',
      'dialog_lifetime_minutes',
      'form_catalog',
      'idv_answer_delivery',
      'managers_may_view',
      'managers_may_view_values',
      'mask_cards',
      'mask_cvv',
      'mask_email',
      'mask_iban',
      'mask_phone',
      'mask_ssn',
      'masking_notices',
      'masking_rules',
      'sender_roles',
      'site_id',
      'vault_api_key',
      'vault_timeout_ms',
      'vault_url',
      'viewing_mode',
      'visitor_language',
    ]);
    expect(settings.vault_api_key.type).toBe('password');
    expect(settings.form_catalog.type).toBe('code');
    expect(settings.masking_rules.type).toBe('code');
    expect(harness.bridges.apiBridge.apis.map((api) => api.computedPath)).toEqual([
      `/api/apps/public/${harness.appId}/vault-events`,
    ]);
  });

  it('runs a slash command: without a configured vault it says so privately', async () => {
    const agent = harness.world.addAgent('agent.one');
    const room = harness.world.addLivechatRoom({ servedBy: agent });
    await harness.runCommand('idv', { user: agent, room });
    expect(harness.world.notificationsFor(agent.id).map((n) => n.message.text)).toEqual([
      "The vault is not set up yet. Ask an administrator to fill in the app's settings.",
    ]);
    expect(harness.world.messages).toEqual([]);
  });
});
