import { ConfigError } from './errors';

/**
 * A connection URL fit for a log line or an error: the password (and any query, which may carry
 * one) replaced, so `postgres://vault:s3cret@db/vault` reads `postgres://vault:***@db/vault`.
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    url.search = '';
    return url.toString();
  } catch {
    return '[unparseable URL]';
  }
}

/** The code of a network-level error (ECONNREFUSED, ETIMEDOUT…), for messages that must stay short and safe. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * One of the vault's own query parameters of a connection URL (`?schema=`, `?prefix=`), named in
 * errors by `variable`. Given twice or empty it is refused: reading the first or taking "" as
 * "absent" would quietly put the vault's data somewhere other than the admin meant.
 */
export function ownParam(url: URL, name: string, variable: string): string | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw new ConfigError(variable, `?${name}= is given ${values.length} times: give it once`);
  if (values[0] === '') throw new ConfigError(variable, `?${name}= is empty: give it a value, or leave it out`);
  return values[0];
}

/** Prepended to every Redis key the vault writes (ephemeral data, shared rate limits) unless the URL names a `prefix`. */
export const DEFAULT_REDIS_PREFIX = 'idv-vault:';

/** VAULT_REDIS_URL's `?prefix=`, or the default. */
export function redisPrefixOf(url: URL): string {
  return ownParam(url, 'prefix', 'VAULT_REDIS_URL') ?? DEFAULT_REDIS_PREFIX;
}

/** VAULT_DATABASE_URL's `?schema=`, or `public`. */
export function postgresSchemaOf(url: URL): string {
  return ownParam(url, 'schema', 'VAULT_DATABASE_URL') ?? 'public';
}
