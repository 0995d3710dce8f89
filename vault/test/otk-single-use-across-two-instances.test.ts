/**
 * Two vault instances on one PostgreSQL schema and one Redis prefix, as behind a load balancer:
 * whatever instance a call lands on, an OTK works once and data submitted through one is
 * readable through the other.
 */
import { runCli } from '../src/cli/commands';
import { ephemeralKey } from '../src/service/request-spec';
import { cardForm, createAndOpen, futureExpiry, pathOf, reveal, type TestVault } from './helpers/vault';
import { rawRedis, requirePostgres, requireRedis, scanKeys } from './helpers/backends';
import { SharedBackends, startTwoVaults } from './helpers/scale-out';

const CONCURRENCY = 50;

describe('two vault instances on one PostgreSQL and Redis', () => {
  const backends = new SharedBackends();
  let a: TestVault;
  let b: TestVault;
  beforeAll(async () => {
    await requirePostgres();
    await requireRedis();
    [a, b] = await startTwoVaults(backends);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await backends.drop();
  });

  const either = (i: number) => (i % 2 === 0 ? a : b);
  const card = () => ({ name: 'Ada Lovelace', pan: '4111111111111111', exp: futureExpiry(), cvv: '737' });

  it('created on A, opened on B, submitted on A, revealed on B (off-the-record values via Redis); closed on B, gone for A', async () => {
    const created = (await a.call('POST', '/v1/requests', cardForm({ roomId: 'room-ab' }))).json();
    const view = (
      await b.call('GET', pathOf(created.visitorUrl), undefined, null, { accept: 'application/json' })
    ).json();
    const values = card();
    expect((await a.call('POST', pathOf(view.submitUrl), { values }, null)).json()).toEqual({ status: 'submitted' });
    expect((await b.call('GET', `/v1/requests/${created.requestId}`)).json().status).toBe('submitted');
    const shown = await reveal(b, created.requestId);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({ requestId: created.requestId, values, expired: [] });

    const redis = rawRedis();
    try {
      expect(await scanKeys(redis, backends.prefix)).toContain(`${backends.prefix}${ephemeralKey(created.requestId)}`);
      expect((await b.call('POST', '/v1/sessions/close', { roomId: 'room-ab' })).statusCode).toBe(204);
      expect(await scanKeys(redis, backends.prefix)).not.toContain(
        `${backends.prefix}${ephemeralKey(created.requestId)}`,
      );
    } finally {
      redis.disconnect();
    }
    expect(
      (await a.call('POST', `/v1/requests/${created.requestId}/otk`, { agentId: 'agent-1' })).json().error.code,
    ).toBe('session_closed');
  });

  it(`${CONCURRENCY} concurrent redemptions of one detokenize OTK over both instances: exactly one succeeds`, async () => {
    const { requestId, submitPath } = await createAndOpen(a, cardForm());
    await b.call('POST', submitPath, { values: card() }, null);
    const { otk } = (await a.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' })).json();
    const answers = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        either(i).call('POST', '/v1/detokenize', { otk, agentId: 'agent-1' }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(CONCURRENCY - 1);
    for (const refused of answers.filter((r) => r.statusCode === 403))
      expect(refused.json().error.code).toBe('invalid_otk');
    expect(answers.find((r) => r.statusCode === 200)!.json().values.pan).toBe('4111111111111111');
  });

  it(`${CONCURRENCY} concurrent submits of one submit link over both instances: exactly one succeeds, one record`, async () => {
    const { requestId, submitPath } = await createAndOpen(b, cardForm());
    const answers = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        either(i).call(
          'POST',
          submitPath,
          { values: { ...card(), name: `Submitter ${i}`, cvv: `${i}`.padStart(3, '9') } },
          null,
        ),
      ),
    );
    const winners = answers.map((r, i) => [r.statusCode, i] as const).filter(([status]) => status === 200);
    expect(winners).toHaveLength(1);
    // The others find the link used (404), or still being submitted by the winner (409).
    expect(answers.filter((r) => r.statusCode === 404 || r.statusCode === 409)).toHaveLength(CONCURRENCY - 1);
    // The stored values are all the winner's, read through the other instance: the losers neither
    // overwrote nor erased its off-the-record CVV in Redis.
    const shown = (await reveal(winners[0][1] % 2 === 0 ? b : a, requestId)).json();
    expect(shown).toMatchObject({
      values: { name: `Submitter ${winners[0][1]}`, cvv: `${winners[0][1]}`.padStart(3, '9') },
      expired: [],
    });
    const submits = (await a.app.vault.storage.readAudit(0, 10_000)).filter(
      (e) => e.action === 'request.submit' && e.requestId === requestId,
    );
    expect(submits).toHaveLength(1);
  });

  it(`${CONCURRENCY} concurrent opens of one visitor link over both instances: exactly one succeeds`, async () => {
    const created = (await a.call('POST', '/v1/requests', cardForm())).json();
    const answers = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        either(i).call('GET', pathOf(created.visitorUrl), undefined, null, { accept: 'application/json' }),
      ),
    );
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.statusCode === 404)).toHaveLength(CONCURRENCY - 1);
  });

  it('after all that, the audit chain written by both instances verifies (vault:cli audit verify)', async () => {
    const out: string[] = [];
    const code = await runCli(
      ['audit', 'verify'],
      { ...backends.env(), VAULT_DATA_DIR: a.config.dataDir },
      { out: (l) => out.push(l), err: () => undefined },
    );
    expect(code).toBe(0);
    expect(JSON.parse(out[0])).toMatchObject({ ok: true });
    expect(JSON.parse(out[0]).count).toBeGreaterThan(20);
  });
});
