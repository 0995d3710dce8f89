#!/usr/bin/env node
'use strict';
// What one off-the-record entry costs the memory ephemeral store, in bytes, beside its key: the
// vault's store (entries packed into slabs of its own) against a Buffer per entry (the store
// before Dec 1), on the same keys and sealed values, measured after a full GC. A busy vault holds
// every submit's entry for VAULT_OFF_RECORD_TTL_SECONDS (300 s), so this is what the bench's peak
// RSS grows with. node bench/ephemeral-memory.js [entries] [sealed bytes]
const crypto = require('node:crypto');
const v8 = require('node:v8');
const vm = require('node:vm');
const { dist } = require('./lib/paths');

const { MemoryEphemeralStore } = dist('ephemeral/memory');
const ENTRIES = Number(process.argv[2] || 50_000);
// A card form's sealed CVV is about this size (kid, nonce, tag and `{"cvv":"123"}`).
const BYTES = Number(process.argv[3] || 60);

/** One Buffer of its own per entry, with its expiry beside it: the shape the store had before. */
class BufferPerEntry {
  entries = new Map();
  async put(key, sealed, ttlMs) {
    const copy = Buffer.allocUnsafeSlow(sealed.length);
    sealed.copy(copy);
    this.entries.set(key, { sealed: copy, expiresAt: Date.now() + ttlMs });
  }
  async close() {
    this.entries.clear();
  }
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function held() {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

async function measure(name, store, keys, values) {
  const before = held();
  for (let i = 0; i < keys.length; i += 1) await store.put(keys[i], values[i], 300_000);
  const after = held();
  await store.close();
  const perEntry = (after - before) / keys.length;
  console.log(`${name.padEnd(44)} ${perEntry.toFixed(0).padStart(5)} bytes per entry (heap + external)`);
  return perEntry;
}

async function main() {
  // Keys and values made beforehand and kept alive throughout, so only what the stores add counts.
  const keys = Array.from({ length: ENTRIES }, () => `otr:${crypto.randomUUID()}`);
  const values = keys.map(() => crypto.randomBytes(BYTES));
  console.log(`${ENTRIES} entries of ${BYTES} sealed bytes, beside the keys (which both hold alike):`);
  for (let round = 0; round < 2; round += 1) {
    await measure('memory store (slabs of its own)', new MemoryEphemeralStore(Date.now, 60_000), keys, values);
    await measure('a Buffer and an object per entry (before)', new BufferPerEntry(), keys, values);
  }
  if (keys.length !== values.length) throw new Error('unreachable: keeps keys and values alive');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
