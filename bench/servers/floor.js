#!/usr/bin/env node
'use strict';
// The floor: the vault's irreducible work for create, page, open, submit, mint and detokenize,
// written by hand with node:http, better-sqlite3 and node:crypto, as the yardstick the vault's CPU
// per request is measured against (bench/run.js). It speaks the vault's routes for those steps, so
// the same pools and requests drive both. Per request it does what the design requires and no more:
// parse and check the body, hash the API key and the OTK, one read, one write transaction (consume
// the OTK, insert the record and, apart, its wrapped key, update, append a hash-chained audit row;
// SQLite's secure_delete on, as erasure requires), a real compact JWE (A256KW + A256GCM,
// its tokens decrypt with node-jose: checked at start), the CVV sealed (AES-256-GCM) into memory,
// one doorbell on open and submit. What it leaves out on purpose: schemas, rate limits, security
// headers beyond the minimum, logging, metrics, i18n, templates — the vault's extra cost.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { answerAllocationMessages } = require('../lib/child-control');
const { vaultRequire } = require('../lib/paths');
const jweByHand = require('../lib/jwe-by-hand');

const Database = vaultRequire('better-sqlite3');

const SITE = 'bench';
const PUBLIC = 'http://127.0.0.1';
const TTL_MS = 3600_000;
const PAGE_BYTES = Number(process.env.BENCH_PAGE_BYTES || 4000);

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');
const newOtk = () => {
  const otk = crypto.randomBytes(32).toString('base64url');
  return { otk, hash: sha256(otk) };
};

