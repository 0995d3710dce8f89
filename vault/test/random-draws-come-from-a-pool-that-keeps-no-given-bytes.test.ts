import fc from 'fast-check';
import { RandomPool, randomBytesFromPool } from '../src/crypto/random-pool';
import { freshContentKey } from '../src/crypto/content-key';
import { randomSecret } from '../src/crypto/secrets';

/** A pool whose "CSPRNG" writes a counting stream (1, 2, …, 255, 1, …; never 0), kept for inspection. */
function countingPool(): { pool: RandomPool; fills: Buffer[]; stream: () => number } {
  const fills: Buffer[] = [];
  let next = 0;
  const pool = new RandomPool((buffer) => {
    fills.push(buffer);
    for (let i = 0; i < buffer.length; i += 1) buffer[i] = (next++ % 255) + 1;
  });
  return { pool, fills, stream: () => next };
}

describe('RandomPool (where OTKs, content keys and IVs are drawn from)', () => {
  it('gives each draw the next stream bytes in a buffer of its own and zeroes them in the pool', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 120 }), (sizes) => {
        const { pool, fills } = countingPool();
        // The model: where the current page starts in the stream, and how far draws have reached in it.
        let pageStart = 0;
        let streamEnd = 0;
        let offset = 4096;
        for (const n of sizes) {
          const draw = pool.take(n);
          expect(draw.length).toBe(n);
          // Its own memory: no slice of a shared buffer that other data lives in.
          expect([draw.byteOffset, draw.buffer.byteLength]).toEqual([0, n]);
          let from: number;
          if (n > 512) {
            from = streamEnd;
            streamEnd += n;
          } else {
            if (offset + n > 4096) {
              pageStart = streamEnd;
              streamEnd += 4096;
              offset = 0;
            }
            from = pageStart + offset;
            offset += n;
            // The page holds zeros up to where draws reached, and untouched (never 0) bytes after
            // (no page yet only while every draw so far took 0 bytes).
            const page = fills.filter((buffer) => buffer.length === 4096).at(-1) ?? Buffer.alloc(0);
            expect(page.length === 4096 || offset === 4096).toBe(true);
            expect(page.subarray(0, offset).every((byte) => byte === 0)).toBe(true);
            expect(page.subarray(offset).includes(0)).toBe(false);
          }
          expect([...draw]).toEqual(Array.from({ length: n }, (_, i) => ((from + i) % 255) + 1));
        }
      }),
    );
  });

  it('calls the CSPRNG once per page of small draws, and once per draw over 512 bytes', () => {
    const { pool, fills, stream } = countingPool();
    for (let i = 0; i < 128; i += 1) pool.take(32);
    expect(fills).toHaveLength(1);
    pool.take(32);
    expect(fills).toHaveLength(2);
    pool.take(513);
    expect(fills.map((buffer) => buffer.length)).toEqual([4096, 4096, 513]);
    expect(stream()).toBe(4096 + 4096 + 513);
    // A draw that does not fit in what is left starts a new page; the rest is never handed out.
    const tail = countingPool();
    for (let i = 0; i < 125; i += 1) tail.pool.take(32);
    expect(tail.fills).toHaveLength(1);
    tail.pool.take(100);
    expect(tail.fills.map((buffer) => buffer.length)).toEqual([4096, 4096]);
  });

  it('refuses a size that is not a whole number of bytes', () => {
    const { pool } = countingPool();
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => pool.take(n)).toThrow(RangeError);
  });

  it('draws from the real CSPRNG: distinct secrets and content keys, and balanced bits', () => {
    const secrets = new Set(Array.from({ length: 5000 }, () => randomSecret()));
    expect(secrets.size).toBe(5000);
    const keys = Array.from({ length: 2000 }, () => freshContentKey());
    expect(new Set(keys.map((k) => k.cek.toString('hex'))).size).toBe(2000);
    expect(new Set(keys.map((k) => k.iv.toString('hex'))).size).toBe(2000);
    // 10,000 draws of 32 bytes: 2,560,000 bits, one in two set, within 6 standard deviations (800).
    let ones = 0;
    for (let i = 0; i < 10_000; i += 1) for (const byte of randomBytesFromPool(32)) ones += popcount(byte);
    expect(Math.abs(ones - 1_280_000)).toBeLessThan(6 * 800);
  });
});

function popcount(byte: number): number {
  let count = 0;
  for (let b = byte; b > 0; b >>= 1) count += b & 1;
  return count;
}
