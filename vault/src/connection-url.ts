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
