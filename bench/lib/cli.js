'use strict';
// The benches' command lines: `--name=value` and bare `--flag` (true), nothing else.

/** `--a=1 --b` → { a: '1', b: true }. */
function flags(argv) {
  const args = {};
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m) args[m[1]] = m[2] === undefined ? true : m[2];
  }
  return args;
}

/**
 * `--name=<n>` as a whole number ≥ `min`, `fallback` when it is not given; anything else (`--name`
 * alone, `x`, `1.5`, a negative) stops the bench with the rule instead of running on NaN.
 */
function wholeNumber(args, name, fallback, min = 1) {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name}: a whole number ≥ ${min}`);
  return value;
}

/** `--name=a,b,c`, each by wholeNumber's rule (≥ 1), `fallback` when it is not given. */
function wholeNumbers(args, name, fallback) {
  const raw = args[name];
  if (raw === undefined) return fallback;
  return String(raw)
    .split(',')
    .map((value) => wholeNumber({ [name]: value }, name, undefined));
}

/**
 * `--name=<file>` resolved to an absolute path, `fallback` when it is not given; `--name` alone or
 * `--name=` stops the bench with the rule instead of failing inside node:path.
 */
function filePath(args, name, fallback) {
  const raw = args[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || raw === '') throw new Error(`--${name}: a file path (--${name}=<file>)`);
  return require('node:path').resolve(raw);
}

/**
 * Lets the benches that drive the app's TypeScript (the engine harness, the masking code)
 * require .ts files: each is compiled on require, without type checks (npm run typecheck has them).
 */
function requireTypeScript() {
  const fs = require('node:fs');
  const ts = require('typescript');
  require.extensions['.ts'] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2019, esModuleInterop: false },
    });
    module._compile(outputText, filename);
  };
}

module.exports = { filePath, flags, requireTypeScript, wholeNumber, wholeNumbers };
