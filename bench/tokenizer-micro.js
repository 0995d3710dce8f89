#!/usr/bin/env node
'use strict';
// Micro-benchmark of the tokenizer alone, in one process and one run:
//   1. node-jose used the plain way (its own randomness: node-forge's pure-JS PRNG),
//   2. the vault's Tokenizer (node-jose with our randomness and cached keys),
//   3. node's crypto doing the same AES-KW + AES-256-GCM compact JWE by hand.
// Each one encrypts and decrypts the same ≈80-byte card record, sequentially, for a fixed time.
const crypto = require('node:crypto');
const { vaultRequire, dist } = require('./lib/paths');
const byHand = require('./lib/jwe-by-hand');

const jose = vaultRequire('node-jose');
const PLAINTEXT = Buffer.from(JSON.stringify({ name: 'Jane Q Cardholder', pan: '4111111111111111', exp: '12/29', zip: 'SW1A 1AA' }));
const SITE = 'bench-site';

async function timeLoop(seconds, fn) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  let ops = 0;
  // Check the clock every 64 operations so timing itself costs nothing measurable.
  while ((ops & 63) !== 0 || process.hrtime.bigint() < deadline) {
    await fn(ops);
    ops += 1;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { opsPerSecond: ops / elapsed, microsPerOp: (elapsed / ops) * 1e6 };
}

/** The three contenders, each as encrypt(recordId) → token and decrypt(recordId, token) → Buffer. */
async function contenders(siteKey, kid) {
  const plainKey = await jose.JWK.asKey({ kty: 'oct', k: siteKey.toString('base64url'), alg: 'A256KW', kid, use: 'enc' });
  const { Tokenizer } = dist('crypto/tokenizer');
  const tokenizer = new Tokenizer();
  const header = (recordId) => ({ alg: 'A256KW', enc: 'A256GCM', kid, rid: recordId, sid: SITE });
  return [
    {
      name: 'node-jose, plain use (forge PRNG)',
      encrypt: (rid) => jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM', fields: header(rid), protect: '*' }, plainKey).update(PLAINTEXT).final(),
      decrypt: async (rid, token) => (await jose.JWE.createDecrypt(plainKey, { algorithms: ['A256KW', 'A256GCM'] }).decrypt(token)).plaintext,
    },
    {
      name: 'vault Tokenizer (node-jose)',
      encrypt: (rid) => tokenizer.encrypt({ siteId: SITE, recordId: rid }, kid, siteKey, PLAINTEXT),
      decrypt: (rid, token) => tokenizer.decrypt({ siteId: SITE, recordId: rid }, token, async () => siteKey),
    },
    {
      name: 'node crypto by hand',
      encrypt: async (rid) => byHand.encrypt(siteKey, header(rid), PLAINTEXT),
      decrypt: async (rid, token) => byHand.decrypt(siteKey, token),
    },
  ];
}

/** Runs the micro-benchmark; `seconds` per measurement. Returns figures only (no keys, no tokens). */
async function runTokenizerMicro({ seconds = 2, log = console.log } = {}) {
  const siteKey = crypto.randomBytes(32);
  const kid = crypto.randomUUID();
  const rid = crypto.randomUUID();
  const list = await contenders(siteKey, kid);

  // Interoperability first: every contender reads every other's tokens, so they do the same work.
  for (const maker of list) {
    const token = await maker.encrypt(rid);
    for (const reader of list) {
      const back = await reader.decrypt(rid, token);
      if (!Buffer.from(back).equals(PLAINTEXT)) throw new Error(`${reader.name} could not read ${maker.name}'s token`);
    }
  }

  const results = [];
  for (const c of list) {
    await timeLoop(0.3, () => c.encrypt(rid).then((t) => c.decrypt(rid, t))); // warm-up (JIT)
    const tokens = [];
    for (let i = 0; i < 512; i += 1) tokens.push(await c.encrypt(rid));
    const encrypt = await timeLoop(seconds, () => c.encrypt(rid));
    const decrypt = await timeLoop(seconds, (i) => c.decrypt(rid, tokens[i & 511]));
    const pair = await timeLoop(seconds, () => c.encrypt(rid).then((t) => c.decrypt(rid, t)));
    results.push({ name: c.name, encryptPerSecond: encrypt.opsPerSecond, decryptPerSecond: decrypt.opsPerSecond, pairPerSecond: pair.opsPerSecond, pairMicros: pair.microsPerOp });
  }
  const floor = results[results.length - 1].pairMicros;
  for (const r of results) r.costVsByHand = r.pairMicros / floor;

  log('\nTokenizer micro-benchmark (compact JWE A256KW+A256GCM, ≈80-byte record, one core, sequential)');
  log(table(['contender', 'encrypt/s', 'decrypt/s', 'enc+dec/s', 'µs per enc+dec', '× by-hand cost'],
    results.map((r) => [r.name, fmt(r.encryptPerSecond), fmt(r.decryptPerSecond), fmt(r.pairPerSecond), r.pairMicros.toFixed(1), r.costVsByHand.toFixed(2)])));
  return { plaintextBytes: PLAINTEXT.length, secondsPerMeasurement: seconds, results };
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { runTokenizerMicro, table, fmt };

if (require.main === module) {
  const seconds = Number(process.env.BENCH_MICRO_SECONDS || 2);
  runTokenizerMicro({ seconds }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
