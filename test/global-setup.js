// Before the app's tests: packages the app when the zip is missing or older than its sources, and
// builds the vault when its dist/ is stale (the integration tests run the real vault).
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');

module.exports = async function globalSetup() {
  require(path.join(root, 'scripts', 'package-app.js')).packageIfStale();
  execFileSync(process.execPath, [path.join(root, 'vault', 'scripts', 'ensure-built.js')], { stdio: 'inherit' });
};
