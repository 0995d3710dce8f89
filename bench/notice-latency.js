#!/usr/bin/env node
'use strict';
// `npm run bench:notice`: the time from a visitor's submit (HTTP POST to the vault's submit URL) to
// the agent's private notice, in the real Apps-Engine runtime with the real vault
// (bench/notice/run.ts). Prints p50/p95 and writes bench/notice-results.json.
//
// Flags: --submits=<n> (50)  --warmup=<n> (5)  --timeout-ms=<n> (30000, per notice)  --out=<file>
const path = require('node:path');
const { filePath, flags, requireTypeScript, wholeNumber } = require('./lib/cli');

// The bench reuses the integration tests' stage (TypeScript): compile each .ts file on require,
// without type checks (npm run typecheck covers bench/notice).
requireTypeScript();

function parseArgs(argv) {
  const args = flags(argv);
  return {
    submits: wholeNumber(args, 'submits', 50),
    warmup: wholeNumber(args, 'warmup', 5, 0),
    timeoutMs: wholeNumber(args, 'timeout-ms', 30000),
    out: filePath(args, 'out', path.join(__dirname, 'notice-results.json')),
  };
}

async function main() {
  // Packages the app and builds the vault when their sources changed, as before the tests.
  await require('../test/global-setup.js')();
  const { runNoticeBench } = require('./notice/run.ts');
  await runNoticeBench(parseArgs(process.argv.slice(2)));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`notice bench failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