// --- storage: the vault's tables, trimmed to the columns these steps use ---
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-floor-'));
const db = new Database(path.join(dir, 'floor.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON'); // as the vault: record_keys cascade with their record
// Required work since erasure (issue 15): a deleted OTK, record or key is overwritten with zeros,
// not left in a free page. BENCH_FLOOR_SECURE_DELETE=0 gives the floor of the earlier rounds.
if (process.env.BENCH_FLOOR_SECURE_DELETE !== '0') db.pragma('secure_delete = ON');
db.exec(`
  CREATE TABLE requests (request_id TEXT PRIMARY KEY, site_id TEXT, room_id TEXT, agent_id TEXT, callback_url TEXT,
    spec TEXT, status TEXT, created_at INTEGER, opened_at INTEGER, submitted_at INTEGER, viewed_at INTEGER, expires_at INTEGER);
  CREATE TABLE otks (hash TEXT PRIMARY KEY, purpose TEXT, site_id TEXT, request_id TEXT, agent_id TEXT, expires_at INTEGER);
  CREATE INDEX otks_request ON otks (request_id);
  CREATE TABLE records (request_id TEXT PRIMARY KEY, record_id TEXT UNIQUE, kid TEXT, token TEXT, created_at INTEGER);
  -- Since erasure (issue 15) each record's wrapped key lives apart, so destroying it erases the record.
  CREATE TABLE record_keys (record_id TEXT PRIMARY KEY REFERENCES records (record_id) ON DELETE CASCADE,
    wrapped_key TEXT NOT NULL);
  CREATE TABLE audit (seq INTEGER PRIMARY KEY, at INTEGER, actor TEXT, action TEXT, request_id TEXT, prev_hash TEXT, hash TEXT);
`);
const sql = {
  insertRequest: db.prepare(
    `INSERT INTO requests (request_id, site_id, room_id, agent_id, callback_url, spec, status, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  ),
  insertOtk: db.prepare(
    'INSERT INTO otks (hash, purpose, site_id, request_id, agent_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  ),
  byOtk: db.prepare(
    `SELECT r.* FROM otks o JOIN requests r ON r.request_id = o.request_id
     WHERE o.hash = ? AND o.purpose = ? AND o.expires_at > ?`,
  ),
  consume: db.prepare('DELETE FROM otks WHERE hash = ? AND purpose = ? AND expires_at > ? RETURNING request_id'),
  consumeDetokenize: db.prepare(
    `DELETE FROM otks WHERE hash = ? AND purpose = 'detokenize' AND site_id = ? AND agent_id = ? AND expires_at > ?
     RETURNING request_id`,
  ),
  opened: db.prepare("UPDATE requests SET status = 'opened', opened_at = ?, expires_at = ? WHERE request_id = ?"),
  submitted: db.prepare("UPDATE requests SET status = 'submitted', submitted_at = ? WHERE request_id = ?"),
  viewed: db.prepare('UPDATE requests SET viewed_at = ? WHERE request_id = ?'),
  killOtks: db.prepare('DELETE FROM otks WHERE request_id = ?'),
  insertRecord: db.prepare(
    'INSERT INTO records (request_id, record_id, kid, token, created_at) VALUES (?, ?, ?, ?, ?)',
  ),
  insertRecordKey: db.prepare('INSERT INTO record_keys (record_id, wrapped_key) VALUES (?, ?)'),
  request: db.prepare('SELECT * FROM requests WHERE request_id = ?'),
  detokenizeTarget: db.prepare(
    `SELECT r.*, rec.record_id, rec.token, k.wrapped_key FROM otks o JOIN requests r ON r.request_id = o.request_id
     LEFT JOIN records rec ON rec.request_id = r.request_id LEFT JOIN record_keys k ON k.record_id = rec.record_id
     WHERE o.hash = ? AND o.purpose = 'detokenize' AND o.site_id = ? AND o.agent_id = ? AND o.expires_at > ?`,
  ),
  audit: db.prepare(
    'INSERT INTO audit (seq, at, actor, action, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
};

/** The whole compact JWE again from the stored token and its key kept apart. */
const withKey = (token, wrappedKey) => {
  const parts = token.split('.');
  parts[1] = wrappedKey;
  return parts.join('.');
};

// The audit chain's head, kept in memory: one process owns the file.
let head = { seq: 0, hash: '0'.repeat(64) };
function audit(at, actor, action, requestId) {
  const seq = head.seq + 1;
  const hash = crypto
    .createHash('sha256')
    .update(`${head.hash}\n${JSON.stringify([seq, at, SITE, actor, action, requestId, null])}`)
    .digest('hex');
  sql.audit.run(seq, at, actor, action, requestId, head.hash, hash);
  head = { seq, hash };
}

// --- keys: the site key (a KEK, unwrapped once) and the API key's hash ---
const kek = crypto.randomBytes(32);
const kid = crypto.randomUUID();
const sealKey = crypto.createHmac('sha256', kek).update('off-record').digest();
const apiKeyId = crypto.randomBytes(8).toString('hex');
const apiSecret = crypto.randomBytes(32).toString('base64url');
const apiKeyHash = Buffer.from(sha256(apiSecret), 'hex');

function authorized(req) {
  const match = /^Bearer ivk\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/.exec(req.headers.authorization || '');
  if (!match || match[1] !== apiKeyId) return false;
  return crypto.timingSafeEqual(Buffer.from(sha256(match[2]), 'hex'), apiKeyHash);
}

// --- the ephemeral store: sealed off-the-record values in memory, with a TTL ---
const ephemeral = new Map();
function seal(requestId, values) {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', sealKey, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(requestId));
  const body = Buffer.concat([cipher.update(JSON.stringify(values)), cipher.final()]);
  ephemeral.set(requestId, { sealed: Buffer.concat([iv, cipher.getAuthTag(), body]), until: Date.now() + 300_000 });
}
function unseal(requestId) {
  const entry = ephemeral.get(requestId);
  if (!entry || entry.until <= Date.now()) return {};
  const { sealed } = entry;
  const decipher = crypto.createDecipheriv('aes-256-gcm', sealKey, sealed.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(requestId));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8'));
}

// --- the doorbell: one POST per state change, off the request path, sockets reused ---
const doorbellAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function ring(callbackUrl, requestId, event) {
  const url = new URL(callbackUrl);
  const body = JSON.stringify({ requestId, event });
  const req = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: doorbellAgent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  req.on('response', (res) => res.resume());
  req.on('error', () => undefined);
  req.end(body);
}

// --- field checks: the rules a card form needs ---
function luhn(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
function checkValue(field, raw) {
  if (typeof raw !== 'string' || raw.length > 1000) return undefined;
  const value = raw.trim();
  if (value === '') return field.required ? undefined : '';
  if (field.type === 'card_number') {
    const digits = value.replace(/[\s-]/g, '');
    return /^\d{12,19}$/.test(digits) && luhn(digits) ? digits : undefined;
  }
  if (field.type === 'expiry') return /^(0[1-9]|1[0-2])\/\d{2}$/.test(value) ? value : undefined;
  if (field.type === 'cvv') return /^\d{3,4}$/.test(value) ? value : undefined;
  return value;
}
function checkForm(form) {
  if (!form || typeof form.title !== 'string' || !Array.isArray(form.fields) || form.fields.length === 0) return false;
  if (form.fields.length > 100) return false;
  const ids = new Set();
  for (const f of form.fields) {
    if (!f || !/^[a-z][a-z0-9_]{0,63}$/.test(f.id) || ids.has(f.id) || typeof f.label !== 'string') return false;
    if (!['text', 'card_number', 'expiry', 'cvv', 'email', 'ssn', 'select'].includes(f.type)) return false;
    ids.add(f.id);
  }
  return true;
}

// --- HTTP ---
function send(res, status, body, type = 'application/json') {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(payload);
}
const refuse = (res) => send(res, 403, { error: { code: 'invalid_otk', message: 'This one-time key is not valid.' } });
const notFound = (res) => send(res, 404, { error: { code: 'not_found', message: 'Not found.' } });
const bad = (res) => send(res, 400, { error: { code: 'bad_request', message: 'Bad request.' } });

function readJson(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 65536) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > 65536) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function startPage(spec, otk) {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(spec.title)}</title></head>
<body><main><h1>${escapeHtml(spec.title)}</h1><form method="post" action="/f/${otk}"><button>Start</button></form></main>`;
  // Padded to the vault's page size: the same bytes go out.
  return `${page}<!--${' '.repeat(Math.max(0, PAGE_BYTES - page.length - 17))}--></body></html>`;
}

async function create(req, res) {
  if (!authorized(req)) return send(res, 401, { error: { code: 'unauthorized', message: 'Unauthorized.' } });
  const body = await readJson(req);
  if (!body || body.kind !== 'form' || typeof body.roomId !== 'string' || typeof body.agentId !== 'string')
    return bad(res);
  if (typeof body.callbackUrl !== 'string' || !checkForm(body.form)) return bad(res);
  const now = Date.now();
  const requestId = crypto.randomUUID();
  const link = newOtk();
  db.transaction(() => {
    sql.insertRequest.run(
      requestId,
      SITE,
      body.roomId,
      body.agentId,
      body.callbackUrl,
      JSON.stringify(body.form),
      now,
      now + TTL_MS,
    );
    sql.insertOtk.run(link.hash, 'open', SITE, requestId, null, now + TTL_MS);
    audit(now, `site:${SITE}`, 'request.create', requestId);
  }).immediate();
  send(res, 201, {
    requestId,
    visitorUrl: `${PUBLIC}/f/${link.otk}`,
    expiresAt: new Date(now + TTL_MS).toISOString(),
  });
}

function page(req, res, otk) {
  const request = sql.byOtk.get(sha256(otk), 'open', Date.now());
  if (!request || request.status !== 'pending') return notFound(res);
  send(res, 200, startPage(JSON.parse(request.spec), otk), 'text/html; charset=utf-8');
}

function open(req, res, otk) {
  const now = Date.now();
  const submit = newOtk();
  const request = db
    .transaction(() => {
      const consumed = sql.consume.get(sha256(otk), 'open', now);
      if (!consumed) return undefined;
      const row = sql.request.get(consumed.request_id);
      if (!row || row.status !== 'pending') return undefined;
      sql.opened.run(now, now + TTL_MS, row.request_id);
      sql.insertOtk.run(submit.hash, 'submit', SITE, row.request_id, null, now + TTL_MS);
      audit(now, 'visitor', 'request.open', row.request_id);
      return row;
    })
    .immediate();
  if (!request) return notFound(res);
  ring(request.callback_url, request.request_id, 'opened');
  const spec = JSON.parse(request.spec);
  send(res, 200, {
    requestId: request.request_id,
    kind: 'form',
    title: spec.title,
    fields: spec.fields,
    submitUrl: `${PUBLIC}/f/${submit.otk}/submit`,
    cancelUrl: `${PUBLIC}/f/${submit.otk}/cancel`,
  });
}

async function submit(req, res, otk) {
  const body = await readJson(req);
  if (!body || typeof body.values !== 'object' || body.values === null) return bad(res);
  const hash = sha256(otk);
  const now = Date.now();
  const request = sql.byOtk.get(hash, 'submit', now);
  if (!request || request.status !== 'opened') return refuse(res);
  const onRecord = {};
  const offRecord = {};
  for (const field of JSON.parse(request.spec).fields) {
    const value = checkValue(field, body.values[field.id]);
    if (value === undefined) return send(res, 422, { error: { code: 'invalid_fields', fields: { [field.id]: 'x' } } });
    if (value !== '') (field.type === 'cvv' ? offRecord : onRecord)[field.id] = value;
  }
  const recordId = crypto.randomUUID();
  const header = { alg: 'A256KW', enc: 'A256GCM', kid, rid: recordId, sid: SITE };
  const token = jweByHand.encrypt(kek, header, Buffer.from(JSON.stringify(onRecord)));
  seal(request.request_id, offRecord);
  const done = db
    .transaction(() => {
      if (!sql.consume.get(hash, 'submit', now)) return false;
      const parts = token.split('.');
      sql.insertRecord.run(request.request_id, recordId, kid, [parts[0], '', ...parts.slice(2)].join('.'), now);
      sql.insertRecordKey.run(recordId, parts[1]);
      sql.submitted.run(now, request.request_id);
      sql.killOtks.run(request.request_id);
      audit(now, 'visitor', 'request.submit', request.request_id);
      return true;
    })
    .immediate();
  if (!done) return refuse(res);
  ring(request.callback_url, request.request_id, 'submitted');
  send(res, 200, { status: 'submitted' });
}

async function mint(req, res, requestId) {
  if (!authorized(req)) return send(res, 401, { error: { code: 'unauthorized', message: 'Unauthorized.' } });
  const body = await readJson(req);
  if (!body || typeof body.agentId !== 'string') return bad(res);
  const request = sql.request.get(requestId);
  if (!request) return notFound(res);
  if (request.agent_id !== body.agentId) return send(res, 403, { error: { code: 'not_sender', message: 'x' } });
  if (request.status !== 'submitted') return send(res, 409, { error: { code: 'not_submitted', message: 'x' } });
  const now = Date.now();
  const key = newOtk();
  db.transaction(() => {
    sql.insertOtk.run(key.hash, 'detokenize', SITE, requestId, body.agentId, now + TTL_MS);
    audit(now, `agent:${body.agentId}`, 'otk.mint', requestId);
  }).immediate();
  send(res, 201, { otk: key.otk, expiresAt: new Date(now + TTL_MS).toISOString() });
}

async function detokenize(req, res) {
  if (!authorized(req)) return send(res, 401, { error: { code: 'unauthorized', message: 'Unauthorized.' } });
  const body = await readJson(req);
  if (!body || typeof body.otk !== 'string' || typeof body.agentId !== 'string') return bad(res);
  const hash = sha256(body.otk);
  const now = Date.now();
  const target = sql.detokenizeTarget.get(hash, SITE, body.agentId, now);
  if (!target || target.status !== 'submitted' || target.agent_id !== body.agentId) return refuse(res);
  const values = {
    ...(target.token
      ? JSON.parse(jweByHand.decrypt(kek, withKey(target.token, target.wrapped_key)).toString('utf8'))
      : {}),
    ...unseal(target.request_id),
  };
  const done = db
    .transaction(() => {
      if (!sql.consumeDetokenize.get(hash, SITE, body.agentId, now)) return false;
      sql.viewed.run(now, target.request_id);
      audit(now, `agent:${body.agentId}`, 'detokenize.ok', target.request_id);
      return true;
    })
    .immediate();
  if (!done) return refuse(res);
  send(res, 200, { requestId: target.request_id, values, expired: [] });
}

const ROUTES = [
  [/^\/v1\/requests$/, 'POST', (req, res) => create(req, res)],
  [/^\/v1\/detokenize$/, 'POST', (req, res) => detokenize(req, res)],
  [/^\/v1\/requests\/([0-9a-f-]{36})\/otk$/, 'POST', (req, res, m) => mint(req, res, m[1])],
  [/^\/f\/([A-Za-z0-9_-]{43})\/submit$/, 'POST', (req, res, m) => submit(req, res, m[1])],
  [
    /^\/f\/([A-Za-z0-9_-]{43})$/,
    'GET',
    (req, res, m) => (/json/.test(req.headers.accept || '') ? open(req, res, m[1]) : page(req, res, m[1])),
  ],
];

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  for (const [pattern, method, handle] of ROUTES) {
    const m = pattern.exec(url);
    if (m && req.method === method) {
      Promise.resolve(handle(req, res, m)).catch(() => send(res, 500, { error: { code: 'internal' } }));
      return;
    }
  }
  req.resume();
  notFound(res);
});
server.keepAliveTimeout = 60_000;

