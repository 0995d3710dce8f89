/**
 * A record's own value for a key, never one it inherits: visitors and forms choose the keys, and a
 * field called "toString" or "constructor" must read as absent, not as Object.prototype's function.
 *
 * @example ownValue({ name: 'Ada' }, 'toString') // undefined
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
