#!/usr/bin/env node
/**
 * Prepares the Apps-Engine's Deno runtime (node_modules/@rocket.chat/apps-engine/deno-runtime) so
 * the real engine can run the app offline, as the app's integration tests do:
 *
 * - jsr.io is not reachable here, and the runtime uses only four functions of `@std/*`; tiny
 *   versions of our own replace them through the runtime's import map.
 * - One runtime file imports `AppsEngineException` as a value from the package's `src/`, which the
 *   npm package does not ship; a small module re-exports the compiled class there.
 * - `deno install` fetches the runtime's npm imports into a DENO_DIR inside the package, which is
 *   where the engine looks (it runs deno with `--cached-only`).
 *
 * Idempotent: a stamp file records what was prepared; a second run with the same inputs does
 * nothing. `--force` prepares again.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const STAMP_NAME = '.idv-prepared.json';
/** Bump when the shims below change, so installed copies are prepared again. */
const SHIM_VERSION = 2;

const SHIMS = {
  'cli-parse-args.ts': `// Offline stand-in for jsr:@std/cli parseArgs, covering what the runtime passes:
// "--name value" and "--flag" pairs; numeric values become numbers.
export function parseArgs(args: string[]): Record<string, unknown> {
\tconst out: Record<string, unknown> = { _: [] as string[] };
\tfor (let i = 0; i < args.length; i++) {
\t\tconst arg = args[i];
\t\tif (!arg.startsWith('--')) {
\t\t\t(out._ as string[]).push(arg);
\t\t\tcontinue;
\t\t}
\t\tconst eq = arg.indexOf('=');
\t\tconst key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
\t\tlet value: string | boolean;
\t\tif (eq > 0) {
\t\t\tvalue = arg.slice(eq + 1);
\t\t} else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
\t\t\tvalue = args[++i];
\t\t} else {
\t\t\tvalue = true;
\t\t}
\t\tout[key] = typeof value === 'string' && value !== '' && !isNaN(Number(value)) ? Number(value) : value;
\t}
\treturn out;
}
`,
  'io.ts': `// Offline stand-in for jsr:@std/io writeAll.
export async function writeAll(writer: { write(p: Uint8Array): Promise<number> }, data: Uint8Array): Promise<void> {
\tlet written = 0;
\twhile (written < data.length) {
\t\twritten += await writer.write(data.subarray(written));
\t}
}
`,
  'streams.ts': `// Offline stand-in for jsr:@std/streams toArrayBuffer.
export async function toArrayBuffer(readable: ReadableStream<Uint8Array>): Promise<ArrayBuffer> {
\tconst chunks: Uint8Array[] = [];
\tlet length = 0;
\tfor await (const chunk of readable) {
\t\tchunks.push(chunk);
\t\tlength += chunk.length;
\t}
\tconst out = new Uint8Array(length);
\tlet offset = 0;
\tfor (const chunk of chunks) {
\t\tout.set(chunk, offset);
\t\toffset += chunk.length;
\t}
\treturn out.buffer;
}
`,
};

const EXCEPTION_SHIM = `// The npm package ships only the compiled class; the runtime imports it from src/ as a value.
import { createRequire } from 'node:module';
export const { AppsEngineException } = createRequire(import.meta.url)('../../../definition/exceptions/AppsEngineException.js');
`;

const IMPORT_MAP_SHIMS = {
  '@std/cli': './std-shims/cli-parse-args.ts',
  '@std/cli/parse-args': './std-shims/cli-parse-args.ts',
  '@std/io': './std-shims/io.ts',
  '@std/streams': './std-shims/streams.ts',
};

function log(msg) {
  console.log(`[prepare-deno-runtime] ${msg}`);
}

function findPackage() {
  try {
    return path.dirname(require.resolve('@rocket.chat/apps-engine/package.json', { paths: [root] }));
  } catch {
    return undefined;
  }
}

function findDeno() {
  const local = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');
  return fs.existsSync(local) ? local : 'deno';
}

function denoVersion(deno) {
  const res = spawnSync(deno, ['--version'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cannot run ${deno} --version: ${res.stderr || res.error}`);
  return res.stdout.split('\n')[0].trim();
}

/** Strips // and /* comments from JSONC, leaving strings intact. */
function parseJsonc(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1;
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

function writeIfChanged(file, content) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function main() {
  const force = process.argv.includes('--force');
  const pkg = findPackage();
  if (!pkg) {
    log('@rocket.chat/apps-engine is not installed; nothing to prepare');
    return;
  }
  const runtime = path.join(pkg, 'deno-runtime');
  const config = path.join(runtime, 'deno.jsonc');
  if (!fs.existsSync(config)) {
    log(`${path.relative(root, runtime)} has no deno.jsonc (apps-engine 1.65+ ships no runtime); nothing to prepare`);
    return;
  }
  const deno = findDeno();
  const version = denoVersion(deno);
  const pkgVersion = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  const denoDir = path.join(pkg, '.deno-cache');
  const stampFile = path.join(denoDir, STAMP_NAME);
  const wanted = { shimVersion: SHIM_VERSION, engine: pkgVersion, deno: version };
  if (!force && fs.existsSync(stampFile)) {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    if (JSON.stringify(stamp) === JSON.stringify(wanted)) {
      log(`already prepared (apps-engine ${pkgVersion}, ${version})`);
      return;
    }
  }

  for (const [name, content] of Object.entries(SHIMS)) writeIfChanged(path.join(runtime, 'std-shims', name), content);
  writeIfChanged(path.join(pkg, 'src', 'definition', 'exceptions', 'AppsEngineException.ts'), EXCEPTION_SHIM);

  // Keep the shipped config once, and always derive ours from it, so a re-run never stacks edits.
  const original = `${config}.orig`;
  if (!fs.existsSync(original)) fs.copyFileSync(config, original);
  const denoConfig = parseJsonc(fs.readFileSync(original, 'utf8'));
  denoConfig.imports = { ...denoConfig.imports, ...IMPORT_MAP_SHIMS };
  writeIfChanged(config, `${JSON.stringify(denoConfig, null, '\t')}\n`);

  // The shipped lock pins jsr packages we replaced; deno would try to fetch them.
  const lock = path.join(runtime, 'deno.lock');
  if (fs.existsSync(lock)) {
    const asideLock = `${lock}.orig`;
    if (!fs.existsSync(asideLock)) fs.renameSync(lock, asideLock);
    else fs.unlinkSync(lock);
  }

  // A neutral working directory: inside a folder with a package.json deno would rebuild node_modules.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'deno-prepare-'));
  const started = Date.now();
  log(`deno install of the runtime into ${path.relative(root, denoDir)} …`);
  const res = spawnSync(deno, ['install', `--config=${config}`, '--entrypoint', path.join(runtime, 'main.ts')], {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, DENO_DIR: denoDir, DENO_TLS_CA_STORE: 'system', DENO_NO_UPDATE_CHECK: '1' },
  });
  fs.rmSync(cwd, { recursive: true, force: true });
  if (res.status !== 0) {
    throw new Error(`deno install failed (exit ${res.status}); the app's integration tests cannot run`);
  }
  fs.writeFileSync(stampFile, `${JSON.stringify(wanted)}\n`);
  log(`prepared in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (err) {
  console.error(`[prepare-deno-runtime] ${err.message}`);
  process.exit(1);
}
