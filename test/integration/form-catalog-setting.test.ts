/** The admin's JSON catalog: its forms join the picker; a broken one is explained and the built-in forms go on. */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { EngineHarness } from '../harness/engine';

const IBAN = [
  {
    id: 'iban',
    title: { en: 'Bank account', de: 'Bankkonto' },
    fields: [{ id: 'iban', label: 'IBAN', type: 'text', required: true, masked: true }],
  },
];

describe('the form catalog setting', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.boot({
      settings: { vault_url: 'http://127.0.0.1:9', vault_api_key: 'ivk.x.y', builtin_ssn: false },
    });
  });

  afterAll(async () => {
    await harness?.shutdown();
  });

  afterEach(async () => {
    await harness.checkLogs('the test');
  });

  async function picker(user: IUser) {
    const room = harness.world.addLivechatRoom({ servedBy: user });
    await harness.runCommand('secure-form', { user, room });
    const view = harness.lastView(user.id);
    const blocks = view.blocks as Array<{
      element?: { actionId?: string; options?: Array<{ value: string; text: { text: string } }> };
      elements?: Array<{ text: string }>;
    }>;
    return {
      options: blocks
        .find((b) => b.element?.actionId === 'form.pick')
        ?.element?.options?.map((o) => `${o.value}: ${o.text.text}`),
      notes: blocks.filter((b) => b.elements).map((b) => (b.elements || []).map((e) => e.text).join(' ')),
    };
  }

  it("adds valid custom forms after the enabled built-in ones, in the agent's language", async () => {
    await harness.setSetting('form_catalog', JSON.stringify(IBAN));
    const agent = harness.world.addAgent('agent.de', { settings: { preferences: { language: 'de' } } });
    expect((await picker(agent)).options).toEqual([
      'card_payment: Kartenzahlung',
      'cvv_only: Sicherheitscode der Karte',
      'security_question: Sicherheitsfrage',
      'iban: Bankkonto',
    ]);
    expect(harness.logText()).toContain('Form catalog accepted');
  });

  it("checks field patterns with the vault's own engine, inside the Deno sandbox", async () => {
    // Compiled by re2js, shipped in the zip: JavaScript's RegExp without "u" took `\-`, the vault refused it.
    const withPattern = [
      {
        id: 'branch',
        title: 'Branch code',
        fields: [{ id: 'sortCode', label: 'Sort code', type: 'text', pattern: '\\d{2}\\-\\d{2}\\-\\d{2}' }],
      },
    ];
    await harness.setSetting('form_catalog', JSON.stringify(withPattern));
    const agent = harness.world.addAgent('agent.pattern');
    expect((await picker(agent)).options).toContain('branch: Branch code');
    expect(harness.logText()).toContain('Form catalog accepted');

    const backreference = [{ ...withPattern[0], fields: [{ ...withPattern[0].fields[0], pattern: '(\\d)\\1' }] }];
    await harness.setSetting('form_catalog', JSON.stringify(backreference));
    const admin = harness.world.addUser({ username: 'pattern.admin', roles: ['user', 'livechat-agent', 'admin'] });
    const notes = (await picker(admin)).notes.join('\n');
    expect(notes).toContain(
      '[0].fields[0].pattern: The pattern of field "sortCode" cannot be used: invalid escape sequence',
    );
    expect((await picker(admin)).options).not.toContain('branch: Branch code');
  });

  it('ignores a broken catalog, keeps the built-in forms, and tells admins exactly what is wrong', async () => {
    await harness.setSetting(
      'form_catalog',
      '[{"id": "iban", "title": "Bank account", "fields": [{"id": "iban", "label": "IBAN", "type": "colour"}]}]',
    );
    const admin = harness.world.addUser({ username: 'boss', roles: ['user', 'livechat-agent', 'admin'] });
    const agent = harness.world.addAgent('agent.en');

    const forAdmin = await picker(admin);
    expect(forAdmin.options).toEqual([
      'card_payment: Card payment',
      'cvv_only: Card security code',
      'security_question: Security question',
    ]);
    expect(forAdmin.notes.join('\n')).toContain('[0].fields[0].type: Unknown field type "colour"');

    const forAgent = await picker(agent);
    expect(forAgent.options).toEqual(forAdmin.options);
    expect(forAgent.notes).toContain('Some custom forms are unavailable right now; the built-in forms work.');
    expect(forAgent.notes.join('\n')).not.toContain('colour');

    const logged = harness.logs.entries
      .flatMap((e) => e.entries)
      .filter((e) => e.severity === 'error')
      .map((e) => JSON.stringify(e.args));
    expect(logged.join('\n')).toContain('The custom form catalog setting has errors');
  });
});
