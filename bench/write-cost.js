#!/usr/bin/env node
'use strict';
// Where a create's storage CPU goes: SqliteStorage.createRequest (the room check, the request row,
// its open OTK and the chained audit row, in one transaction) on the vault's own schema, run on a
// file in WAL mode as the vault runs it (its checkpoint thread included), then again with each
// secondary index of `requests` dropped, with all four dropped, and on an in-memory database. Each
// index the vault keeps for another job (a room's requests, the expiry sweep, retention, erasure
// by visitor) is one more B-tree page per commit; the floor has none of them.
// Usage: node bench/write-cost.js [--ops=4000] [--rows=20000]
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// Builds the vault first when dist/ is older than its sources, as `npm run bench` does.
require('../vault/scripts/ensure-built');
const { dist, vaultRequire } = require('./lib/paths');
const { table } = require('./tokenizer-micro');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const OPS = Number(args.ops || 4000);
const ROWS = Number(args.rows || 20000);
const INDEXES = ['requests_by_room', 'requests_due', 'requests_by_age', 'requests_by_visitor'];
const VARIANTS = [
  { name: 'the vault schema, file (WAL)', drop: [] },
  ...INDEXES.map((index) => ({ name: `  without ${index}`, drop: [index] })),
  { name: '  without all four', drop: INDEXES },
  { name: 'the vault schema, in memory (no file I/O)', drop: [], memory: true },
];

const { SqliteStorage } = dist('storage/sqlite');
const { mintOtk } = dist('otk/otk');
const { auditEvent } = dist('audit/events');
const Database = vaultRequire('better-sqlite3');

/**
 * One create as RequestService.create writes it: a card form's spec, in one of 50 rooms, for a new
 * visitor each time (the visitor-token index's dearest case). Refuses to time a create that wrote nothing.
 */
async function create(storage, i) {
  const now = Date.now();
  const requestId = crypto.randomUUID();
  const open = mintOtk();
  const roomId = `room-${i % 50}`;
  const created = await storage.createRequest(
    {
      requestId,
      siteId: 'bench',
      kind: 'form',
      roomId,
      agentId: 'agent-1',
      visitorToken: crypto.randomUUID(),
      locale: 'en',
      callbackUrl: 'http://127.0.0.1:9/api/apps/public/bench/vault-events',
      spec: JSON.stringify({ title: 'Card details', fields: 'x'.repeat(520) }),
      status: 'pending',
      createdAt: now,
      openedAt: null,
      submittedAt: null,
      finishedAt: null,
      viewedAt: null,
      expiresAt: now + 3600_000,
    },
    { hash: open.hash, purpose: 'open', siteId: 'bench', requestId, agentId: null, expiresAt: now + 3600_000 },
    auditEvent('request.create', {
      at: now,
      actor: 'agent:agent-1',
      siteId: 'bench',
      requestId,
      detail: { kind: 'form', roomId, formId: 'card' },
    }),
  );
  if (created !== true) throw new Error(`createRequest answered ${created}: nothing was written`);
}

async function measure(variant) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-write-cost-'));
  const file = variant.memory ? ':memory:' : path.join(dir, 'vault.sqlite');
  let storage;
  try {
    storage = new SqliteStorage(file, { onCheckpointFailure: () => undefined });
    await storage.migrate();
    if (variant.drop.length > 0) {
      // A second connection drops them; the storage's own is private to it.
      const admin = new Database(file);
      for (const index of variant.drop) admin.exec(`DROP INDEX ${index}`);
      admin.close();
    }
    const key = { siteId: 'bench', kid: 'k1', wrappedKey: 'x', createdAt: Date.now(), active: true };
    const site = { siteId: 'bench', origin: 'http://127.0.0.1:9', apiKeyId: '0'.repeat(16), apiKeyHash: 'h' };
    await storage.addSite({ ...site, createdAt: Date.now() }, key, auditEvent('site.add', { at: 0, actor: 'cli' }));
    for (let i = 0; i < ROWS; i += 1) await create(storage, i);
    const started = process.cpuUsage();
    for (let i = 0; i < OPS; i += 1) await create(storage, ROWS + i);
    const used = process.cpuUsage(started);
    return (used.user + used.system) / OPS;
  } finally {
    await storage?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  for (const variant of VARIANTS) rows.push([variant.name, (await measure(variant)).toFixed(1)]);
  console.log(
    `\nCPU per createRequest transaction (${OPS} after ${ROWS} rows; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  console.log(table(['variant', 'CPU µs/op'], rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
