/**
 * A PostgreSQL that refuses VAULT_DATABASE_URL for good (no such database, no such role, no TLS
 * where the URL asks for it) stops start-up as a configuration error naming the variable, without
 * the password; it said "failed to start" with PostgreSQL's words alone.
 */
import { ConfigError } from '../src/errors';
import { PostgresStorage } from '../src/storage/postgres';
import { POSTGRES_URL, requirePostgres } from './helpers/backends';

beforeAll(requirePostgres);

function urlWith(change: (url: URL) => void): string {
  const url = new URL(POSTGRES_URL);
  change(url);
  return url.toString();
}

describe('a PostgreSQL that refuses the URL', () => {
  it.each([
    [
      'a database that does not exist',
      urlWith((u) => (u.pathname = '/no_such_vault_db')),
      /database "no_such_vault_db" does not exist/,
    ],
    [
      'a role that does not exist',
      urlWith((u) => ((u.username = 'no_such_role'), (u.password = 'hunter2-secret'))),
      /role "no_such_role" does not exist|password authentication failed/,
    ],
    ['TLS the server does not offer', urlWith((u) => u.searchParams.set('sslmode', 'require')), /SSL/],
  ])('%s is a configuration error naming VAULT_DATABASE_URL', async (_name, url, said) => {
    const storage = new PostgresStorage(url, { connectTimeoutMs: 3000 });
    try {
      const error = await storage.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/^VAULT_DATABASE_URL: PostgreSQL at postgres:\/\/.* refused it: /);
      expect((error as ConfigError).message).toMatch(said);
      expect((error as ConfigError).message).not.toContain('hunter2-secret');
    } finally {
      await storage.close();
    }
  });
});
