'use strict';
// Where things live. The bench borrows the vault package's installed modules (autocannon, fastify,
// node-jose, better-sqlite3) so a fresh clone needs only the usual `npm ci` (node-jose as a dev
// dependency: the vault itself no longer loads it).
const path = require('node:path');
const { createRequire } = require('node:module');

const ROOT = path.resolve(__dirname, '..', '..');
// BENCH_VAULT_DIR points the bench at another build of the vault (e.g. an older commit's, for a
// before/after comparison on the same machine at the same time); default: this repo's.
const VAULT = process.env.BENCH_VAULT_DIR ? path.resolve(process.env.BENCH_VAULT_DIR) : path.join(ROOT, 'vault');
const vaultRequire = createRequire(path.join(VAULT, 'package.json'));

/** A module from the vault's compiled output, e.g. dist('crypto/tokenizer'). */
function dist(modulePath) {
  return require(path.join(VAULT, 'dist', modulePath));
}

module.exports = { ROOT, VAULT, BENCH: path.join(ROOT, 'bench'), vaultRequire, dist };
