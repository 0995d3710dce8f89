import { setTimeout as sleep } from 'node:timers/promises';
import type { EphemeralStore } from '../../src/ephemeral/types';

/**
 * A TTL that lapses within the test, and a wait past it. The calls between a put and its check
 * take up to ~80 ms on a loaded two-core box: the TTL leaves them ten times that.
 */
const SHORT_TTL_MS = 800;
const PAST_SHORT_TTL_MS = 1200;

/** A fresh ephemeral store under test, and how to throw it away. */
export interface OpenedEphemeral {
  store: EphemeralStore;
  destroy(): Promise<void>;
}

/**
 * The behaviour every `EphemeralStore` must have, written once and run against each backend
 * (process memory, Redis). TTLs are real time, kept short (SHORT_TTL_MS).
 */
export function describeEphemeralContract(name: string, open: () => Promise<OpenedEphemeral>): void {
  describe(`EphemeralStore contract: ${name}`, () => {
    const opened: OpenedEphemeral[] = [];
    async function fresh(): Promise<EphemeralStore> {
      const one = await open();
      opened.push(one);
      return one.store;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((one) => one.destroy()));
    });

    it('keeps any bytes exactly and hands out a copy', async () => {
      const store = await fresh();
      const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x22, 0x00]);
      await store.put('eph:a', bytes, 60_000);
      const read = await store.get('eph:a');
      expect(read).toEqual(bytes);
      read!.fill(7);
      expect(await store.get('eph:a')).toEqual(bytes);
      expect(await store.get('eph:missing')).toBeUndefined();
    });

    it('a second put replaces the value and its TTL', async () => {
      const store = await fresh();
      await store.put('eph:a', Buffer.from('first'), SHORT_TTL_MS);
      await store.put('eph:a', Buffer.from('second'), 60_000);
      await sleep(PAST_SHORT_TTL_MS);
      expect((await store.get('eph:a'))?.toString()).toBe('second');
    });

    it('entries vanish at their TTL and stop counting', async () => {
      const store = await fresh();
      await store.put('eph:short', Buffer.from('x'), SHORT_TTL_MS);
      await store.put('eph:long', Buffer.from('y'), 60_000);
      expect(await store.count()).toBe(2);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.get('eph:short')).toBeUndefined();
      expect(await store.count()).toBe(1);
    });

    it('delete removes every key given, ignores missing ones and accepts none', async () => {
      const store = await fresh();
      for (const key of ['eph:a', 'eph:b', 'eph:c']) await store.put(key, Buffer.from(key), 60_000);
      await store.delete(['eph:a', 'eph:c', 'eph:never']);
      await store.delete([]);
      expect(await store.get('eph:a')).toBeUndefined();
      expect(await store.get('eph:c')).toBeUndefined();
      expect((await store.get('eph:b'))?.toString()).toBe('eph:b');
      expect(await store.count()).toBe(1);
    });

    it("count and get see only this store's entries", async () => {
      const one = await fresh();
      const two = await fresh();
      await one.put('eph:same', Buffer.from('one'), 60_000);
      await two.put('eph:other', Buffer.from('two'), 60_000);
      expect(await one.count()).toBe(1);
      expect(await one.get('eph:other')).toBeUndefined();
    });

    it('count walks many entries', async () => {
      const store = await fresh();
      // In batches: 2,500 commands at once can outwait the store's 2 s command timeout on a busy box.
      for (let from = 0; from < 2500; from += 250) {
        await Promise.all(
          Array.from({ length: 250 }, (_, i) => store.put(`eph:${from + i}`, Buffer.from([(from + i) % 256]), 60_000)),
        );
      }
      expect(await store.count()).toBe(2500);
    });

    it('add stores only when the key is absent or lapsed; of concurrent adds exactly one wins', async () => {
      const store = await fresh();
      expect(await store.add('claim', Buffer.from('first'), SHORT_TTL_MS)).toBe(true);
      expect(await store.add('claim', Buffer.from('second'), 60_000)).toBe(false);
      expect((await store.get('claim'))?.toString()).toBe('first');
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.add('claim', Buffer.from('third'), 60_000)).toBe(true);
      const wins = await Promise.all(Array.from({ length: 30 }, (_, i) => store.add('race', Buffer.from([i]), 60_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('ping answers while the store is up', async () => {
      const store = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
