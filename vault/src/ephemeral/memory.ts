import type { EphemeralStore } from './types';

/**
 * A copy in memory of its own. `Buffer.from` would slice Node's shared 8 KB pool, and an entry
 * kept for its whole TTL would pin the whole slab that other, short-lived buffers were cut from.
 */
function ownCopy(sealed: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(sealed.length);
  sealed.copy(copy);
  return copy;
}

interface Entry {
  sealed: Buffer;
  expiresAt: number;
}

/**
 * The default ephemeral store: process memory. Entries vanish at their TTL (checked on read and
 * swept on a timer) and their bytes are zeroed when dropped.
 */
export class MemoryEphemeralStore implements EphemeralStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
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
    this.entries.set(key, { sealed: ownCopy(sealed), expiresAt: this.now() + ttlMs });
  }

  async add(key: string, sealed: Buffer, ttlMs: number): Promise<boolean> {
    // No await between the check and the set: concurrent callers cannot both win.
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return false;
    this.drop(key);
    this.entries.set(key, { sealed: ownCopy(sealed), expiresAt: this.now() + ttlMs });
    return true;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.drop(key);
      return undefined;
    }
    return Buffer.from(entry.sealed);
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
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.sealed.fill(0);
    this.entries.delete(key);
  }
}
