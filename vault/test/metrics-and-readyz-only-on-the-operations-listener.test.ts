/**
 * /metrics (which shows when submits and views happen) and /readyz (which names the backends) are
 * not on the visitors' port: they answer on an operations listener, by default on 127.0.0.1 and a
 * port of its own. /healthz stays on the main port for load balancers and the Docker HEALTHCHECK.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config';
import { startTestVault, testConfig } from './helpers/vault';

describe('the operations listener', () => {
  it('the main port answers /healthz only; /metrics and /readyz are 404 there', async () => {
    const vault = await startTestVault();
    try {
      expect((await vault.call('GET', '/healthz', undefined, null)).statusCode).toBe(200);
      for (const path of ['/metrics', '/readyz']) {
        const response = await vault.call('GET', path, undefined, null);
        expect([path, response.statusCode]).toEqual([path, 404]);
        expect(response.body).not.toMatch(/vault_|storage:/);
      }
    } finally {
      await vault.close();
    }
  });

  it('listens on its own address and port, 127.0.0.1 by default, and serves metrics, readiness and health', async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_OPS_PORT: '0' }) });
    try {
      expect(vault.config.opsHost).toBe('127.0.0.1');
      await vault.app.listen({ host: '127.0.0.1', port: 0 });
      await vault.app.ops.listen({ host: vault.config.opsHost, port: vault.config.opsPort });
      const main = vault.app.server.address() as AddressInfo;
      const ops = vault.app.ops.server.address() as AddressInfo;
      expect(ops.address).toBe('127.0.0.1');
      expect(ops.port).not.toBe(main.port);
      const metrics = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/vault_http_requests_total/);
      expect(metrics.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await fetch(`http://127.0.0.1:${ops.port}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${ops.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${main.port}/metrics`)).status).toBe(404);
    } finally {
      await vault.close();
    }
    // Closing the vault closes its operations listener too.
    expect(vault.app.ops.server.listening).toBe(false);
  });

  it('defaults to port 8201 and refuses to share the main address and port', () => {
    expect(loadConfig({}).opsPort).toBe(8201);
    expect(loadConfig({ VAULT_OPS_HOST: '10.0.0.5', VAULT_OPS_PORT: '9100' })).toMatchObject({
      opsHost: '10.0.0.5',
      opsPort: 9100,
    });
    expect(() => loadConfig({ VAULT_PORT: '9000', VAULT_OPS_PORT: '9000' })).toThrow(/VAULT_OPS_PORT/);
  });
});
