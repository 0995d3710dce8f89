#!/usr/bin/env node
/**
 * `npm start`: packages the Rocket.Chat app into dist/ (when its sources changed), tells the admin
 * what to do with it, then runs the vault in the foreground as this process's own child
 * (`node vault/dist/main.js`, no npm or shell in between) and passes SIGINT, SIGTERM and SIGHUP on
 * to it, so `kill <pid of npm start>` stops the vault too and frees its port.
 */
'use strict';
const { spawn, spawnSync } = require('child_process');
const path = require('path');

const { packageIfStale } = require('./package-app');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');

const root = path.resolve(__dirname, '..');
const vaultDir = path.join(root, 'vault');
const zip = packageIfStale();

const host = process.env.VAULT_HOST || '127.0.0.1';
const port = process.env.VAULT_PORT || '8200';
let vaultUrl = process.env.VAULT_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
// A loop, not /\/+$/: that regex takes quadratic time on a long run of slashes followed by anything.
while (vaultUrl.endsWith('/')) vaultUrl = vaultUrl.slice(0, -1);

console.log(`
The Rocket.Chat app is packaged: ${path.relative(process.cwd(), zip) || zip}

Next steps for a Rocket.Chat admin:
  1. Install the app: Administration > Apps > Private Apps > Upload Private App, and choose the zip.
     (Apps-Engine 1.62 or later; since Rocket.Chat 7.0 private apps need a license: docs/admin-guide.md.)
  2. Register the workspace with the vault, once; the API key is printed only this time:
       npm run vault:cli -- site add <site-id> --origin <your Rocket.Chat URL, e.g. https://chat.example.com>
  3. In the app's settings (Administration > Apps > ID&V & Secure Forms > Settings) fill in:
       Vault URL      ${vaultUrl}   (the address visitors' browsers reach; set VAULT_PUBLIC_URL for another one)
       Vault API key  the "apiKey" printed in step 2
       Site ID        the <site-id> of step 2
     The vault reports answers to <your Rocket.Chat URL>/api/apps/public/<app id>/vault-events:
     the vault must be able to reach that address.
  4. Agents serving a livechat chat use /idv, /secure-form or the room actions Verify identity,
     Send secure form and Secure data.

Starting the vault (Ctrl+C stops it)...
`);

const built = spawnSync(process.execPath, [path.join(vaultDir, 'scripts', 'ensure-built.js')], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status || 1);
const vault = spawn(process.execPath, [...VAULT_NODE_FLAGS, 'dist/main.js'], { cwd: vaultDir, stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (vault.exitCode === null) vault.kill(signal);
  });
}

vault.on('error', (err) => {
  console.error(`start: could not run the vault: ${err.message}`);
  process.exit(1);
});

vault.on('exit', (code, signal) => {
  process.exit(code !== null ? code : signal ? 128 + (require('os').constants.signals[signal] || 0) : 0);
});
