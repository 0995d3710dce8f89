/**
 * A vault that is down, slow, or answers errors: the agent gets a clear private message, nothing
 * half-done stays in the room or in app persistence, handlers do not fail, and the API key
 * appears nowhere.
 */
import { EngineHarness } from '../harness/engine';
import { freePort } from '../../testkit/ports';
import type { StubServer } from '../harness/stub-server';
import { startStubServer } from '../harness/stub-server';

const API_KEY = 'ivk.0123456789abcdef.super-secret-key-material';
const IDV = { 'idv.secret-kind': 'pin', 'idv.length': '4', 'idv.first-position': '1', 'idv.second-position': '3' };

describe('when the vault fails', () => {
  let harness: EngineHarness;
  let stubs: StubServer[] = [];

  beforeAll(async () => {
    harness = await EngineHarness.boot({
      settings: { vault_api_key: API_KEY, site_id: 'rc-test', vault_timeout_ms: 1000 },
    });
  });

  afterAll(async () => {
    await harness?.shutdown();
  });

  afterEach(async () => {
    await Promise.all(stubs.map((s) => s.close()));
    stubs = [];
    await harness.checkLogs('the test');
  });

  async function vaultAt(url: string): Promise<void> {
    await harness.setSetting('vault_url', url);
  }

  async function stub(handler: Parameters<typeof startStubServer>[0]): Promise<string> {
    const server = await startStubServer(handler);
    stubs.push(server);
    return server.url;
  }

  /** The agent sends ID&V; returns what they were told and what the room and persistence hold. */
  async function sendIdvAndLook() {
    const agent = harness.world.addAgent(`agent.${Math.random().toString(36).slice(2, 7)}`);
    const room = harness.world.addLivechatRoom({ servedBy: agent });
    await harness.runCommand('idv', { user: agent, room });
    const started = Date.now();
    const response = await harness.submitView(harness.lastView(agent.id), agent, IDV);
    // The modal is answered at once; the scheduled send meets the vault.
    await harness.jobsSettled();
    return {
      response,
      took: Date.now() - started,
      told: harness.world.notificationsFor(agent.id).map((n) => n.message.text),
      roomMessages: harness.world.messagesIn(room.id).length,
      records: Array.from(harness.world.persistence.values()).filter(
        (r) => JSON.stringify(r.data).includes(room.id) && !JSON.stringify(r.data).includes('viewId'),
      ).length,
    };
  }

  it('is unreachable: says so, and sends nothing', async () => {
    await vaultAt(`http://127.0.0.1:${await freePort()}`);
    expect(await sendIdvAndLook()).toMatchObject({
      response: { success: true },
      told: [
        'The vault could not be reached. Try again in a moment; if it keeps failing, tell an administrator. Nothing was sent to the visitor.',
      ],
      roomMessages: 0,
      records: 0,
    });
  });

  it('is slow: gives up after the timeout and says so', async () => {
    await vaultAt(await stub(() => undefined));
    const result = await sendIdvAndLook();
    expect(result).toMatchObject({
      told: ['The vault did not answer in time. Try again in a moment. Nothing was sent to the visitor.'],
      roomMessages: 0,
      records: 0,
    });
    expect(result.took).toBeLessThan(5000);
  });

  it('answers 500: says it could not be reached, and sends nothing', async () => {
    await vaultAt(
      await stub((_req, res) =>
        res
          .writeHead(500, { 'Content-Type': 'application/json' })
          .end('{"error":{"code":"internal","message":"boom"}}'),
      ),
    );
    expect(await sendIdvAndLook()).toMatchObject({
      told: [expect.stringMatching(/^The vault could not be reached/)],
      roomMessages: 0,
      records: 0,
    });
  });

  it('refuses the API key: tells the agent to have the settings checked', async () => {
    await vaultAt(
      await stub((_req, res) =>
        res
          .writeHead(401, { 'Content-Type': 'application/json' })
          .end('{"error":{"code":"unauthorized","message":"bad key"}}'),
      ),
    );
    expect(await sendIdvAndLook()).toMatchObject({
      told: [
        "The vault refused the app's API key. Ask an administrator to check the app's settings. Nothing was sent to the visitor.",
      ],
      roomMessages: 0,
    });
  });

  it('answers nonsense: says the vault refused, and sends nothing', async () => {
    await vaultAt(
      await stub((_req, res) => res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"requestId":"x"}')),
    );
    expect(await sendIdvAndLook()).toMatchObject({
      told: [expect.stringMatching(/^The vault refused the request/)],
      roomMessages: 0,
      records: 0,
    });
  });

  it('is down when a chat closes: the handler still succeeds', async () => {
    await vaultAt(`http://127.0.0.1:${await freePort()}`);
    const agent = harness.world.addAgent('agent.closing');
    await harness.closeLivechatRoom(harness.world.addLivechatRoom({ servedBy: agent }));
  });

  it('never lets the API key into a message, persistence, the logs or an error', () => {
    const everything = JSON.stringify({
      messages: harness.world.messages,
      notifications: harness.world.notifications,
      persistence: Array.from(harness.world.persistence.values()),
      calls: harness.world.httpCalls,
      logs: harness.logs.entries,
    });
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain('super-secret-key-material');
  });
});
