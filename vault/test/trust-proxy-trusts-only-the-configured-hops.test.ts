import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { startTestVault, testConfig, type TestVault } from './helpers/vault';

/**
 * Behind a proxy the visitor's IP (what the per-IP visitor limit counts) is the address the trusted
 * proxy saw, not whatever the visitor wrote at the left of X-Forwarded-For.
 */
describe('VAULT_TRUST_PROXY', () => {
  const spoofedOpens = async (vault: TestVault, realIp: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      // A new link each time: what is counted here is the address, not the link.
      const response = await vault.call('GET', `/f/${String(i).padStart(43, 'A')}`, undefined, null, {
        accept: 'application/json',
        'x-forwarded-for': `203.0.113.${i}, ${realIp}`,
      });
      statuses.push(response.statusCode);
    }
    return statuses;
  };

  it.each([
    ['a hop count', '1'],
    ['the proxy address', '127.0.0.1'],
    ['a CIDR list', '10.0.0.0/8, 127.0.0.0/8'],
  ])('trusting %s, a spoofed left-most X-Forwarded-For does not escape the limit', async (_what, trust) => {
    const vault = await startTestVault({
      config: testConfig({ VAULT_TRUST_PROXY: trust, VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '3' }),
    });
    try {
      expect(await spoofedOpens(vault, '198.51.100.7')).toEqual([404, 404, 404, 429, 429]);
    } finally {
      await vault.close();
    }
  });

  it('two hops trust the proxy and the one in front of it, and no further', async () => {
    const vault = await startTestVault({
      config: testConfig({ VAULT_TRUST_PROXY: '2', VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '1' }),
    });
    try {
      let links = 0;
      const open = (xff: string) =>
        vault.call('GET', `/f/${String((links += 1)).padStart(43, 'A')}`, undefined, null, {
          accept: 'application/json',
          'x-forwarded-for': xff,
        });
      expect((await open('203.0.113.1, 198.51.100.7, 10.0.0.2')).statusCode).toBe(404);
      expect((await open('203.0.113.2, 198.51.100.7, 10.0.0.2')).statusCode).toBe(429);
      expect((await open('198.51.100.8, 10.0.0.2')).statusCode).toBe(404);
    } finally {
      await vault.close();
    }
  });

  it.each(['true', 'TRUE', 'yes'])('refuses "%s" at start-up and says what to write instead', (value) => {
    let error: unknown;
    try {
      loadConfig({ VAULT_TRUST_PROXY: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('VAULT_TRUST_PROXY');
    expect((error as Error).message).toMatch(/number of proxies/);
    expect((error as Error).message).toMatch(/CIDR/);
  });

  it.each(['10.0.0.0/33', '300.1.1.1', 'nginx', '-1', '1.5'])('refuses the malformed value "%s"', (value) => {
    expect(() => loadConfig({ VAULT_TRUST_PROXY: value })).toThrow(/VAULT_TRUST_PROXY/);
  });

  it.each(['', 'false', 'no', '0'])('"%s" trusts no proxy', (value) => {
    expect(loadConfig({ VAULT_TRUST_PROXY: value }).trustProxy).toBe(false);
  });
});
