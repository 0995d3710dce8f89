#!/usr/bin/env node
/**
 * `npm run package`: packages the Rocket.Chat app with `rc-apps package` into dist/<slug>_<version>.zip.
 *
 * Why a staging folder: rc-apps 1.9 compiles every .ts file under the folder it packages and zips
 * every other file it finds there, ignoring `.rcappsconfig`'s `ignoredFiles`. The repo root also
 * holds the vault (its own TypeScript 5 package), tests, benches and scripts. So only the app's own
 * files are copied to a temporary folder and packaged there, with the vault's contract
 * (vault/src/contract/): the app runs the same rules as the vault (limits, ids, patterns, Luhn,
 * locales), so the contract's compiled files ship in the zip at the path the app's requires name.
 *
 * Runtime npm packages: the Apps-Engine bundles a zip's files with esbuild when it starts the app
 * and, in its Deno sandbox, lets the app require only some Node built-ins and the engine itself
 * (deno-runtime/handlers/app/construct.ts: any other bare name throws "Module … is not allowed").
 * So each package the app needs at run time (VENDORED) is shipped as a file of the app, and the
 * compiled `require("<name>")` is rewritten to that file, which the engine's bundler then inlines.
 * Every require in the zip is then checked to resolve to a file of the zip or a module the engine
 * allows, so a package that would fail only at run time fails here.
 *
 * rc-apps also rewrites app.json: `implements` (from the class's `implements` clause) and
 * `requiredApiVersion` (to the engine version in package.json). The staging package.json names
 * the app's declared requiredApiVersion, so the lowest supported version is kept; a changed
 * `implements` list is copied back to the repo's app.json.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const AdmZip = require('adm-zip');

const root = path.resolve(__dirname, '..');
const APP_ENTRIES = ['app.json', 'IdvSecureFormsApp.ts', 'icon.png', 'src', 'i18n'];
const CONTRACT = 'vault/src/contract';
/**
 * npm packages the app requires at run time → the file each is shipped as (CommonJS, no requires
 * of its own), and the globals it reads through `globalThis`: the engine runs app code with
 * `globalThis` bound to undefined, so those are handed to the file in a local `globalThis`.
 */
const VENDORED = {
  re2js: { from: 'node_modules/re2js/build/index.cjs', to: 'vendor/re2js.js', globals: ['TextEncoder', 'TextDecoder'] },
};
const ALLOWED_IN_ZIP = [
  /^\.packagedby$/,
  /^app\.json$/,
  /^IdvSecureFormsApp\.js$/,
  /^icon\.png$/,
  /^src\/.+\.js$/,
  /^vault\/src\/contract\/[\w-]+\.js$/,
  /^vendor\/[\w-]+\.js$/,
  /^i18n\/[\w-]+\.json$/,
];
// What the Apps-Engine's Deno runtime lets an app require besides its own files (construct.ts).
const ENGINE_MODULES = [
  'path',
  'url',
  'crypto',
  'buffer',
  'stream',
  'net',
  'http',
  'https',
  'zlib',
  'util',
  'punycode',
  'os',
  'querystring',
  'fs',
  'uuid',
];

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function copyEntry(rel, stage) {
  const from = path.join(root, rel);
  if (!fs.existsSync(from)) fail(`${rel} is missing`);
  fs.cpSync(from, path.join(stage, rel), { recursive: true });
}

/** Ships each VENDORED package as a file of the app and points the compiled requires at it. */
function vendorPackages(zip) {
  for (const [name, { from, to, globals }] of Object.entries(VENDORED)) {
    const source = fs.readFileSync(path.join(root, from), 'utf8');
    const read = [...source.matchAll(/\bglobalThis\b(?:\.(\w+))?/g)].map(([whole, name]) => name || whole);
    const unlisted = read.filter((global) => !globals.includes(global));
    if (unlisted.length) fail(`${from} reads globalThis for ${[...new Set(unlisted)].join(', ')}: list it in VENDORED`);
    const prologue = `var globalThis = { ${globals.map((g) => `${g}: typeof ${g} === 'undefined' ? undefined : ${g}`).join(', ')} };\n`;
    const target = to.replace(/\.js$/, '');
    for (const entry of zip.getEntries()) {
      if (!entry.entryName.endsWith('.js')) continue;
      const code = entry.getData().toString('utf8');
      const wanted = new RegExp(`require\\(["']${name}["']\\)`, 'g');
      if (!wanted.test(code)) continue;
      let relative = path.posix.relative(path.posix.dirname(entry.entryName), target);
      if (!relative.startsWith('.')) relative = `./${relative}`;
      zip.updateFile(entry.entryName, Buffer.from(code.replace(wanted, `require("${relative}")`)));
    }
    zip.addFile(to, Buffer.from(prologue + source));
  }
}

