/**
 * A vault on the embedded default (SQLite, ephemeral data in memory) never loads PostgreSQL's driver
 * or Redis's client: they would add about 4 MB to its heap (BENCHMARKS.md, the eleventh box's
 * round). The PostgreSQL and Redis suites show that a vault configured with them loads them. No
 * vault loads node-jose (with node-forge and pako, about 5 MB of RSS): the tokenizer frames its JWEs
 * on node's crypto, and node-jose is only the tests' reference (BENCHMARKS.md, the thirteenth box's).
 */
const mockLoaded: string[] = [];
/** Each module watched, by the path it is required under: every node-forge module requires its core. */
const WATCHED: Record<string, string> = {
  pg: 'pg',
  ioredis: 'ioredis',
  'node-jose': 'node-jose',
  'node-forge': 'node-forge/lib/forge',
  pako: 'pako',
};
// Registered in a loop (so not hoisted), still before the vault is imported below.
for (const [name, modulePath] of Object.entries(WATCHED)) {
  jest.mock(modulePath, () => {
    mockLoaded.push(name);
    return jest.requireActual(modulePath);
  });
}

describe('an embedded vault', () => {
  it('creates, submits and reveals a request without loading any watched module', async () => {
    // Imported here, after the mocks record loads, so a static import anywhere in the vault shows.
    const { reveal, startTestVault, submitCard } = await import('./helpers/vault');
    const vault = await startTestVault();
    try {
      const requestId = await submitCard(vault);
      expect((await reveal(vault, requestId)).statusCode).toBe(200);
    } finally {
      await vault.close();
    }
    expect(mockLoaded).toEqual([]);
    // The record works: loading one of them shows.
    await import('ioredis');
    expect(mockLoaded).toEqual(['ioredis']);
  });
});