/** The floor's tokens are real JWEs: node-jose's own JWE layer must read one before the run. */
async function checkTokensWithNodeJose() {
  const jose = vaultRequire('node-jose');
  const header = { alg: 'A256KW', enc: 'A256GCM', kid, rid: crypto.randomUUID(), sid: SITE };
  const plaintext = Buffer.from('{"pan":"4111111111111111"}');
  const token = jweByHand.encrypt(kek, header, plaintext);
  const key = await jose.JWK.asKey({ kty: 'oct', k: kek.toString('base64url'), alg: 'A256KW', kid });
  const result = await jose.JWE.createDecrypt(key, { algorithms: ['A256KW', 'A256GCM'] }).decrypt(token);
  if (!result.plaintext.equals(plaintext)) throw new Error("node-jose could not read the floor's token");
}

checkTokensWithNodeJose()
  .then(() =>
    server.listen(0, '127.0.0.1', () =>
      process.send({ type: 'ready', port: server.address().port, apiKey: `ivk.${apiKeyId}.${apiSecret}` }),
    ),
  )
  .catch((error) => {
    console.error(`bench floor server failed: ${error && error.message}`);
    process.exit(1);
  });
process.on('message', (message) => {
  if (message && message.type === 'stop') server.close(() => process.exit(0));
});
answerAllocationMessages();
process.on('disconnect', () => process.exit(0));
process.on('exit', () => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
