#!/usr/bin/env node
'use strict';
// `npm run bench:hooks`: the cost per message of Rocket.Chat's pre-message hooks with and without
// this app, in the real Apps-Engine runtime (bench/message-hooks/run.ts; what it measures:
// bench/message-hooks/scenarios.ts). Prints a table and writes bench/message-hooks-results.json.
//
// Flags: --iterations=<n> (2000 per configuration and message)  --warmup=<n> (200)  --rounds=<n> (10)
//        --configurations=<name,…>  --messages=<name,…> (those whose name contains one)  --out=<file>
const path = require('node:path');
const { filePath, flags, requireTypeScript, wholeNumber } = require('./lib/cli');

// The bench reuses the test harness (TypeScript): compile each .ts file on require, without type
// checks (npm run typecheck covers bench/message-hooks).
requireTypeScript();

function parseArgs(argv) {
  const args = flags(argv);
  const list = (value) => (value ? String(value).split(',') : undefined);
  return {
    iterations: wholeNumber(args, 'iterations', 2000),
    warmup: wholeNumber(args, 'warmup', 200, 0),
    rounds: wholeNumber(args, 'rounds', 10),
    configurations: list(args.configurations),
    messages: list(args.messages),
    out: filePath(args, 'out', path.join(__dirname, 'message-hooks-results.json')),
  };
}

async function main() {
  // Packages the app when its sources changed, as before the tests.
  await require('../test/global-setup.js')();
  const { runBench } = require('./message-hooks/run.ts');
  await runBench(parseArgs(process.argv.slice(2)));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
