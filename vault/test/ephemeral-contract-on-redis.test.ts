import { RedisEphemeralStore } from '../src/ephemeral/redis';
import { REDIS_URL, redisPrefix, requireRedis, wipeRedisPrefix } from './helpers/backends';
import { describeEphemeralContract } from './shared/ephemeral-contract';

beforeAll(requireRedis);

describeEphemeralContract('Redis', async () => {
  const prefix = redisPrefix();
  const store = new RedisEphemeralStore(REDIS_URL, { prefix });
  await store.connect();
  return {
    store,
    async destroy() {
      await store.close();
      await wipeRedisPrefix(prefix);
    },
  };
});
