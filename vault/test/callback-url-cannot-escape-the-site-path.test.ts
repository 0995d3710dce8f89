import { idvRequest, startTestVault, type TestSite, type TestVault } from './helpers/vault';

/** A site registered under a path (/rc) may only be called back under that path, however it is spelled. */
describe("a callback URL stays under the site's origin path", () => {
  let vault: TestVault;
  let site: TestSite;

  beforeAll(async () => {
    vault = await startTestVault();
    site = await vault.addSite('site-rc', 'http://chat.test/rc');
  });
  afterAll(() => vault.close());

  const create = (callbackUrl: string) => vault.call('POST', '/v1/requests', idvRequest({ callbackUrl }), site.apiKey);

  it.each([
    'http://chat.test/rc/%2E%2E%2Fadmin',
    'http://chat.test/rc/%2e%2e%2fadmin',
    'http://chat.test/rc/..%2Fadmin',
    'http://chat.test/rc/%2E%2E/admin',
    'http://chat.test/rc/x/%2E%2E%5C%2E%2E%5Cadmin',
    'http://chat.test/rc%2F..%2Fadmin',
    'http://chat.test/rc/%2Fadmin',
    'http://chat.test/rc/%E0%A4%A',
    'http://chat.test/rcx/hook',
  ])('refuses %s', async (callbackUrl) => {
    const response = await create(callbackUrl);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('bad_request');
  });

  it.each([
    'http://chat.test/rc',
    'http://chat.test/rc/api/apps/public/app-id/vault-events',
    'http://chat.test/rc/a%20b',
  ])('accepts %s', async (callbackUrl) => {
    expect((await create(callbackUrl)).statusCode).toBe(201);
  });
});
