// Packages the app before the tests when the zip is missing or older than the app's sources.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const SOURCES = ['app.json', 'IdvSecureFormsApp.ts', 'icon.png', 'src', 'i18n', 'vault/src/contract.ts'];

function newest(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newest(path.join(p, name))), stat.mtimeMs);
}

module.exports = async function globalSetup() {
  const { nameSlug, version } = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  const zip = path.join(root, 'dist', `${nameSlug}_${version}.zip`);
  const built = fs.existsSync(zip) ? fs.statSync(zip).mtimeMs : 0;
  const changed = Math.max(...SOURCES.map((s) => path.join(root, s)).filter(fs.existsSync).map(newest));
  if (built < changed) {
    require(path.join(root, 'scripts', 'package-app.js')).main();
  }
};
