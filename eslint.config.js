/** The app's lint entry point; the rules live in eslint.shared.js, shared with vault/eslint.config.js. */
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const regexp = require('eslint-plugin-regexp');
const globals = require('globals');
const { lintConfig } = require('./eslint.shared');

module.exports = lintConfig({
  js,
  tseslint,
  regexp,
  tsconfigRootDir: __dirname,
  // test/tsconfig.json covers the app's sources and its tests: one TypeScript program, linted once.
  projects: ['./test/tsconfig.json'],
  // The vault's TypeScript is linted by vault/eslint.config.js with the vault's TypeScript 5.9.
  ignores: ['vault/**/*.ts', 'vault/public/**', '.deno/**'],
  nodeGlobals: globals.node,
});
