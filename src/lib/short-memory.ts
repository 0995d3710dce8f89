/**
 * Values per key for a short while, in the app's process memory only (never persistence, logs or
 * jobs); the oldest key goes when there are too many. For what one message tells a next one, or
 * a pre-message hook tells the post-message hook of the same message (both run in one process).
 */
export class ShortMemory<T> {
  private readonly byKey = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  get(key: string, now: number): T | undefined {
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    if (now >= entry.until) {
      this.byKey.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, now: number): void {
    this.byKey.delete(key);
    this.byKey.set(key, { value, until: now + this.windowMs });
    if (this.byKey.size > this.max) {
      const oldest = this.byKey.keys().next();
      if (!oldest.done) this.byKey.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
