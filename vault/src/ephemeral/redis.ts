import Redis from 'ioredis';
import { errorCode, redactUrl, redisPrefixOf } from '../connection-url';
import { ConfigError, StorageUnavailableError } from '../errors';
import type { EphemeralStore } from './types';

export interface RedisOptions {
  /** Prepended to every key, so several vaults (or tests) can share one Redis. */
  prefix?: string;
  /** How long connecting and each command may take before the store answers "unavailable". */
  timeoutMs?: number;
  /** Told when the connection breaks (no secrets in the fields). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

/** Redis's answers to a missing or wrong password or user (AUTH, the ready check's first command). */
const CREDENTIALS_REFUSED = /^(WRONGPASS|NOAUTH)\b|\bAUTH\b|password/i;

/**
 * Ephemeral data in Redis, shared by every vault instance. Values arrive sealed (AES-GCM, see
 * `SealedBox`), so Redis, its RDB snapshots and its AOF only ever hold ciphertext; every key is
 * written with a TTL (`SET … PX`). While Redis is down, commands fail at once (no offline
 * queue) as StorageUnavailableError, and the client keeps reconnecting in the background.
 */
export class RedisEphemeralStore implements EphemeralStore {
  readonly kind = 'redis' as const;
  readonly prefix: string;
  /** The URL without its password, for messages. */
  readonly where: string;
  private readonly redis: Redis;
  /** Why the connection last failed (ECONNREFUSED…): commands refused meanwhile only say "closed". */
  private lastErrorCode: string | undefined;
  /** Redis's own refusal of the URL's credentials (WRONGPASS, NOAUTH), while it lasts. */
  private credentialsRefused: string | undefined;

  constructor(redisUrl: string, options: RedisOptions = {}) {
    this.where = redactUrl(redisUrl);
    const url = new URL(redisUrl);
    // ioredis reads query parameters as its own options; ours is taken out first.
    this.prefix = options.prefix ?? redisPrefixOf(url);
    url.searchParams.delete('prefix');
    const timeoutMs = options.timeoutMs ?? 2000;
    this.redis = new Redis(url.toString(), {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      // Keep trying (at most every second) so the vault recovers without a restart.
      retryStrategy: (times) => Math.min(50 * times, 1000),
      enableReadyCheck: true,
    });
    let reported = false;
    this.redis.on('error', (error) => {
      this.lastErrorCode = errorCode(error);
      const { name, message } = error as { name?: unknown; message?: unknown };
      if (name === 'ReplyError' && typeof message === 'string' && CREDENTIALS_REFUSED.test(message))
        this.credentialsRefused = message.slice(0, 100).replace(/\.$/, '');
      // Once per outage: a reconnect loop would otherwise log every second.
      if (!reported) options.warn?.('Redis connection failed; retrying', { code: this.lastErrorCode });
      reported = true;
    });
    this.redis.on('ready', () => {
      reported = false;
      this.lastErrorCode = undefined;
      this.credentialsRefused = undefined;
    });
  }

  /** Connects once at start-up, so a wrong URL stops the vault with a clear message. */
  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (error) {
      // ioredis keeps retrying in the background after a failed first connect; stop that.
      this.redis.disconnect();
      // Redis answered, and refused: a wrong password is no outage to wait out.
      if (this.credentialsRefused)
        throw new ConfigError(
          'VAULT_REDIS_URL',
          `Redis at ${this.where} refused its credentials (${this.credentialsRefused}).`,
        );
      throw this.unavailable(error);
    }
    // ioredis goes on in database 0 when Redis refuses the URL's (out of range): that may be
    // another tenant's. Selecting it again here surfaces the refusal.
    const db = this.redis.options.db ?? 0;
    // Database 0 needs no SELECT (ioredis sends none), and some Redis proxies refuse the command.
    if (db === 0) return;
    try {
      await this.redis.select(db);
    } catch (error) {
      this.redis.disconnect();
      const { name, message } = error as { name?: unknown; message?: unknown };
      if (name !== 'ReplyError') throw this.unavailable(error);
      throw new ConfigError(
        'VAULT_REDIS_URL',
        `Redis at ${this.where} refused database ${db}${typeof message === 'string' ? ` (${message.slice(0, 100)})` : ''}.`,
      );
    }
  }

  async put(key: string, sealed: Buffer, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(this.prefix + key, sealed, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async add(key: string, sealed: Buffer, ttlMs: number): Promise<boolean> {
    return (
      (await this.run(() => this.redis.set(this.prefix + key, sealed, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'))) ===
      'OK'
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.run(() => this.redis.getBuffer(this.prefix + key))) ?? undefined;
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run(() => this.redis.del(...keys.map((key) => this.prefix + key)));
  }

  async count(): Promise<number> {
    // SCAN walks the keyspace in small steps; KEYS would block Redis for every other client.
    let cursor = '0';
    let total = 0;
    do {
      const [next, keys] = await this.run(() =>
        this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.prefix)}*`, 'COUNT', 1000),
      );
      cursor = next;
      total += keys.length;
    } while (cursor !== '0');
    return total;
  }

  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): StorageUnavailableError {
    const message = (error as { message?: unknown } | null)?.message;
    const reason =
      errorCode(error) ??
      this.lastErrorCode ??
      (typeof message === 'string' && /timed out/i.test(message) ? 'timeout' : 'not connected');
    return new StorageUnavailableError(`Redis at ${this.where} is unavailable (${reason}).`);
  }
}

/** Escapes a literal for a Redis glob pattern. */
function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}
