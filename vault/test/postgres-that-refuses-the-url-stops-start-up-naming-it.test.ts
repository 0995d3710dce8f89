/**
 * A PostgreSQL that refuses VAULT_DATABASE_URL for good (no such database, no such role, no TLS
 * where the URL asks for it) stops start-up as a configuration error naming the variable, without
 * the password; it said "failed to start" with PostgreSQL's words alone. A certificate Node refuses
 * is one too; a connection cut in the TLS handshake is not (the next start may well succeed).
 */
import net from 'node:net';
import tls from 'node:tls';
import { selfSignedCertificate } from '../../testkit/self-signed-certificate';
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
    [
      'a setting of its own it cannot take',
      urlWith((u) => u.searchParams.set('options', '-c statement_timeout=abc')),
      /invalid value for parameter "statement_timeout"/,
    ],
    [
      'a setting it does not know',
      urlWith((u) => u.searchParams.set('options', '-c no_such_vault_setting=1')),
      /unrecognized configuration parameter "no_such_vault_setting"/,
    ],
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

describe('a PostgreSQL URL naming a file it cannot read', () => {
  it('is a configuration error naming VAULT_DATABASE_URL and the file', async () => {
    const url = urlWith(
      (u) => (u.searchParams.set('sslmode', 'verify-ca'), u.searchParams.set('sslrootcert', '/nonexistent-ca.pem')),
    );
    const storage = new PostgresStorage(url, { connectTimeoutMs: 3000 });
    try {
      const error = await storage.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(
        'VAULT_DATABASE_URL: it names a file that cannot be read: /nonexistent-ca.pem (ENOENT).',
      );
    } finally {
      await storage.close();
    }
  });
});

/**
 * A server that answers PostgreSQL's SSLRequest with "S" and then offers a self-signed certificate
 * for TLS, or cuts the connection there: what a PostgreSQL with its own certificate, or a flaky
 * network, shows the vault.
 */
async function tlsPostgres(mode: 'self-signed' | 'cut'): Promise<{ port: number; close(): Promise<void> }> {
  const { key, cert } = selfSignedCertificate('db.test');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write('S');
      if (mode === 'cut') socket.destroy();
      else new tls.TLSSocket(socket, { isServer: true, key, cert }).on('error', () => undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a PostgreSQL reached over TLS', () => {
  it('whose certificate Node refuses is a configuration error naming VAULT_DATABASE_URL', async () => {
    const fake = await tlsPostgres('self-signed');
    const storage = new PostgresStorage(
      `postgres://vault:hunter2-secret@localhost:${fake.port}/vault?sslmode=verify-full`,
      {
        connectTimeoutMs: 3000,
      },
    );
    try {
      const error = await storage.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(
        /^VAULT_DATABASE_URL: PostgreSQL at postgres:\/\/.* refused it: self-signed certificate/,
      );
      expect((error as ConfigError).message).not.toContain('hunter2-secret');
    } finally {
      await storage.close();
      await fake.close();
    }
  });

  it('that cuts the connection in the handshake is a failure to start, not a configuration error', async () => {
    const fake = await tlsPostgres('cut');
    const storage = new PostgresStorage(`postgres://vault@localhost:${fake.port}/vault?sslmode=verify-full`, {
      connectTimeoutMs: 3000,
    });
    try {
      const error = await storage.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ConfigError);
    } finally {
      await storage.close();
      await fake.close();
    }
  });
});
