import { ByteSlabs } from './byte-slabs';
import type { EphemeralStore } from './types';

/** How many entries one step of the sweep looks at: a bounded pause, however many entries there are. */
const SWEEP_STEP_ENTRIES = 4000;

/**
 * The default ephemeral store: process memory. Entries vanish at their TTL (checked on read and
 * swept on a timer, a few thousand entries a step) and their bytes are zeroed when dropped. The
 * bytes live in slabs of the store's own (`ByteSlabs`): compact, and never in Node's shared buffer
 * pool, where an entry kept for its whole TTL would pin the slab that other, short-lived buffers
 * were cut from.
 */
export class MemoryEphemeralStore implements EphemeralStore {
  readonly kind = 'memory' as const;
  /** Each key's place in `slabs`. */
  private readonly entries = new Map<string, number>();
  private readonly slabs = new ByteSlabs();
  private readonly timer: NodeJS.Timeout;
  /** Where the sweep goes on from: a Map's iterator stays valid while entries come and go. */
  private sweepCursor: Iterator<[string, number]> | undefined;

  /** `sweepMs`: the time between two steps of the sweep. */
  constructor(
    private readonly now: () => number = Date.now,
    sweepMs = 250,
  ) {
    this.timer = setInterval(() => this.sweepStep(), sweepMs);
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

  /** Entries held, lapsed ones not yet swept included (tests watch the sweep with it). */
  get held(): number {
    return this.entries.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.sweepCursor = undefined;
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

  /** Drops lapsed entries among the next few thousand (a whole pass of 200,000 at once took 23 ms). */
  private sweepStep(): void {
    const now = this.now();
    this.sweepCursor ??= this.entries.entries();
    for (let seen = 0; seen < SWEEP_STEP_ENTRIES; seen += 1) {
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = undefined;
        return;
      }
      if (this.slabs.expiresAt(next.value[1]) <= now) this.drop(next.value[0]);
    }
  }

  /** Drops every lapsed entry (for the count; metrics scrapes are seconds apart). */
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
