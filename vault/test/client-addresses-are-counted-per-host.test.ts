import { clientAddressKey } from '../src/http/client-address';
import { startTestVault, testConfig } from './helpers/vault';

describe('client addresses as the per-IP limits count them', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::7', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['::1', '::/64'],
    ['not an address', 'not an address'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });

  it('an IPv6 host cannot escape the visitor limit by moving within its /64', async () => {
    const vault = await startTestVault({
      config: testConfig({ VAULT_TRUST_PROXY: '1', VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '2' }),
    });
    try {
      const open = async (i: number, ip: string) =>
        (
          await vault.call('GET', `/f/${String(i).padStart(43, 'v')}`, undefined, null, {
            accept: 'application/json',
            'x-forwarded-for': ip,
          })
        ).statusCode;
      expect(await open(1, '2001:db8:1:2::7')).toBe(404);
      expect(await open(2, '2001:db8:1:2:aaaa::8')).toBe(404);
      expect(await open(3, '2001:db8:1:2:bbbb::9')).toBe(429);
      expect(await open(4, '2001:db8:1:3::1')).toBe(404);
    } finally {
      await vault.close();
    }
  });

  it('failed API keys count the whole address: servers sharing a /64 do not lock each other out', async () => {
    const vault = await startTestVault({
      config: testConfig({ VAULT_TRUST_PROXY: '1', VAULT_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '2' }),
    });
    try {
      const statuses = [];
      for (let i = 1; i <= 3; i += 1)
        statuses.push(
          (
            await vault.call('GET', '/v1/compliance', undefined, 'wrong-key', {
              'x-forwarded-for': `2001:db8:9:9::${i}`,
            })
          ).statusCode,
        );
      expect(statuses).toEqual([401, 401, 401]);
    } finally {
      await vault.close();
    }
  });
});
