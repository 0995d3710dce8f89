import { randomFillSync } from 'node:crypto';

/** The pool's size, and the largest draw it serves (anything bigger goes to the CSPRNG directly). */
const POOL_BYTES = 4096;
const LARGEST_POOLED_DRAW = POOL_BYTES / 8;

/**
 * Random bytes from node's CSPRNG (OpenSSL, seeded by the OS), drawn a page at a time, as node's
 * own randomUUID does with its entropy cache. Each call into OpenSSL has a fixed cost: 11–12 µs
 * inside a vault request on the bench box (cold between requests), against 4 µs for a pooled draw
 * timed the same way; and every create, open, submit and mint draws an OTK, a content key or an IV.
 *
 * A draw is copied into a buffer of its own and its bytes in the pool are zeroed at once: the pool
 * only ever holds bytes nobody has been given. Each process (and each worker thread) has its own.
 */
export class RandomPool {
  private readonly pool: Buffer;
  private offset: number;

  // node's randomFillSync looked up on each fill, not held, so a test can watch the pool draw from it.
  constructor(private readonly fill: (buffer: Buffer) => void = (buffer) => randomFillSync(buffer)) {
    this.pool = Buffer.alloc(POOL_BYTES);
    this.offset = POOL_BYTES;
  }

  /** `n` fresh random bytes in a new buffer of their own. */
  take(n: number): Buffer {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('A random draw takes a whole number of bytes.');
    // allocUnsafeSlow: its own memory, never a slice of node's shared pool beside other buffers.
    const out = Buffer.allocUnsafeSlow(n);
    if (n > LARGEST_POOLED_DRAW) {
      this.fill(out);
      return out;
    }
    if (this.offset + n > POOL_BYTES) {
      this.fill(this.pool);
      this.offset = 0;
    }
    this.pool.copy(out, 0, this.offset, this.offset + n);
    this.pool.fill(0, this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

const shared = new RandomPool();

/** `n` fresh random bytes: what the vault draws OTKs, content keys and IVs from. */
export function randomBytesFromPool(n: number): Buffer {
  return shared.take(n);
}
