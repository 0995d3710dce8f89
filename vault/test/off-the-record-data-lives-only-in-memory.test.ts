import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ephemeralKey } from '../src/service/request-spec';
import { MemoryEphemeralStore } from '../src/ephemeral/memory';
import { StorageUnavailableError } from '../src/errors';
import {
  cardForm,
  createAndOpen,
  futureExpiry,
  idvRequest,
  reveal,
  startTestVault,
  submitCard,
  TestClock,
  type TestVault,
  useClockedVault,
} from './helpers/vault';

describe('off-the-record fields and ID&V answers', () => {
  let vault: TestVault;
  let clock: TestClock;
  useClockedVault((started) => {
    ({ vault, clock } = started);
  });

  it('CVV and fields marked off the record are never tokenized into the database', async () => {
    const { requestId, submitPath } = await createAndOpen(
      vault,
      cardForm({
        form: {
          id: 'f',
          title: 'F',
          fields: [
            { id: 'pan', label: 'Card', type: 'card_number', required: true },
            { id: 'cvv', label: 'CVV', type: 'cvv', required: true, offTheRecord: false },
            { id: 'answer', label: 'Answer', type: 'text', required: true, offTheRecord: true },
          ],
        },
      }),
    );
    await vault.call('POST', submitPath, { values: { pan: '4111111111111111', cvv: '123', answer: 'blue' } }, null);
    const state = (await vault.call('GET', `/v1/requests/${requestId}`)).json();
    expect(state.fields).toEqual([
      { id: 'pan', label: 'Card', offTheRecord: false },
      { id: 'cvv', label: 'CVV', offTheRecord: true },
      { id: 'answer', label: 'Answer', offTheRecord: true },
    ]);
    // Only the on-record field is in the JWE: decrypting it alone yields just the PAN.
    const record = await vault.app.vault.storage.getRecord(requestId);
    const sites = vault.app.vault.sites;
    const { Tokenizer } = await import('../src/crypto/tokenizer');
    const { attachRecordKey } = await import('../src/crypto/record-key');
    const plain = await new Tokenizer().decrypt(
      { siteId: record!.siteId, recordId: record!.recordId },
      attachRecordKey(record!.token, record!.wrappedKey),
      (kid) => sites.keyById(record!.siteId, kid),
    );
    expect(JSON.parse(plain.toString())).toEqual({ pan: '4111111111111111' });
    expect((await reveal(vault, requestId)).json()).toMatchObject({
      values: { pan: '4111111111111111', cvv: '123', answer: 'blue' },
      expired: [],
    });
  });

  it('after the memory window the values are gone and reported expired; on-record values remain', async () => {
    const requestId = await submitCard(vault);
    clock.advance(5 * 60 + 1);
    const shown = (await reveal(vault, requestId)).json();
    expect(shown.values).toEqual({ name: 'N', pan: '4111111111111111', exp: expect.any(String) });
    expect(shown.expired).toEqual(['cvv']);
    expect(await vault.app.vault.ephemeral.count()).toBe(0);
  });

  it('ID&V answers expire the same way, and closing the room erases them at once', async () => {
    const first = await createAndOpen(vault, idvRequest());
    await vault.call('POST', first.submitPath, { values: { 2: '4', 4: '2' } }, null);
    clock.advance(5 * 60 + 1);
    expect((await reveal(vault, first.requestId)).json()).toMatchObject({ values: {}, expired: ['2', '4'] });

    const second = await createAndOpen(vault, idvRequest({ roomId: 'room-2' }));
    await vault.call('POST', second.submitPath, { values: { 2: '4', 4: '2' } }, null);
    expect(await vault.app.vault.ephemeral.count()).toBe(1);
    await vault.call('POST', '/v1/sessions/close', { roomId: 'room-2' });
    expect(await vault.app.vault.ephemeral.count()).toBe(0);
  });

  it('what the memory store holds is sealed: no plaintext bytes', async () => {
    const entries: Buffer[] = [];
    const store = vault.app.vault.ephemeral;
    const put = store.put.bind(store);
    const add = store.add.bind(store);
    store.put = async (key, sealed, ttl) => {
      entries.push(Buffer.from(sealed));
      return put(key, sealed, ttl);
    };
    // A submit writes its entry only if none is there (add); its claim is an empty entry.
    store.add = async (key, sealed, ttl) => {
      if (sealed.length > 0) entries.push(Buffer.from(sealed));
      return add(key, sealed, ttl);
    };
    const { submitPath } = await createAndOpen(vault, idvRequest({ idv: { label: 'password', positions: [1, 3] } }));
    await vault.call('POST', submitPath, { values: { 1: 'W', 3: 'X' } }, null);
    expect(entries).toHaveLength(1);
    expect(entries[0].includes(Buffer.from('"W"'))).toBe(false);
    expect(entries[0].includes(Buffer.from('"X"'))).toBe(false);
  });
});

