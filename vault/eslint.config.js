/**
 * The vault's lint entry point: the repository's rules (../eslint.shared.js) run with the vault's own
 * typescript-eslint, so its code is type-checked by the TypeScript 5.9 it builds with.
 */
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const regexp = require('eslint-plugin-regexp');
const { lintConfig } = require('../eslint.shared');

module.exports = lintConfig({
  js,
  tseslint,
  regexp,
  tsconfigRootDir: __dirname,
  projects: ['./tsconfig.json'],
  // The root entry point lints the vault's .js scripts.
  ignores: ['**/*.js', 'public/**'],
});
