#!/usr/bin/env node
// Before `npm run build`: deletes compiled files in dist/ whose source is gone. tsc never does, and
// a moved source's old output can shadow the new one (dist/contract.js before dist/contract/index.js).
// Only such orphans are deleted, so two builds at once (parallel test workers) cannot hurt each other.
'use strict';
const fs = require('fs');
const path = require('path');

const pkg = path.resolve(__dirname, '..');
const dist = path.join(pkg, 'dist');
const src = path.join(pkg, 'src');

function prune(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(full);
      continue;
    }
    const match = /^(.*)\.js(\.map)?$/.exec(entry.name);
    if (!match) continue;
    const source = path.join(src, path.relative(dist, dir), `${match[1]}.ts`);
    if (!fs.existsSync(source)) fs.rmSync(full, { force: true });
  }
}

prune(dist);