describe('the memory store', () => {
  it('drops entries at their TTL and zeroes what it held', async () => {
    const clock = new TestClock();
    const store = new MemoryEphemeralStore(clock.now, 60_000);
    const held = Buffer.from('sealed-bytes');
    await store.put('k', held, 1000);
    expect((await store.get('k'))?.toString()).toBe('sealed-bytes');
    clock.advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.count()).toBe(0);
    await store.close();
  });

  it('sweeps lapsed entries nobody reads, a bounded number at a time', async () => {
    const clock = new TestClock();
    const store = new MemoryEphemeralStore(clock.now, 5);
    for (let i = 0; i < 10_000; i += 1) await store.put(`k${i}`, Buffer.from('sealed'), 1000);
    await store.put('still-live', Buffer.from('sealed'), 60_000);
    clock.advance(1); // seconds
    // Each step looks at 4,000 entries at most: the counts seen go down by whole steps.
    const seen = new Set<number>();
    while (store.held > 1) {
      seen.add(store.held);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect([...seen].every((held) => [10_001, 6_001, 2_001].includes(held))).toBe(true);
    expect(seen.has(6_001) || seen.has(2_001)).toBe(true);
    expect((await store.get('still-live'))?.toString()).toBe('sealed');
    await store.close();
  });

  it("keeps its entries in memory of its own, not pinning a slab of Node's shared buffer pool", async () => {
    setFlagsFromString('--expose-gc');
    // V8 frees dead ArrayBuffers' memory on a background thread after a GC unless told not to:
    // the figures below must see a GC's whole effect.
    setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    const gc = runInNewContext('gc') as () => void;
    const store = new MemoryEphemeralStore(Date.now, 60_000);
    const entries = 2000;
    for (let i = 0; i < entries; i += 1) {
      // What a request does between two entries: small buffers cut from the shared 8 KB pool.
      for (let j = 0; j < 4; j += 1) Buffer.from('x'.repeat(2000));
      await store.put(`k${i}`, Buffer.alloc(120, i % 256), 60_000);
    }
    expect(await store.count()).toBe(entries);
    // What dropping the entries frees is what they held: measured across close() alone, so buffers
    // other code in this process allocates meanwhile do not count.
    gc();
    const held = process.memoryUsage().arrayBuffers;
    await store.close();
    gc();
    const released = held - process.memoryUsage().arrayBuffers;
    // Sliced from the pool, each entry would keep its whole 8 KB slab alive: about 16 MB here.
    expect(released).toBeLessThan(entries * 1024);
  });
});

