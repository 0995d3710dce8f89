import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import { redactUrl } from '../../src/connection-url';

/**
 * The PostgreSQL and Redis the scale-out tests run against (CI and this machine run both; see
 * .ci/run). Tests that need one call `requirePostgres()` / `requireRedis()` first, which FAIL with
 * a message saying how to start it: a missing service must not look like a passing suite.
 */
export const POSTGRES_URL = process.env.VAULT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.VAULT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function requirePostgres(): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(POSTGRES_URL)} (${describe(error)}). These tests need it: ` +
        'start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or point VAULT_TEST_DATABASE_URL at one.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function requireRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${redactUrl(REDIS_URL)} (${describe(error)}). These tests need it: ` +
        'start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`, or point VAULT_TEST_REDIS_URL at one.',
    );
  } finally {
    redis.disconnect();
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : 'unknown error';
}

/** A schema of its own for one test (or file), so parallel test files never see each other's rows. */
export class TestSchema {
  readonly name = `vt_${randomBytes(6).toString('hex')}`;

  /** The database URL selecting this schema, optionally through another host:port (a proxy). */
  url(hostPort?: string): string {
    const url = new URL(POSTGRES_URL);
    if (hostPort) url.host = hostPort;
    url.searchParams.set('schema', this.name);
    return url.toString();
  }

  /** Runs SQL inside the schema, as an operator (or an attacker with a login) would. */
  async sql<T extends Record<string, unknown>>(statement: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: POSTGRES_URL, options: `-c search_path=${this.name}` });
    await client.connect();
    try {
      return (await client.query<T>(statement, params)).rows;
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    await this.sqlOutside(`DROP SCHEMA IF EXISTS "${this.name}" CASCADE`);
  }

  private async sqlOutside(statement: string): Promise<void> {
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }
}

/** A key prefix of its own for one test, and a way to wipe it afterwards. */
export function redisPrefix(): string {
  return `vt-${randomBytes(6).toString('hex')}:`;
}

/** A plain client on the test Redis, for reading what the vault left there. */
export function rawRedis(url = REDIS_URL): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  return redis;
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function wipeRedisPrefix(prefix: string): Promise<void> {
  const redis = rawRedis();
  try {
    const keys = await scanKeys(redis, prefix);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * A TCP proxy the test controls, between a vault and PostgreSQL or Redis: `cut()` drops every
 * connection and refuses new ones (the backend "goes down" for this vault only, without touching
 * the shared server other engineers' tests use); `hang()` swallows traffic without answering (a
 * network partition); `restore()` lets connections through again.
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  private mode: 'up' | 'cut' | 'hang' = 'up';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => {
      client.on('error', () => undefined);
      if (this.mode === 'cut') {
        client.destroy();
        return;
      }
      const pair: { client: net.Socket; upstream?: net.Socket } = { client };
      this.pairs.add(pair);
      client.on('close', () => {
        pair.upstream?.destroy();
        this.pairs.delete(pair);
      });
      // While hanging, a new connection is accepted and then never answered.
      if (this.mode === 'hang') return;
      const upstream = net.connect(this.targetPort, this.targetHost);
      pair.upstream = upstream;
      upstream.on('error', () => undefined);
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    return new TcpProxy(parsed.hostname, Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `127.0.0.1:${this.port}`;
  }

  /** The backend is gone: open connections reset, new ones closed at once. */
  cut(): void {
    this.mode = 'cut';
    for (const pair of this.pairs) pair.client.destroy();
  }

  /** The backend is unreachable but nothing says so: bytes go nowhere and no answer comes. */
  hang(): void {
    this.mode = 'hang';
    for (const { client, upstream } of this.pairs) {
      client.unpipe();
      upstream?.unpipe();
      client.removeAllListeners('data');
      client.on('data', () => undefined);
    }
  }

  /** Back up; connections opened while hanging stay dead, as after a real partition. */
  restore(): void {
    if (this.mode === 'hang') this.cut();
    this.mode = 'up';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
