/**
 * A token bucket per key: `capacity` uses at once, then one every `refillMs`. Memory is bounded:
 * at `maxKeys`, buckets that are full again (keys not used lately) go first, then the oldest.
 */
export class PerKeyBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillMs: number,
    private readonly maxKeys = 10000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Spends one of `key`'s uses; false when it has none left for now. */
  public take(key: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = this.refilled(bucket, now);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.maxKeys) {
        this.prune(now);
      }
      bucket = { tokens: this.capacity, at: now };
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens < 1) {
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  private refilled(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) / this.refillMs);
  }

  private prune(now: number): void {
    this.buckets.forEach((bucket, key) => {
      if (this.refilled(bucket, now) >= this.capacity) {
        this.buckets.delete(key);
      }
    });
    while (this.buckets.size >= this.maxKeys) {
      this.buckets.delete(this.buckets.keys().next().value as string);
    }
  }
}
