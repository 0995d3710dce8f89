/**
 * When Redis (which holds the shared rate-limit counters) is unreachable, routes that take or mint
 * an OTK refuse with 503 rather than run unlimited; the rest of the API goes on by default.
 * VAULT_RATE_LIMIT_FAIL_OPEN chooses: none, api (the default) or all.
 */
import { redisPrefix, requireRedis, REDIS_URL, TcpProxy, wipeRedisPrefix } from './helpers/backends';
import { idvRequest, startTestVault, testConfig, type TestVault } from './helpers/vault';

jest.setTimeout(30_000);

describe('rate limits while Redis is down', () => {
  const proxy = TcpProxy.forUrl(REDIS_URL);
  const prefix = redisPrefix();
  let via = '';

  beforeAll(async () => {
    await requireRedis();
    via = await proxy.listen();
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    await proxy.close();
    await wipeRedisPrefix(prefix);
  });

  async function withVault(failOpen: string | undefined, run: (vault: TestVault) => Promise<void>): Promise<void> {
    const env: Record<string, string> = {
      VAULT_REDIS_URL: `redis://${via}?prefix=${encodeURIComponent(prefix)}`,
      ...(failOpen === undefined ? {} : { VAULT_RATE_LIMIT_FAIL_OPEN: failOpen }),
    };
    const vault = await startTestVault({ config: testConfig(env) });
    try {
      await run(vault);
    } finally {
      await vault.close();
    }
  }

  const deadLink = `/f/${'A'.repeat(43)}`;
  const open = (vault: TestVault) => vault.call('GET', deadLink, undefined, null, { accept: 'application/json' });
  const detokenize = (vault: TestVault) =>
    vault.call('POST', '/v1/detokenize', { otk: 'A'.repeat(43), agentId: 'agent-1' });

  it('by default: OTK routes answer 503, the other API routes still work', async () => {
    await withVault(undefined, async (vault) => {
      expect((await open(vault)).statusCode).toBe(404);
      proxy.cut();
      const refused = await open(vault);
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error.code).toBe('unavailable');
      expect((await detokenize(vault)).statusCode).toBe(503);
      expect((await vault.call('POST', '/v1/requests', idvRequest())).statusCode).toBe(201);
    });
  });

  it('"all" lets every route through unlimited (the old behaviour)', async () => {
    await withVault('all', async (vault) => {
      proxy.cut();
      expect((await open(vault)).statusCode).toBe(404);
      expect((await detokenize(vault)).statusCode).toBe(403);
    });
  });

  it('"none" refuses every limited route', async () => {
    await withVault('none', async (vault) => {
      proxy.cut();
      expect((await vault.call('POST', '/v1/requests', idvRequest())).statusCode).toBe(503);
      expect((await open(vault)).statusCode).toBe(503);
    });
  });

  it('refuses a value it does not know', () => {
    expect(() => testConfig({ VAULT_RATE_LIMIT_FAIL_OPEN: 'sometimes' })).toThrow(/VAULT_RATE_LIMIT_FAIL_OPEN/);
  });
});
