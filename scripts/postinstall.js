#!/usr/bin/env node
// Installs the vault's own package after the root install, so one `npm ci` prepares everything.
'use strict';
const { execSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const vault = path.join(root, 'vault');

function run(cmd, cwd) {
  console.log(`> ${cmd}  (in ${path.relative(root, cwd) || '.'})`);
  execSync(cmd, { cwd, stdio: 'inherit' });
}

const installed = path.join(vault, 'node_modules', '.package-lock.json');
const lock = path.join(vault, 'package-lock.json');
const stale = !fs.existsSync(installed) || fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs;
if (stale || process.env.CI) {
  run('npm ci --no-audit --no-fund', vault);
}

// The app's integration tests run the real Apps-Engine, whose Deno runtime needs preparing offline.
run(`"${process.execPath}" scripts/prepare-deno-runtime.js`, root);
