#!/usr/bin/env node
// Builds the visitor pages' own assets into public/: the page script, bundled with the shared
// field rules by esbuild, and the stylesheet. Runs before the tests and in `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const pkg = path.resolve(__dirname, '..');
const outDir = path.join(pkg, 'public');

fs.mkdirSync(outDir, { recursive: true });
try {
  esbuild.buildSync({
    entryPoints: [path.join(pkg, 'src/pages/client/visitor.ts')],
    outfile: path.join(outDir, 'visitor.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2019',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
} catch (error) {
  // esbuild has already printed the details.
  console.error('build-assets: the visitor page script did not build');
  process.exit(1);
}
fs.copyFileSync(path.join(pkg, 'src/pages/visitor.css'), path.join(outDir, 'visitor.css'));