describe('a double-clicked submit', () => {
  it('stores one submission and keeps its off-the-record values', async () => {
    const vault = await startTestVault();
    try {
      const { requestId, submitPath } = await createAndOpen(vault, cardForm());
      const values = { name: 'N', pan: '4111111111111111', exp: futureExpiry(), cvv: '246' };
      // Hold every commit back a little so all four attempts have sealed their data first.
      const storage = vault.app.vault.storage;
      const commit = storage.submitRequest.bind(storage);
      storage.submitRequest = async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return commit(...args);
      };
      const answers = await Promise.all([1, 2, 3, 4].map(() => vault.call('POST', submitPath, { values }, null)));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 404, 404, 404]);
      expect((await reveal(vault, requestId)).json()).toMatchObject({ values: { cvv: '246' }, expired: [] });
    } finally {
      await vault.close();
    }
  });

  it('replaces what a submit that died before its commit left behind, while the link is still live', async () => {
    const vault = await startTestVault();
    try {
      const { requestId, submitPath } = await createAndOpen(vault, cardForm());
      // As a process killed between writing the entry and committing would leave it.
      await vault.app.vault.ephemeral.put(ephemeralKey(requestId), Buffer.from('left over'), 60_000);
      const values = { name: 'N', pan: '4111111111111111', exp: futureExpiry(), cvv: '357' };
      expect((await vault.call('POST', submitPath, { values }, null)).statusCode).toBe(200);
      expect((await reveal(vault, requestId)).json()).toMatchObject({ values: { cvv: '357' }, expired: [] });
    } finally {
      await vault.close();
    }
  });
});

describe('a submit whose commit answer is lost on the way back', () => {
  let vault: TestVault;
  let rings: string[];
  const values = { name: 'N', pan: '4111111111111111', exp: futureExpiry(), cvv: '468' };

  beforeEach(async () => {
    vault = await startTestVault();
    rings = [];
    const doorbell = vault.app.vault.doorbell;
    const ring = doorbell.ring.bind(doorbell);
    doorbell.ring = (url, requestId, event) => {
      rings.push(event);
      ring(url, requestId, event);
    };
  });
  afterEach(() => vault.close());

  /** The storage commits (or not), then answers with a lost connection; `readable` says whether it reads after. */
  function loseTheAnswer(commits: boolean, readable: boolean): void {
    const storage = vault.app.vault.storage;
    const commit = storage.submitRequest.bind(storage);
    const read = storage.getRequest.bind(storage);
    storage.submitRequest = async (...args) => {
      if (commits) await commit(...args);
      throw new StorageUnavailableError('connection lost');
    };
    storage.getRequest = async (requestId) => {
      if (!readable) throw new StorageUnavailableError('connection lost');
      return read(requestId);
    };
  }

  it('stands when the request reads as submitted: the visitor is told, the bell rings, the CVV is kept', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, cardForm());
    loseTheAnswer(true, true);
    const answer = await vault.call('POST', submitPath, { values }, null);
    expect({ status: answer.statusCode, body: answer.json() }).toMatchObject({
      status: 200,
      body: { status: 'submitted' },
    });
    expect(rings).toContain('submitted');
    expect((await reveal(vault, requestId)).json()).toMatchObject({ values: { cvv: '468' }, expired: [] });
  });

  it('keeps the sealed CVV when nothing can be read, and rings once a read shows the commit stood', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, cardForm());
    const storage = vault.app.vault.storage;
    const read = storage.getRequest;
    loseTheAnswer(true, false);
    expect((await vault.call('POST', submitPath, { values }, null)).statusCode).toBe(503);
    expect(await vault.app.vault.ephemeral.get(ephemeralKey(requestId))).toBeDefined();
    expect(rings).not.toContain('submitted');
    storage.getRequest = read;
    // The first re-read comes after a second.
    for (let waited = 0; !rings.includes('submitted') && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rings).toContain('submitted');
    expect((await reveal(vault, requestId)).json()).toMatchObject({ values: { cvv: '468' }, expired: [] });
  });

  it('drops the sealed CVV when the request reads as not submitted, and the link still works', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, cardForm());
    const storage = vault.app.vault.storage;
    const [commit, read] = [storage.submitRequest, storage.getRequest];
    loseTheAnswer(false, true);
    expect((await vault.call('POST', submitPath, { values }, null)).statusCode).toBe(503);
    expect(await vault.app.vault.ephemeral.get(ephemeralKey(requestId))).toBeUndefined();
    expect(rings).not.toContain('submitted');
    [storage.submitRequest, storage.getRequest] = [commit, read];
    expect((await vault.call('POST', submitPath, { values }, null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json()).toMatchObject({ values: { cvv: '468' }, expired: [] });
  });
});
