/** Random identifiers for views the app opens. */

// The runtime (Deno, or Node in tests) provides Web Crypto; declared here because the app's lib has no DOM types.
declare const crypto: { getRandomValues<T extends Uint8Array>(array: T): T } | undefined;

export function randomId(bytes = 16): string {
  const buffer = new Uint8Array(bytes);
  if (typeof crypto !== 'undefined' && crypto && typeof crypto.getRandomValues === 'function') {
    crypto.getRandomValues(buffer);
  } else {
    for (let i = 0; i < bytes; i++) {
      buffer[i] = Math.floor(Math.random() * 256);
    }
  }
  return Array.prototype.map.call(buffer, (b: number) => (b < 16 ? '0' : '') + b.toString(16)).join('');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID, the only shape of request ID the vault hands out. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
