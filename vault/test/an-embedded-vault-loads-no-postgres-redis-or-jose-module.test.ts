/**
 * A vault on the embedded default (SQLite, ephemeral data in memory) never loads PostgreSQL's driver
 * or Redis's client: they would add about 4 MB to its heap (BENCHMARKS.md, the eleventh box's
 * round). The PostgreSQL and Redis suites show that a vault configured with them loads them. No
 * vault loads node-jose (with node-forge and pako, about 5 MB of RSS): the tokenizer frames its JWEs
 * on node's crypto, and node-jose is only the tests' reference (BENCHMARKS.md, the thirteenth box's).
 */
const mockLoaded: string[] = [];
jest.mock('pg', () => {
  mockLoaded.push('pg');
  return jest.requireActual('pg');
});
jest.mock('ioredis', () => {
  mockLoaded.push('ioredis');
  return jest.requireActual('ioredis');
});
// node-jose, and the two big libraries it brings, whichever of its own paths is required.
jest.mock('node-jose', () => {
  mockLoaded.push('node-jose');
  return jest.requireActual('node-jose');
});
// Every node-forge module requires its core, as node-jose's bundle of it does.
jest.mock('node-forge/lib/forge', () => {
  mockLoaded.push('node-forge');
  return jest.requireActual('node-forge/lib/forge');
});
jest.mock('pako', () => {
  mockLoaded.push('pako');
  return jest.requireActual('pako');
});

describe('an embedded vault', () => {
  it('creates, submits and reveals a request without loading pg, ioredis or node-jose', async () => {
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
