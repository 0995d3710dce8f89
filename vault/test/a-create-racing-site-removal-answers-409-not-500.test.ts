/**
 * `site remove` while the app creates requests: a create that passed the API-key check before the
 * site went, and writes after, meets the foreign key. That is a 409 that wrote nothing, not a 500.
 */
import { toVaultError } from '../src/http/errors';
import { idvRequest, startTestVault } from './helpers/vault';

describe('creates racing the removal of their site', () => {
  it('each is created, refused as unauthorized, or refused as removed meanwhile (409); none is a 500', async () => {
    const vault = await startTestVault();
    try {
      const statuses = new Set<number>();
      for (let round = 0; round < 20 && !statuses.has(409); round += 1) {
        const site = await vault.addSite(`site-race-${round}`);
        const creates = Array.from({ length: 30 }, () =>
          vault.call('POST', '/v1/requests', idvRequest(), site.apiKey).then((r) => r.statusCode),
        );
        await new Promise((resolve) => setImmediate(resolve));
        await vault.app.vault.sites.removeSite(site.siteId);
        for (const status of await Promise.all(creates)) statuses.add(status);
        expect((await vault.app.vault.storage.listRoomRequests(site.siteId, 'room-1', 10)).length).toBe(0);
      }
      expect([...statuses].filter((status) => ![201, 401, 409].includes(status))).toEqual([]);
      expect(statuses.has(409)).toBe(true);
    } finally {
      await vault.close();
    }
  });

  it('the foreign key refusal reads as conflict, saying nothing was written', () => {
    for (const code of ['SQLITE_CONSTRAINT_FOREIGNKEY', '23503']) {
      const answer = toVaultError(Object.assign(new Error('FOREIGN KEY constraint failed'), { code }));
      expect([answer.code, answer.status]).toEqual(['conflict', 409]);
      expect(answer.message).toBe('What this request refers to was removed while it ran; nothing was written.');
    }
  });
});
