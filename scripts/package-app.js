#!/usr/bin/env node
/**
 * `npm run package`: packages the Rocket.Chat app with `rc-apps package` into dist/<slug>_<version>.zip.
 *
 * Why a staging folder: rc-apps 1.9 compiles every .ts file under the folder it packages and zips
 * every other file it finds there, ignoring `.rcappsconfig`'s `ignoredFiles`. The repo root also
 * holds the vault (its own TypeScript 5 package), tests, benches and scripts. So only the app's own
 * files are copied to a temporary folder and packaged there. The vault's contract module is copied
 * too because the app imports its types; being types only it compiles to nothing the app requires,
 * and its compiled copy is dropped from the zip, which is then checked to hold only the app.
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
const TYPE_ONLY_ENTRIES = ['vault/src/contract/index.ts'];
const ALLOWED_IN_ZIP = [
  /^\.packagedby$/,
  /^app\.json$/,
  /^IdvSecureFormsApp\.js$/,
  /^icon\.png$/,
  /^src\/.+\.js$/,
  /^i18n\/[\w-]+\.json$/,
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

function main() {
  const i18n = spawnSync(process.execPath, [path.join(__dirname, 'build-i18n.js')], { stdio: 'inherit' });
  if (i18n.status !== 0) fail('i18n bundle could not be built');

  const appJson = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  // Outside the repo and under no folder named dist, test or node_modules: rc-apps skips those.
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'idv-app-package-'));
  try {
    for (const rel of [...APP_ENTRIES, ...TYPE_ONLY_ENTRIES]) copyEntry(rel, stage);
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
      stdio: 'inherit',
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    if (res.status !== 0) fail('rc-apps package failed (see above)');

    const zipName = `${appJson.nameSlug}_${appJson.version}.zip`;
    const staged = path.join(stage, 'dist', zipName);
    if (!fs.existsSync(staged)) fail(`rc-apps produced no ${zipName}`);

    // The staging package.json and the compiled type-only contract are packaging aids, not the app.
    const drop = new Set(['package.json', ...TYPE_ONLY_ENTRIES.map((rel) => rel.replace(/\.ts$/, '.js'))]);
    const zip = new AdmZip(staged);
    for (const entry of zip.getEntries()) if (drop.has(entry.entryName)) zip.deleteFile(entry.entryName);
    const entries = zip.getEntries().filter((e) => !e.isDirectory);
    const stray = entries.map((e) => e.entryName).filter((name) => !ALLOWED_IN_ZIP.some((re) => re.test(name)));
    if (stray.length) fail(`the zip would hold files that are not the app: ${stray.join(', ')}`);
    // Nothing may load the vault package at run time: its contract is imported for types only.
    for (const entry of entries) {
      if (!entry.entryName.endsWith('.js')) continue;
      const code = entry.getData().toString('utf8');
      for (const [, spec] of code.matchAll(/require\(["'](\.{1,2}\/[^"']+)["']\)/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(entry.entryName), spec));
        if (target.startsWith('vault/'))
          fail(`${entry.entryName} requires ${spec} at run time; import the vault's contract with \`import type\``);
      }
    }

    const out = path.join(root, 'dist', zipName);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    zip.writeZip(out);

    const packagedInfo = JSON.parse(fs.readFileSync(path.join(stage, 'app.json'), 'utf8'));
    if (JSON.stringify(packagedInfo.implements) !== JSON.stringify(appJson.implements)) {
      appJson.implements = packagedInfo.implements;
      fs.writeFileSync(path.join(root, 'app.json'), `${JSON.stringify(appJson, null, 4)}\n`);
      console.log('package: app.json "implements" updated from the app class');
    }
    console.log(`package: ${path.relative(process.cwd(), out) || out} (${entries.length} files)`);
    return out;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) main();
module.exports = { main };
