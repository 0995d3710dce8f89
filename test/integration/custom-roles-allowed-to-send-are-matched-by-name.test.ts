/**
 * *Roles allowed to send* as an admin writes it, on Rocket.Chat's rule that a user's roles are role
 * ids: a built-in role's id is its name, a custom role's a random id the admin never sees.
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { EngineHarness } from '../harness/engine';

const NOT_SET_UP = "The vault is not set up yet. Ask an administrator to fill in the app's settings.";
const ROLE_REFUSED = 'Your role is not allowed to send ID&V questions or secure forms. Ask an administrator.';

describe('roles allowed to send, in the real Apps-Engine', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.boot();
  });

  afterAll(async () => {
    await harness?.shutdown();
  });

  /** What /idv tells `agent` in a chat they serve: past the role check, the vault is not set up. */
  async function idvAnswer(agent: IUser): Promise<string | undefined> {
    const room = harness.world.addLivechatRoom({ servedBy: agent });
    await harness.runCommand('idv', { user: agent, room });
    const notices = harness.world.notificationsFor(agent.id).filter((n) => n.roomId === room.id);
    return notices.map((n) => n.message.text).pop();
  }

  it('a custom role written by its name lets its holders send, and nobody else', async () => {
    const payments = harness.world.addCustomRole('Payments team');
    expect(payments.id).not.toBe('Payments team');
    await harness.setSetting('sender_roles', 'Payments team');
    const holder = harness.world.addUser({ username: 'pay.agent', roles: ['user', payments.id] });
    const other = harness.world.addAgent('plain.agent');
    expect(await idvAnswer(holder)).toBe(NOT_SET_UP);
    expect(await idvAnswer(other)).toBe(ROLE_REFUSED);
    // By its id too, and beside a built-in role, with the spaces around commas an admin types.
    await harness.setSetting('sender_roles', ` livechat-manager ,  ${payments.id} `);
    expect(await idvAnswer(holder)).toBe(NOT_SET_UP);
    expect(await idvAnswer(other)).toBe(ROLE_REFUSED);
  });

  it('a list once written with spaces still reads as roles, but only when every word is one', async () => {
    const agent = harness.world.addAgent('legacy.agent');
    await harness.setSetting('sender_roles', 'livechat-manager livechat-agent');
    expect(await idvAnswer(agent)).toBe(NOT_SET_UP);
    // A custom role that was deleted: its words must not let in everyone holding `user`.
    await harness.setSetting('sender_roles', 'Premium user');
    expect(await idvAnswer(agent)).toBe(ROLE_REFUSED);
  });

  it('a value of the wrong kind, which only the REST API saves, reads as the default and is logged by name', async () => {
    const agent = harness.world.addAgent('rest.agent');
    const user = harness.world.addUser({ username: 'rest.user', roles: ['user'] });
    // A number read as no roles at all would have let any serving user send.
    await harness.setSetting('sender_roles', 4111111111111111);
    expect(await idvAnswer(user)).toBe(ROLE_REFUSED);
    expect(await idvAnswer(agent)).toBe(NOT_SET_UP);
    await harness.setSetting('viewing_mode', 'in chat');
    await harness.setSetting('builtin_ssn', 'false');
    const logs = harness.logText();
    expect(logs).toContain('The Roles allowed to send setting is not text: its default is used');
    expect(logs).toContain('The How agents view submitted values setting is none of its choices: its default is used');
    expect(logs).toMatch(
      /The [^"]*Social Security[^"]* setting is not on or off \(true or false\): its default is used/,
    );
    expect(logs).not.toContain('4111111111111111');
    await harness.setSetting('sender_roles', 'livechat-agent');
    await harness.setSetting('viewing_mode', 'strict');
    await harness.setSetting('builtin_ssn', true);
  });

  it('saving an entry that names no role says so in the logs, and names the known ones nowhere', async () => {
    harness.world.addCustomRole('Card desk');
    await harness.setSetting('sender_roles', 'Card desk, Crad desk, livechat-agent, 4111 1111 1111 1111');
    const logs = harness.logText();
    const at = logs.lastIndexOf('Roles allowed to send:');
    const warning = logs.slice(at, logs.indexOf('separated by commas', at));
    expect(warning).toContain('\\"Crad desk\\"');
    expect(warning).not.toContain('Card desk');
    expect(warning).not.toContain('livechat-agent');
    // An admin's text is quoted masked, as every setting problem is.
    expect(warning).not.toContain('4111 1111 1111 1111');
    expect(warning).toContain('1111');
  });

  /** The last warning about the setting that contains `words`, up to the advice that ends each. */
  function lastWarning(words: string): string {
    const logs = harness.logText();
    const at = logs.lastIndexOf(words);
    expect(at).toBeGreaterThanOrEqual(0);
    const start = logs.lastIndexOf('Roles allowed to send:', at);
    return logs.slice(start, logs.indexOf('separated by commas', at));
  }

  it('saving a role held per room, or a list written with spaces, says how it is read', async () => {
    const agent = harness.world.addAgent('owner.agent');
    await harness.setSetting('sender_roles', 'owner, livechat-manager livechat-agent, moderator');
    // Rocket.Chat keeps `owner` and `moderator` on a room's subscription, never in a user's roles.
    const room = lastWarning('held per room');
    expect(room).toContain('\\"owner\\", \\"moderator\\" are roles held per room');
    expect(room).not.toContain('livechat-agent');
    const words = lastWarning('read as');
    expect(words).toContain('\\"livechat-manager livechat-agent\\" is read as its words');
    expect(words).not.toContain('owner');
    expect(await idvAnswer(agent)).toBe(NOT_SET_UP);
    // A list with nothing to say about it logs nothing more.
    const before = harness.logText().length;
    await harness.setSetting('sender_roles', 'livechat-manager, livechat-agent');
    expect(harness.logText().slice(before)).not.toContain('Roles allowed to send:');
    // A room role among the words of an old list is named too, by itself.
    await harness.setSetting('sender_roles', 'leader livechat-agent');
    expect(lastWarning('held per room')).toContain('\\"leader\\" is a role held per room');
    expect(lastWarning('read as')).toContain('\\"leader livechat-agent\\" is read as its words');
  });
});
