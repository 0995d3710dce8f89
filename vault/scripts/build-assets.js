#!/usr/bin/env node
// Builds the pages' own assets into public/: the visitor page script (bundled with the shared
// field rules by esbuild), the agent's viewer script, and their stylesheets. Runs before the tests and in `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const pkg = path.resolve(__dirname, '..');
const outDir = path.join(pkg, 'public');

fs.mkdirSync(outDir, { recursive: true });
try {
  esbuild.buildSync({
    entryPoints: {
      visitor: path.join(pkg, 'src/pages/client/visitor.ts'),
      viewer: path.join(pkg, 'src/pages/client/viewer.ts'),
    },
    outdir: outDir,
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
  console.error('build-assets: the page scripts did not build');
  process.exit(1);
}
for (const sheet of ['visitor.css', 'viewer.css']) {
  fs.copyFileSync(path.join(pkg, 'src/pages', sheet), path.join(outDir, sheet));
}
