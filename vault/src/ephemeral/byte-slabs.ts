/** Each entry's header: its expiry (float64) and its length (uint32), padded to 16 bytes. */
const HEADER = 16;

const aligned = (bytes: number) => (bytes + 7) & ~7;

/**
 * Short byte strings with an expiry, packed one after another into slabs of our own. A Buffer per
 * entry costs about 300 bytes of V8 objects beside its bytes (the view, its ArrayBuffer, the backing
 * store, the object holding it and the expiry), and a busy vault holds tens of thousands of entries:
 * every submit's off-the-record values for their whole TTL. Here an entry is a number (its place)
 * and its bytes. The slabs hold nothing but these entries, so an entry pins only other entries of
 * about the same age, and a slab is handed back once its last entry is freed. Freed bytes are zeroed.
 */
export class ByteSlabs {
  private readonly slabs: (Buffer | undefined)[] = [];
  private readonly live: number[] = [];
  private readonly unusedIndexes: number[] = [];
  private current = -1;
  private used = 0;

  /**
   * `slabBytes`: the size of a slab (an entry larger than a slab gets one of its own size);
   * `allocate`: where a slab's memory comes from (tests keep hold of it to see it zeroed).
   */
  constructor(
    private readonly slabBytes = 64 * 1024,
    private readonly allocate: (bytes: number) => Buffer = (bytes) => Buffer.allocUnsafeSlow(bytes),
  ) {}

  /** Copies `bytes` in with their expiry; returns the entry's place, for the other methods. */
  add(bytes: Buffer, expiresAt: number): number {
    const size = aligned(HEADER + bytes.length);
    let index: number;
    let offset = 0;
    if (size > this.slabBytes) index = this.newSlab(size);
    else {
      if (this.current < 0 || this.used + size > this.slabBytes) this.startSlab();
      index = this.current;
      offset = this.used;
      this.used += size;
    }
    const slab = this.slabs[index] as Buffer;
    slab.writeDoubleLE(expiresAt, offset);
    slab.writeUInt32LE(bytes.length, offset + 8);
    bytes.copy(slab, offset + HEADER);
    this.live[index] = (this.live[index] ?? 0) + 1;
    return index * this.slabBytes + offset;
  }

  expiresAt(place: number): number {
    return this.slabAt(place).readDoubleLE(this.offsetOf(place));
  }

  /** A copy of the entry's bytes, for the caller (a short-lived one: it may come from Node's buffer pool). */
  read(place: number): Buffer {
    const slab = this.slabAt(place);
    const offset = this.offsetOf(place);
    const start = offset + HEADER;
    return Buffer.from(slab.subarray(start, start + slab.readUInt32LE(offset + 8)));
  }

  /** Zeroes the entry; its slab goes back once nothing in it is live (and it takes no new entries). */
  free(place: number): void {
    const slab = this.slabAt(place);
    const offset = this.offsetOf(place);
    const index = this.indexOf(place);
    slab.fill(0, offset, offset + aligned(HEADER + slab.readUInt32LE(offset + 8)));
    this.live[index] = (this.live[index] ?? 1) - 1;
    if (this.live[index] === 0 && index !== this.current) this.release(index);
  }

  /** How many slabs are held (a test's witness that freed slabs go back). */
  get slabCount(): number {
    return this.slabs.length - this.unusedIndexes.length;
  }

  /** Zeroes and lets go of everything. */
  clear(): void {
    for (const slab of this.slabs) slab?.fill(0);
    this.slabs.length = 0;
    this.live.length = 0;
    this.unusedIndexes.length = 0;
    this.current = -1;
    this.used = 0;
  }

  private startSlab(): void {
    const previous = this.current;
    this.current = this.newSlab(this.slabBytes);
    this.used = 0;
    if (previous >= 0 && this.live[previous] === 0) this.release(previous);
  }

  private newSlab(bytes: number): number {
    const index = this.unusedIndexes.pop() ?? this.slabs.length;
    this.slabs[index] = this.allocate(bytes);
    this.live[index] = 0;
    return index;
  }

  private release(index: number): void {
    this.slabs[index] = undefined;
    this.unusedIndexes.push(index);
  }

  // A place is its slab's index times the slab size, plus its offset in the slab: a plain number
  // (a small integer to V8 while the slabs hold under a gigabyte), so holding it allocates nothing.
  private indexOf(place: number): number {
    return Math.floor(place / this.slabBytes);
  }

  private offsetOf(place: number): number {
    return place - this.indexOf(place) * this.slabBytes;
  }

  private slabAt(place: number): Buffer {
    const slab = this.slabs[this.indexOf(place)];
    if (!slab) throw new Error('ByteSlabs: no entry at this place');
    return slab;
  }
}
