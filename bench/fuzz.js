#!/usr/bin/env node
'use strict';
// `npm run fuzz`: the vault's property-based fuzz tests (vault/test/fuzz/), far longer than in
// `npm test` and with a fresh seed each time. A failure prints fast-check's counterexample and the
// seed; replay it with FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npm run fuzz.
//
// Flags: --runs=<n> per property (default 5000)  --seed=<n> (default: random)
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const flag = (name, fallback) => {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const runs = flag('runs', process.env.FUZZ_RUNS || '5000');
const seed = flag('seed', process.env.FUZZ_SEED || String(Math.floor(Math.random() * 2 ** 31)));
const vault = path.resolve(__dirname, '..', 'vault');

console.log(`fuzzing with FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest', { paths: [vault] }), '--runInBand', '--testTimeout=3600000', 'test/fuzz'],
  { cwd: vault, stdio: 'inherit', env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs } },
);
console.log(
  `fuzz ${result.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ` +
    `(FUZZ_SEED=${seed} FUZZ_RUNS=${runs})`,
);
process.exit(result.status ?? 1);