/** Every require names a file of the zip, a Node module the engine allows, or the engine. */
function checkRequires(entries) {
  const files = new Set(entries.map((e) => e.entryName));
  for (const entry of entries) {
    if (!entry.entryName.endsWith('.js')) continue;
    const code = entry.getData().toString('utf8');
    for (const [, spec] of code.matchAll(/require\(["']([^"']+)["']\)/g)) {
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(entry.entryName), spec));
        if (!files.has(`${target}.js`)) fail(`${entry.entryName} requires ${spec}, which is not in the zip`);
      } else if (!ENGINE_MODULES.includes(spec.replace(/^node:/, '')) && !spec.startsWith('@rocket.chat/apps-engine')) {
        fail(`${entry.entryName} requires "${spec}", which the Apps-Engine will not load: add it to VENDORED`);
      }
    }
  }
}

function main() {
  const i18n = spawnSync(process.execPath, [path.join(__dirname, 'build-i18n.js')], { stdio: 'inherit' });
  if (i18n.status !== 0) fail('i18n bundle could not be built');

  const appJson = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  // Outside the repo and under no folder named dist, test or node_modules: rc-apps skips those.
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'idv-app-package-'));
  try {
    for (const rel of [...APP_ENTRIES, CONTRACT]) copyEntry(rel, stage);
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
    fs.writeFileSync(
      path.join(stage, 'package.json'),
      JSON.stringify(
        {
          name: appJson.nameSlug,
          version: appJson.version,
          private: true,
          devDependencies: { '@rocket.chat/apps-engine': appJson.requiredApiVersion },
        },
        null,
        2,
      ),
    );

    const rcApps = path.join(root, 'node_modules', '@rocket.chat', 'apps-cli', 'bin', 'run');
    const res = spawnSync(process.execPath, [rcApps, 'package'], {
      cwd: stage,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    // rc-apps ends with "App packaged up at: <staging folder>", a temp path removed below: the
    // zip's real place is printed at the end instead.
    const said = `${res.stdout || ''}${res.stderr || ''}`;
    if (res.status !== 0) {
      process.stderr.write(said);
      fail('rc-apps package failed (see above)');
    }
    process.stdout.write(said.replace(/^.*App packaged up at.*\n?/gm, ''));

    const zipName = `${appJson.nameSlug}_${appJson.version}.zip`;
    const staged = path.join(stage, 'dist', zipName);
    if (!fs.existsSync(staged)) fail(`rc-apps produced no ${zipName}`);

    // The staging package.json is a packaging aid, not the app.
    const zip = new AdmZip(staged);
    zip.deleteFile('package.json');
    vendorPackages(zip);
    const entries = zip.getEntries().filter((e) => !e.isDirectory);
    const stray = entries.map((e) => e.entryName).filter((name) => !ALLOWED_IN_ZIP.some((re) => re.test(name)));
    if (stray.length) fail(`the zip would hold files that are not the app: ${stray.join(', ')}`);
    checkRequires(entries);

    const out = path.join(root, 'dist', zipName);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    zip.writeZip(out);

    const packagedInfo = JSON.parse(fs.readFileSync(path.join(stage, 'app.json'), 'utf8'));
    if (JSON.stringify(packagedInfo.implements) !== JSON.stringify(appJson.implements)) {
      appJson.implements = packagedInfo.implements;
      // Two spaces, as Prettier writes the rest of the repo.
      fs.writeFileSync(path.join(root, 'app.json'), `${JSON.stringify(appJson, null, 2)}\n`);
      console.log('package: app.json "implements" updated from the app class');
    }
    console.log(`package: ${path.relative(process.cwd(), out) || out} (${entries.length} files)`);
    return out;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function newest(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newest(path.join(p, name))), stat.mtimeMs);
}

/** Packages the app only when the zip is missing or older than its sources; returns the zip's path. */
function packageIfStale() {
  const { nameSlug, version } = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  const zip = path.join(root, 'dist', `${nameSlug}_${version}.zip`);
  const built = fs.existsSync(zip) ? fs.statSync(zip).mtimeMs : 0;
  const changed = Math.max(
    ...[...APP_ENTRIES, CONTRACT]
      .map((rel) => path.join(root, rel))
      .filter((p) => fs.existsSync(p))
      .map(newest),
  );
  return built < changed ? main() : zip;
}

if (require.main === module) main();
module.exports = { main, packageIfStale };
