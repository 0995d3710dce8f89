#!/usr/bin/env node
// Runs the checks (format, lint, layers), then every test suite (the vault's, then the app's), and
// ends with one line "N passed, N failed".
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const extraArgs = process.argv.slice(2);
const binPath = [path.join(root, 'node_modules', '.bin'), path.join(root, 'vault', 'node_modules', '.bin')];
// Every temp file the suites and their servers, browsers and CLIs make lands in one folder of this
// run's own, removed when the run ends: test databases, screenshots and browser profiles do not pile
// up in /tmp. (A run killed by a signal leaves its folder: this script is synchronous throughout.)
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'idv-test-run-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
const env = { ...process.env, TMPDIR: scratch, PATH: [...binPath, process.env.PATH].join(path.delimiter) };

const tsc = (dir, project) => [
  process.execPath,
  [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', project],
];
const vaultDir = path.join(root, 'vault');
// Jest runs TypeScript without type-checking (isolatedModules), so each suite type-checks first.
const suites = [
  { name: 'vault', cwd: vaultDir, pre: [[process.execPath, ['scripts/build-assets.js']], tsc(vaultDir, '.')] },
];
if (fs.existsSync(path.join(root, 'jest.config.js'))) {
  const pre = [tsc(root, '.')];
  if (fs.existsSync(path.join(root, 'test', 'tsconfig.json'))) pre.push(tsc(root, 'test'));
  suites.push({ name: 'app', cwd: root, pre });
}

// Format, lint and layer rules are checked like tests: a red one fails the run, so CI enforces them.
const node = (dir, bin, ...args) => [process.execPath, [path.join(dir, 'node_modules', ...bin), ...args]];
const checks = [
  {
    name: 'format',
    cwd: root,
    run: node(root, ['prettier', 'bin', 'prettier.cjs'], '--check', '--log-level', 'warn', '.'),
  },
  { name: 'lint (app)', cwd: root, run: node(root, ['eslint', 'bin', 'eslint.js'], '.') },
  { name: 'lint (vault)', cwd: vaultDir, run: node(vaultDir, ['eslint', 'bin', 'eslint.js'], '.') },
  { name: 'layers', cwd: root, run: [process.execPath, [path.join(root, 'scripts', 'check-layers.js')]] },
];

let passed = 0;
let failed = 0;
// Checks and suites that failed without counting a test (a lint error, a type error, a suite that
// did not load): each counts as one failure in the last line, so the line never reads 0 failed.
let broken = 0;
console.log('=== checks ===');
for (const check of checks) {
  const started = Date.now();
  const [cmd, args] = check.run;
  const result = spawnSync(cmd, args, { cwd: check.cwd, stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) console.log(`${check.name}: ok (${seconds} s)`);
  else {
    broken += 1;
    console.error(`${check.name}: FAILED (${seconds} s)`);
  }
}
for (const suite of suites) {
  console.log(`\n=== ${suite.name} tests ===`);
  const preFailed = (suite.pre ?? []).some(([cmd, args]) => {
    const pre = spawnSync(cmd, args, { cwd: suite.cwd, stdio: 'inherit', env });
    if (pre.status !== 0) console.error(`${suite.name}: "${path.basename(args[0])} ${args.slice(1).join(' ')}" failed`);
    return pre.status !== 0;
  });
  if (preFailed) {
    broken += 1;
    continue;
  }
  const out = path.join(os.tmpdir(), `jest-${suite.name}-${process.pid}.json`);
  const jest = path.join(suite.cwd, 'node_modules', 'jest', 'bin', 'jest.js');
  const run = spawnSync(process.execPath, [jest, '--json', `--outputFile=${out}`, ...extraArgs], {
    cwd: suite.cwd,
    stdio: 'inherit',
    env,
  });
  if (!fs.existsSync(out)) {
    broken += 1;
    console.error(`${suite.name}: jest wrote no results`);
    continue;
  }
  const result = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.unlinkSync(out);
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  // A suite that fails to load counts no test but must still fail the run.
  if (run.status !== 0 && result.numFailedTests === 0) broken += 1;
  console.log(
    `${suite.name}: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ` +
      `${result.numFailedTestSuites} of ${result.numTotalTestSuites} suites failed`,
  );
}
if (broken > 0) console.error(`\n${broken} check(s) or suite(s) failed without running their tests (above)`);
console.log(`\n${passed} passed, ${failed + broken} failed`);
process.exit(failed > 0 || broken > 0 || passed === 0 ? 1 : 0);
