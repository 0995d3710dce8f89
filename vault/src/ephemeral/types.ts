/**
 * Short-lived data that must never reach the database: off-the-record fields and ID&V answers.
 * Values arrive already sealed (encrypted); the store only keeps bytes with a time to live.
 */
export interface EphemeralStore {
  readonly kind: 'memory' | 'redis';
  put(key: string, sealed: Buffer, ttlMs: number): Promise<void>;
  /** Stores only if `key` is absent (or past its TTL), atomically; true when it stored. */
  add(key: string, sealed: Buffer, ttlMs: number): Promise<boolean>;
  /** The bytes, or undefined when absent or past their TTL. */
  get(key: string): Promise<Buffer | undefined>;
  delete(keys: string[]): Promise<void>;
  /** How many live entries there are (for metrics). */
  count(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
