/**
 * Two real vault processes (`node dist/main.js`) on different ports, one PostgreSQL schema and
 * one Redis prefix: the deployment behind a load balancer, minus the balancer.
 */
import { cardForm, futureExpiry } from './helpers/vault';
import { requirePostgres, requireRedis } from './helpers/backends';
import { addSiteByCli, ensureVaultBuilt, VaultHttp, VaultProcess, vaultCli } from './helpers/processes';
import { SharedBackends } from './helpers/scale-out';
import { tempDir } from './helpers/vault';

jest.setTimeout(60_000);

const CONCURRENCY = 40;

describe('two vault processes on one PostgreSQL and Redis', () => {
  const backends = new SharedBackends();
  const env = () => ({ ...backends.env(), VAULT_DATA_DIR: tempDir() });
  let one: VaultProcess | undefined;
  let two: VaultProcess | undefined;
  let a: VaultHttp;
  let b: VaultHttp;

  beforeAll(async () => {
    await requirePostgres();
    await requireRedis();
    ensureVaultBuilt();
    const apiKey = addSiteByCli('acme', env());
    [one, two] = await Promise.all([VaultProcess.start(env()), VaultProcess.start(env())]);
    a = new VaultHttp(one.url, apiKey);
    b = new VaultHttp(two.url, apiKey);
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await backends.drop();
  });

  it('data submitted through one is readable through the other; an OTK and a submit link work once over both', async () => {
    const pick = (i: number) => (i % 2 === 0 ? a : b);
    const values = { name: 'Grace Hopper', pan: '5555555555554444', exp: futureExpiry(), cvv: '314' };

    const { requestId, visitorPath } = await a.create(cardForm());
    const submitPath = await b.open(visitorPath);
    const submits = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) => pick(i).submit(submitPath, values)),
    );
    expect(submits.filter((s) => s === 200)).toHaveLength(1);
    expect(submits.filter((s) => s === 404)).toHaveLength(CONCURRENCY - 1);

    const minted = await b.api('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
    const redemptions = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        pick(i).api('POST', '/v1/detokenize', { otk: minted.json!.otk, agentId: 'agent-1' }),
      ),
    );
    const ok = redemptions.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(
      redemptions.filter((r) => r.status === 403 && (r.json!.error as { code: string }).code === 'invalid_otk'),
    ).toHaveLength(CONCURRENCY - 1);
    // On-record values from PostgreSQL, the CVV from Redis, whichever process answered.
    expect(ok[0].json!.values).toEqual(values);
    expect((await a.reveal(requestId)).values).toEqual(values);
  });

  it('both stop cleanly, the logs hold no value, and the audit chain both wrote verifies', async () => {
    expect(await one!.stop()).toBe(0);
    expect(await two!.stop()).toBe(0);
    expect(one!.output + two!.output).not.toMatch(/5555555555554444|Grace Hopper/);
    const verified = vaultCli(['audit', 'verify'], env());
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout.trim())).toMatchObject({ ok: true });
  });
});
