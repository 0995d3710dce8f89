/**
 * `GET /v1/compliance` tells the app's PCI DSS readiness check what the vault's configuration does
 * (audit retention and shipping, https links), behind the site's API key.
 */
import path from 'node:path';
import { startTestVault, tempDir, testConfig } from './helpers/vault';

describe('GET /v1/compliance', () => {
  it('answers the defaults: audit kept 365 days, data 396, no sink, http links', async () => {
    const vault = await startTestVault();
    try {
      const answer = await vault.call('GET', '/v1/compliance');
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({
        auditRetentionDays: 365,
        retentionDays: 396,
        auditSink: { file: false, syslog: false },
        publicUrlHttps: false,
      });
      expect((await vault.call('GET', '/v1/compliance', undefined, null)).statusCode).toBe(401);
    } finally {
      await vault.close();
    }
  });

  it('follows the configuration', async () => {
    const vault = await startTestVault({
      config: testConfig({
        VAULT_PUBLIC_URL: 'https://vault.example.com',
        VAULT_AUDIT_RETENTION_DAYS: '0',
        VAULT_AUDIT_SINK_FILE: path.join(tempDir(), 'audit.jsonl'),
        VAULT_AUDIT_SINK_SYSLOG: 'udp://127.0.0.1:5514',
      }),
    });
    try {
      expect((await vault.call('GET', '/v1/compliance')).json()).toEqual({
        auditRetentionDays: 0,
        retentionDays: 396,
        auditSink: { file: true, syslog: true },
        publicUrlHttps: true,
      });
    } finally {
      await vault.close();
    }
  });
});
