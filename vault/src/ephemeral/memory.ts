import { ByteSlabs } from './byte-slabs';
import type { EphemeralStore } from './types';

/**
 * The default ephemeral store: process memory. Entries vanish at their TTL (checked on read and
 * swept on a timer) and their bytes are zeroed when dropped. The bytes live in slabs of the store's
 * own (`ByteSlabs`): compact, and never in Node's shared buffer pool, where an entry kept for its
 * whole TTL would pin the slab that other, short-lived buffers were cut from.
 */
export class MemoryEphemeralStore implements EphemeralStore {
  readonly kind = 'memory' as const;
  /** Each key's place in `slabs`. */
  private readonly entries = new Map<string, number>();
  private readonly slabs = new ByteSlabs();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepMs = 1000,
  ) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  async put(key: string, sealed: Buffer, ttlMs: number): Promise<void> {
    this.drop(key);
    this.entries.set(key, this.slabs.add(sealed, this.now() + ttlMs));
  }

  async add(key: string, sealed: Buffer, ttlMs: number): Promise<boolean> {
    // No await between the check and the set: concurrent callers cannot both win.
    if (this.live(key) !== undefined) return false;
    this.drop(key);
    this.entries.set(key, this.slabs.add(sealed, this.now() + ttlMs));
    return true;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const place = this.live(key);
    return place === undefined ? undefined : this.slabs.read(place);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.drop(key);
  }

  async count(): Promise<number> {
    this.sweep();
    return this.entries.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.entries.clear();
    this.slabs.clear();
  }

  /** The key's place while it is live; a lapsed entry is dropped on the way. */
  private live(key: string): number | undefined {
    const place = this.entries.get(key);
    if (place === undefined) return undefined;
    if (this.slabs.expiresAt(place) > this.now()) return place;
    this.drop(key);
    return undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, place] of this.entries) if (this.slabs.expiresAt(place) <= now) this.drop(key);
  }

  private drop(key: string): void {
    const place = this.entries.get(key);
    if (place === undefined) return;
    this.slabs.free(place);
    this.entries.delete(key);
  }
}
