import { buildApp } from '../src/http/app';
import {
  cardForm,
  createAndOpen,
  futureExpiry,
  LogCapture,
  reveal,
  startTestVault,
  testConfig,
  submitCard,
} from './helpers/vault';

describe('a restart', () => {
  it('keeps tokenized data readable, and forgets off-the-record data (memory only)', async () => {
    const config = testConfig();
    const first = await startTestVault({ config });
    const { requestId, submitPath } = await createAndOpen(first, cardForm());
    const exp = futureExpiry();
    await first.call(
      'POST',
      submitPath,
      { values: { name: 'Grace Hopper', pan: '378282246310005', exp, cvv: '1234' } },
      null,
    );
    const pending = (await first.call('POST', '/v1/requests', cardForm({ roomId: 'room-2' }))).json();
    await first.close();

    const second = await buildApp(config, { logStream: new LogCapture(), doorbell: { retryDelaysMs: [] } });
    try {
      first.app = second;
      const shown = await reveal(first, requestId);
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toEqual({
        requestId,
        values: { name: 'Grace Hopper', pan: '378282246310005', exp },
        expired: ['cvv'],
      });
      // Links minted before the restart still open.
      const page = await second.inject({ method: 'POST', url: new URL(pending.visitorUrl).pathname });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('id="visitor-form"');
    } finally {
      await second.close();
    }
  });

  it('with the wrong master key, the vault does not start: nothing decrypts, nothing is wrapped under it', async () => {
    const config = testConfig();
    const first = await startTestVault({ config });
    await submitCard(first);
    await first.close();
    const wrongKey = { ...config, masterKey: Buffer.alloc(32, 7).toString('base64') };
    await expect(buildApp(wrongKey, { logStream: new LogCapture() })).rejects.toThrow(
      /^VAULT_MASTER_KEY: this master key does not open the keys of site "site-a"/,
    );
    const again = await buildApp(config, { logStream: new LogCapture() });
    await again.close();
  });
});
