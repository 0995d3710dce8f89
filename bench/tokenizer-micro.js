#!/usr/bin/env node
'use strict';
// Micro-benchmark of the tokenizer alone, in one process and one run:
//   1. node-jose used the plain way (its own randomness: node-forge's pure-JS PRNG; its own AES-KW),
//   2. the vault's Tokenizer (compact framing of its own on node's crypto: OpenSSL's AES-KW and
//      AES-GCM, node's CSPRNG through the vault's pool, the strict parser and the binding checks),
//   3. node's crypto doing the same AES-KW + AES-256-GCM compact JWE by hand.
// Each one encrypts and decrypts the same ≈80-byte card record, sequentially, for a fixed time.
const crypto = require('node:crypto');
const { vaultRequire, dist } = require('./lib/paths');
const byHand = require('./lib/jwe-by-hand');

const jose = vaultRequire('node-jose');
const PLAINTEXT = Buffer.from(
  JSON.stringify({ name: 'Jane Q Cardholder', pan: '4111111111111111', exp: '12/29', zip: 'SW1A 1AA' }),
);
const SITE = 'bench-site';

/**
 * Runs `fn` back to back for `seconds`. Reports wall-clock rate and CPU time per operation: on a
 * shared machine the CPU time (user + system of this process) is the steadier of the two, since
 * time spent waiting for a core does not count.
 */
async function timeLoop(seconds, fn) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let ops = 0;
  // Check the clock every 64 operations so timing itself costs nothing measurable.
  while ((ops & 63) !== 0 || process.hrtime.bigint() < deadline) {
    await fn(ops);
    ops += 1;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { opsPerSecond: ops / elapsed, cpuMicrosPerOp: (used.user + used.system) / ops };
}

/** node-jose used the plain way: its own randomness and its own AES key wrap. */
async function plainJose(siteKey, kid) {
  const key = await jose.JWK.asKey({ kty: 'oct', k: siteKey.toString('base64url'), alg: 'A256KW', kid, use: 'enc' });
  const header = (rid) => ({ alg: 'A256KW', enc: 'A256GCM', kid, rid, sid: SITE });
  return {
    name: 'node-jose, plain use (forge PRNG, own AES-KW)',
    encrypt: (rid) =>
      jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM', fields: header(rid), protect: '*' }, key)
        .update(PLAINTEXT)
        .final(),
    decrypt: async (rid, token) =>
      (await jose.JWE.createDecrypt(key, { algorithms: ['A256KW', 'A256GCM'] }).decrypt(token)).plaintext,
  };
}

/** The vault's Tokenizer, as the vault runs it. */
function vaultTokenizer(siteKey, kid) {
  const { Tokenizer } = dist('crypto/tokenizer');
  const tokenizer = new Tokenizer();
  return {
    name: 'vault Tokenizer (own framing on node crypto)',
    encrypt: (rid) => tokenizer.encrypt({ siteId: SITE, recordId: rid }, kid, siteKey, PLAINTEXT),
    decrypt: (rid, token) => tokenizer.decrypt({ siteId: SITE, recordId: rid }, token, async () => siteKey),
  };
}

function handRolled(siteKey, kid) {
  const header = (rid) => ({ alg: 'A256KW', enc: 'A256GCM', kid, rid, sid: SITE });
  return {
    name: 'node crypto by hand',
    encrypt: async (rid) => byHand.encrypt(siteKey, header(rid), PLAINTEXT),
    decrypt: async (rid, token) => byHand.decrypt(siteKey, token),
  };
}

/** Every reader opens every maker's token: the contenders do the same, standard work. */
async function checkInterop(makers, readers, rid) {
  for (const maker of makers) {
    const token = await maker.encrypt(rid);
    for (const reader of readers) {
      const back = await reader.decrypt(rid, token);
      if (!Buffer.from(back).equals(PLAINTEXT)) throw new Error(`${reader.name} could not read ${maker.name}'s token`);
    }
  }
}

async function measure(c, rid, seconds) {
  await timeLoop(0.3, () => c.encrypt(rid).then((t) => c.decrypt(rid, t))); // warm-up (JIT)
  const tokens = [];
  for (let i = 0; i < 512; i += 1) tokens.push(await c.encrypt(rid));
  const encrypt = await timeLoop(seconds, () => c.encrypt(rid));
  const decrypt = await timeLoop(seconds, (i) => c.decrypt(rid, tokens[i & 511]));
  const pair = await timeLoop(seconds, () => c.encrypt(rid).then((t) => c.decrypt(rid, t)));
  return {
    name: c.name,
    encryptPerSecond: encrypt.opsPerSecond,
    decryptPerSecond: decrypt.opsPerSecond,
    pairPerSecond: pair.opsPerSecond,
    encryptCpuMicros: encrypt.cpuMicrosPerOp,
    decryptCpuMicros: decrypt.cpuMicrosPerOp,
    pairCpuMicros: pair.cpuMicrosPerOp,
  };
}

/** Runs the micro-benchmark; `seconds` per measurement. Returns figures only (no keys, no tokens). */
async function runTokenizerMicro({ seconds = 2, log = console.log } = {}) {
  const siteKey = crypto.randomBytes(32);
  const kid = crypto.randomUUID();
  const rid = crypto.randomUUID();
  const plain = await plainJose(siteKey, kid);
  const hand = handRolled(siteKey, kid);
  await checkInterop([plain, hand], [plain, hand], rid);
  const earlier = await plain.encrypt(rid);
  const results = [await measure(plain, rid, seconds)];
  const vault = vaultTokenizer(siteKey, kid);
  await checkInterop([vault, hand], [vault, hand, plain], rid);
  if (!(await vault.decrypt(rid, earlier)).equals(PLAINTEXT))
    throw new Error('the Tokenizer cannot read plain node-jose tokens');
  results.push(await measure(vault, rid, seconds), await measure(hand, rid, seconds));
  const floor = results[results.length - 1].pairCpuMicros;
  for (const r of results) r.costVsByHand = r.pairCpuMicros / floor;

  log('\nTokenizer micro-benchmark (compact JWE A256KW+A256GCM, ≈80-byte record, one core, sequential)');
  log(
    table(
      [
        'contender',
        'encrypt/s',
        'decrypt/s',
        'enc+dec/s',
        'CPU µs enc',
        'CPU µs dec',
        'CPU µs enc+dec',
        '× by-hand cost',
      ],
      results.map((r) => [
        r.name,
        fmt(r.encryptPerSecond),
        fmt(r.decryptPerSecond),
        fmt(r.pairPerSecond),
        r.encryptCpuMicros.toFixed(1),
        r.decryptCpuMicros.toFixed(1),
        r.pairCpuMicros.toFixed(1),
        r.costVsByHand.toFixed(2),
      ]),
    ),
  );
  log(
    '(× by-hand cost = CPU time per encrypt+decrypt relative to node crypto by hand; target ≤ 1.5 for the vault Tokenizer)',
  );
  return { plaintextBytes: PLAINTEXT.length, secondsPerMeasurement: seconds, results };
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
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
