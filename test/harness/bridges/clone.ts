/** A deep copy through JSON, as values cross the wire to and from a real server. */

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
