'use strict';
// Fills a vault's SQLite file with `count` submitted requests, one tokenized record each and one
// audit entry each (chained, so `audit verify` still passes), straight through SQL in large
// transactions: how the figures change with the number of stored rows, without hours of HTTP.
// Tokens are random base64url of a real token's length: nothing decrypts them, nothing reads them.
const crypto = require('node:crypto');
const { vaultRequire, dist } = require('./paths');
const { createBody } = require('./forms');

const BATCH = 20_000;

/** `ageMs`: how long ago the oldest was submitted (a day by default; the rest follow a millisecond apart). */
async function seedRecords(file, count, form, ageMs = 86_400_000) {
  const Database = vaultRequire('better-sqlite3');
  const { chainHash } = dist('storage/audit-chain');
  const { buildRequestSpec } = dist('service/request-spec');
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const started = process.hrtime.bigint();
  const spec = JSON.stringify(buildRequestSpec(createBody(form, 'http://seed.invalid/cb')));
  const kid = db.prepare("SELECT kid FROM site_keys WHERE site_id = 'bench' AND active = 1").get().kid;
  const insertRequest =
    db.prepare(`INSERT INTO requests (request_id, site_id, kind, room_id, agent_id, visitor_token, locale,
      callback_url, spec, status, created_at, opened_at, submitted_at, finished_at, viewed_at, expires_at)
    VALUES (?, 'bench', 'form', ?, 'agent-seed', NULL, 'en', 'http://seed.invalid/cb', ?, 'submitted', ?, ?, ?, NULL, NULL, ?)`);
  const insertRecord = db.prepare(
    "INSERT INTO records (record_id, request_id, site_id, kid, token, created_at) VALUES (?, ?, 'bench', ?, ?, ?)",
  );
  const insertAudit =
    db.prepare(`INSERT INTO audit (seq, at, site_id, actor, action, request_id, detail, prev_hash, hash)
    VALUES (?, ?, 'bench', 'visitor', 'request.submit', ?, NULL, ?, ?)`);
  const tokenBytes = 330; // a 5-field card record's compact JWE is ≈ 440 base64url characters
  const now = Date.now();
  for (let done = 0; done < count;) {
    const n = Math.min(BATCH, count - done);
    db.transaction(() => {
      // Read inside the write transaction so the vault's own appends interleave correctly.
      let last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() || {
        seq: 0,
        hash: '0'.repeat(64),
      };
      for (let i = 0; i < n; i += 1) {
        const requestId = crypto.randomUUID();
        const at = now - ageMs + done + i;
        insertRequest.run(requestId, `seed-room-${(done + i) % 5000}`, spec, at, at, at, at + 1_800_000);
        insertRecord.run(crypto.randomUUID(), requestId, kid, crypto.randomBytes(tokenBytes).toString('base64url'), at);
        const seq = last.seq + 1;
        const event = { at, siteId: 'bench', actor: 'visitor', action: 'request.submit', requestId, detail: null };
        const hash = chainHash(last.hash, seq, event);
        insertAudit.run(seq, at, requestId, last.hash, hash);
        last = { seq, hash };
      }
    }).immediate();
    done += n;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {
    requests: count,
    records: count,
    auditEntries: count,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

module.exports = { seedRecords };
