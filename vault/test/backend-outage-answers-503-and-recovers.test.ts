/**
 * PostgreSQL or Redis going away mid-run. The shared servers stay up (other test files use them):
 * the vault reaches each through a TCP proxy this test cuts and restores. While one is gone the
 * vault answers 503 `unavailable` at once, /readyz names it, nothing is lost (a visitor's link
 * still works afterwards), and it recovers without a restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { ephemeralKey } from '../src/service/request-spec';
import {
  cardForm,
  createAndOpen,
  futureExpiry,
  idvRequest,
  reveal,
  startTestVault,
  testConfig,
  type TestVault,
} from './helpers/vault';
import {
  POSTGRES_URL,
  rawRedis,
  REDIS_URL,
  requirePostgres,
  requireRedis,
  scanKeys,
  TcpProxy,
} from './helpers/backends';
import { SharedBackends } from './helpers/scale-out';

jest.setTimeout(60_000);

/** Answers while a backend is down must come fast: no hanging on a dead connection. */
const FAST_MS = 3000;

describe('a backend outage', () => {
  const backends = new SharedBackends();
  const postgres = TcpProxy.forUrl(POSTGRES_URL);
  const redis = TcpProxy.forUrl(REDIS_URL);
  let vault: TestVault;

  beforeAll(async () => {
    await requirePostgres();
    await requireRedis();
    const via = { postgres: await postgres.listen(), redis: await redis.listen() };
    // What each call needs from storage is the subject here, so the rate limits run unlimited while
    // Redis is down; the default (OTK routes refuse) is rate-limits-fail-closed-on-otk-routes-when-redis-is-down.
    vault = await startTestVault({ config: testConfig({ ...backends.env(via), VAULT_RATE_LIMIT_FAIL_OPEN: 'all' }) });
  });
  afterAll(async () => {
    await vault?.close();
    await postgres.close();
    await redis.close();
    await backends.drop();
  });

  const values = () => ({ name: 'Katherine Johnson', pan: '4111111111111111', exp: futureExpiry(), cvv: '602' });

  async function timed(call: () => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
    const started = Date.now();
    const response = await call();
    expect(Date.now() - started).toBeLessThan(FAST_MS);
    return response;
  }

  function expectUnavailable(response: LightMyRequestResponse): void {
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/storage/) } });
  }

  async function readyAgain(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while ((await vault.app.ops.inject({ method: 'GET', url: '/readyz' })).statusCode !== 200) {
      if (Date.now() > deadline) throw new Error('/readyz did not recover within 15 s');
      await sleep(100);
    }
  }

  it('PostgreSQL down: 503 unavailable, /readyz names it, links survive, recovery without restart', async () => {
    const before = await createAndOpen(vault, cardForm());
    expect((await vault.call('POST', before.submitPath, { values: values() }, null)).statusCode).toBe(200);
    const pending = await createAndOpen(vault, cardForm({ roomId: 'room-2' }));

    postgres.cut();
    const ready = await timed(() => vault.app.ops.inject({ method: 'GET', url: '/readyz' }));
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'unavailable',
      checks: { 'storage:postgres': 'unreachable', 'ephemeral:redis': 'ok' },
    });
    expect((await vault.call('GET', '/healthz')).statusCode).toBe(200);
    expectUnavailable(await timed(() => vault.call('POST', '/v1/requests', cardForm())));
    expectUnavailable(await timed(() => vault.call('POST', pending.submitPath, { values: values() }, null)));
    expectUnavailable(
      await timed(() => vault.call('POST', `/v1/requests/${before.requestId}/otk`, { agentId: 'agent-1' })),
    );
    expectUnavailable(await timed(() => vault.call('POST', '/v1/sessions/close', { roomId: 'room-9' })));
    // The HTML page says so too, with the same status.
    const page = await timed(() =>
      vault.call('POST', pending.submitPath, 'v.name=x', null, { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(page.statusCode).toBe(503);

    postgres.restore();
    await readyAgain();
    // The visitor's link outlived the outage; the data from before it is intact.
    expect((await vault.call('POST', pending.submitPath, { values: values() }, null)).json()).toEqual({
      status: 'submitted',
    });
    expect((await reveal(vault, pending.requestId)).json().values).toEqual(values());
    expect((await reveal(vault, before.requestId)).json().values).toEqual(values());
    expect(vault.logs.text).not.toContain('4111111111111111');
  });

  it('Redis down: 503 for what needs it, PostgreSQL-only calls still work, and recovery without restart', async () => {
    const withCvv = await createAndOpen(vault, cardForm({ roomId: 'room-r' }));
    const idv = await createAndOpen(vault, idvRequest({ roomId: 'room-r' }));
    const onRecordOnly = await createAndOpen(
      vault,
      cardForm({
        roomId: 'room-r',
        form: { id: 'ssn', title: 'SSN', fields: [{ id: 'ssn', label: 'SSN', type: 'ssn', required: true }] },
      }),
    );
    const earlier = await createAndOpen(vault, cardForm({ roomId: 'room-closing' }));
    expect((await vault.call('POST', earlier.submitPath, { values: values() }, null)).statusCode).toBe(200);
    const revealLater = await createAndOpen(vault, cardForm({ roomId: 'room-reveal' }));
    expect((await vault.call('POST', revealLater.submitPath, { values: values() }, null)).statusCode).toBe(200);
    const minted = (
      await vault.call('POST', `/v1/requests/${revealLater.requestId}/otk`, { agentId: 'agent-1' })
    ).json();

    redis.cut();
    const ready = await timed(() => vault.app.ops.inject({ method: 'GET', url: '/readyz' }));
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'unavailable',
      checks: { 'storage:postgres': 'ok', 'ephemeral:redis': 'unreachable' },
    });
    expectUnavailable(await timed(() => vault.call('POST', withCvv.submitPath, { values: values() }, null)));
    expectUnavailable(await timed(() => vault.call('POST', idv.submitPath, { values: { 2: '5', 4: '8' } }, null)));
    expect((await vault.call('GET', `/v1/requests/${withCvv.requestId}`)).json().status).toBe('opened');
    // Nothing off the record: no need for Redis.
    expect(
      (await vault.call('POST', onRecordOnly.submitPath, { values: { ssn: '123-45-6789' } }, null)).statusCode,
    ).toBe(200);
    expect((await reveal(vault, onRecordOnly.requestId)).json()).toMatchObject({
      values: { ssn: '123-45-6789' },
      expired: [],
    });
    // What has off-the-record data cannot be revealed now, and the detokenize OTK is not used up by trying.
    expectUnavailable(await timed(() => vault.call('POST', '/v1/detokenize', { otk: minted.otk, agentId: 'agent-1' })));
    expect((await vault.call('POST', '/v1/requests', cardForm())).statusCode).toBe(201);
    // Closing commits in PostgreSQL (links die at once) but cannot erase Redis yet: 503, so the app retries.
    expectUnavailable(await timed(() => vault.call('POST', '/v1/sessions/close', { roomId: 'room-closing' })));

    redis.restore();
    await readyAgain();
    expect((await vault.call('POST', withCvv.submitPath, { values: values() }, null)).json()).toEqual({
      status: 'submitted',
    });
    expect((await vault.call('POST', idv.submitPath, { values: { 2: '5', 4: '8' } }, null)).json()).toEqual({
      status: 'submitted',
    });
    expect((await reveal(vault, withCvv.requestId)).json()).toMatchObject({ values: values(), expired: [] });
    expect((await reveal(vault, idv.requestId)).json()).toMatchObject({ values: { 2: '5', 4: '8' }, expired: [] });
    expect((await vault.call('POST', '/v1/detokenize', { otk: minted.otk, agentId: 'agent-1' })).json()).toMatchObject({
      values: values(),
      expired: [],
    });
    // The app's retry of the close now also erases the off-the-record data.
    expect((await vault.call('POST', '/v1/sessions/close', { roomId: 'room-closing' })).statusCode).toBe(204);
    const raw = rawRedis();
    try {
      expect(await scanKeys(raw, backends.prefix)).not.toContain(
        `${backends.prefix}${ephemeralKey(earlier.requestId)}`,
      );
    } finally {
      raw.disconnect();
    }
  });
});
