#!/usr/bin/env node
// Builds the vault when dist/ is missing or older than any source file, so `npm start` just works.
'use strict';
const { execSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const pkg = path.resolve(__dirname, '..');
function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}
const marker = path.join(pkg, 'dist', 'main.js');
const built = fs.existsSync(marker) && fs.existsSync(path.join(pkg, 'public')) ? fs.statSync(marker).mtimeMs : 0;
if (built < newest(path.join(pkg, 'src'))) {
  console.error('vault: building…');
  execSync('npm run --silent build', { cwd: pkg, stdio: ['ignore', 'ignore', 'inherit'] });
}
