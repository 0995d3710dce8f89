import fc from 'fast-check';
import { ByteSlabs } from '../src/ephemeral/byte-slabs';

/** Slabs of 256 bytes (so a few entries fill one and some need one of their own), kept for inspection. */
function smallSlabs(): { slabs: ByteSlabs; allocated: Buffer[] } {
  const allocated: Buffer[] = [];
  const slabs = new ByteSlabs(256, (bytes) => {
    const slab = Buffer.alloc(bytes);
    allocated.push(slab);
    return slab;
  });
  return { slabs, allocated };
}

type Step = { add: number } | { free: number };

const steps = fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 0, max: 600 }) }), fc.record({ free: fc.nat() })), {
  maxLength: 200,
});

describe('ByteSlabs (the memory store’s packing)', () => {
  it('reads back every live entry exactly, zeroes what is freed, and gives back emptied slabs', () => {
    fc.assert(
      fc.property(steps, (plan: Step[]) => {
        const { slabs, allocated } = smallSlabs();
        const live = new Map<number, { bytes: Buffer; expiresAt: number }>();
        let serial = 0;
        for (const step of plan) {
          if ('add' in step) {
            serial += 1;
            // Never-zero bytes that differ per entry, so a leftover is seen in the slabs.
            const bytes = Buffer.alloc(step.add, (serial % 255) + 1);
            const expiresAt = 1_700_000_000_000 + serial;
            const place = slabs.add(bytes, expiresAt);
            expect(live.has(place)).toBe(false);
            live.set(place, { bytes, expiresAt });
          } else if (live.size > 0) {
            const place = [...live.keys()][step.free % live.size];
            slabs.free(place);
            live.delete(place);
          }
          for (const [place, entry] of live) {
            expect(slabs.read(place).equals(entry.bytes)).toBe(true);
            expect(slabs.expiresAt(place)).toBe(entry.expiresAt);
          }
        }
        for (const place of live.keys()) slabs.free(place);
        // Only the slab still taking entries may stay, and every byte ever written is zero again.
        expect(slabs.slabCount).toBeLessThanOrEqual(1);
        for (const slab of allocated) expect(slab.every((byte) => byte === 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('hands out a copy: changing it changes nothing held', () => {
    const { slabs } = smallSlabs();
    const place = slabs.add(Buffer.from('sealed'), 1);
    slabs.read(place).fill(0);
    expect(slabs.read(place).toString()).toBe('sealed');
  });

  it('clear zeroes every slab and holds none', () => {
    const { slabs, allocated } = smallSlabs();
    for (let i = 0; i < 20; i += 1) slabs.add(Buffer.alloc(100, 0xaa), i);
    slabs.add(Buffer.alloc(1000, 0xbb), 0);
    slabs.clear();
    expect(slabs.slabCount).toBe(0);
    expect(allocated.length).toBeGreaterThan(5);
    for (const slab of allocated) expect(slab.every((byte) => byte === 0)).toBe(true);
  });

  it('an entry larger than a slab gets one of its own, handed back as soon as it is freed', () => {
    const { slabs, allocated } = smallSlabs();
    slabs.add(Buffer.alloc(10, 1), 0);
    const big = slabs.add(Buffer.alloc(1000, 2), 0);
    expect(allocated.map((slab) => slab.length)).toEqual([256, 1016]);
    expect(slabs.slabCount).toBe(2);
    slabs.free(big);
    expect(slabs.slabCount).toBe(1);
    expect(() => slabs.read(big)).toThrow(/no entry/);
  });
});
