#!/usr/bin/env node
// `npm run layers`: checks the app's and the vault's layers (.dependency-cruiser.js) with dependency-cruiser.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const args = ['--config', '.dependency-cruiser.js', '--output-type', 'err', 'IdvSecureFormsApp.ts', 'src', 'vault/src'];
const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
