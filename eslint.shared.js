/**
 * The one lint configuration of the repository, for the app and the vault alike.
 *
 * Two entry points use it (`eslint.config.js` here and in `vault/`) because typed linting needs the
 * TypeScript each side builds with: the app 4.9.5 (what `rc-apps package` compiles), the vault 5.9
 * (its Fastify and Node types need TypeScript 5). Each entry point passes its own `@eslint/js` and
 * `typescript-eslint`, so each resolves its own TypeScript; the rules below are the same for both.
 *
 * Rules are chosen to catch bugs (promises nobody awaits, `any`, throwing non-errors, objects turned
 * into "[object Object]"); formatting is Prettier's job, so no stylistic rule is enabled here.
 */
'use strict';

/**
 * @param {object} options
 * @param {import('@eslint/js')} options.js
 * @param {typeof import('typescript-eslint')} options.tseslint
 * @param {typeof import('eslint-plugin-regexp')} options.regexp
 * @param {string} options.tsconfigRootDir folder the `projects` are relative to
 * @param {string[]} options.projects tsconfig files that cover every linted .ts file
 * @param {string[]} options.ignores globs this entry point leaves to the other one (or to nobody)
 * @param {object} [options.nodeGlobals] globals of Node scripts (.js files), when this entry point lints any
 */
function lintConfig({ js, tseslint, regexp, tsconfigRootDir, projects, ignores, nodeGlobals }) {
  return tseslint.config(
    { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/data/**', ...ignores] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
      // A regular expression that backtracks or moves super-linearly freezes the process on a long
      // input (a setting, a header, a message): ReDoS. Every pattern in the code must run in linear time.
      files: ['**/*.ts', '**/*.js'],
      plugins: { regexp },
      rules: {
        'regexp/no-super-linear-backtracking': 'error',
        'regexp/no-super-linear-move': 'error',
      },
    },
    {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { project: projects, tsconfigRootDir } },
      rules: {
        // A promise nobody awaits loses its error and its ordering: the bugs these three catch.
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-misused-promises': 'error',
        '@typescript-eslint/await-thenable': 'error',
        '@typescript-eslint/only-throw-error': 'error',
        '@typescript-eslint/no-base-to-string': 'error',
        '@typescript-eslint/no-explicit-any': 'error',
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
        ],
        // `import x = require('x')` is TypeScript's own form for CommonJS modules.
        '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
        eqeqeq: ['error', 'always', { null: 'ignore' }],
        // A `let` read by a closure before its one assignment cannot be a `const`.
        'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
        'no-console': 'error',
        // Stripping control characters from input is deliberate here, not a typo.
        'no-control-regex': 'off',
      },
    },
    {
      // Processes and tests talk to the terminal: the entry points, the CLI and test helpers.
      files: ['**/main.ts', '**/cli.ts', '**/test/**/*.ts', 'testkit/**/*.ts'],
      rules: { 'no-console': 'off' },
    },
    {
      files: ['**/*.js'],
      ...tseslint.configs.disableTypeChecked,
      languageOptions: { sourceType: 'commonjs', globals: nodeGlobals ?? {} },
      rules: {
        ...tseslint.configs.disableTypeChecked.rules,
        '@typescript-eslint/no-require-imports': 'off',
        // CommonJS scripts may name a module like the global it shadows (`const crypto = require('crypto')`).
        'no-redeclare': ['error', { builtinGlobals: false }],
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
        ],
      },
    },
  );
}

module.exports = { lintConfig };
