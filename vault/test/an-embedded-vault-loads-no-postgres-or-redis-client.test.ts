/**
 * A vault on the embedded default (SQLite, ephemeral data in memory) never loads PostgreSQL's driver
 * or Redis's client: they would add about 4 MB to its heap (BENCHMARKS.md, the eleventh box's
 * round). The PostgreSQL and Redis suites show that a vault configured with them loads them.
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

describe('an embedded vault', () => {
  it('creates, submits and reveals a request without loading pg or ioredis', async () => {
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
