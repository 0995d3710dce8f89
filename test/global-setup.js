// Before the app's tests: packages the app when the zip is missing or older than its sources, and
// builds the vault when its dist/ is stale (the integration tests run the real vault).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const SOURCES = ['app.json', 'IdvSecureFormsApp.ts', 'icon.png', 'src', 'i18n', 'vault/src/contract'];

function newest(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newest(path.join(p, name))), stat.mtimeMs);
}

module.exports = async function globalSetup() {
  const { nameSlug, version } = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  const zip = path.join(root, 'dist', `${nameSlug}_${version}.zip`);
  const built = fs.existsSync(zip) ? fs.statSync(zip).mtimeMs : 0;
  const changed = Math.max(
    ...SOURCES.map((s) => path.join(root, s))
      .filter(fs.existsSync)
      .map(newest),
  );
  if (built < changed) {
    require(path.join(root, 'scripts', 'package-app.js')).main();
  }
  execFileSync(process.execPath, [path.join(root, 'vault', 'scripts', 'ensure-built.js')], { stdio: 'inherit' });
};
