/**
 * The layers of the app and the vault (../shared CONVENTIONS' picture), kept by dependency-cruiser in
 * `npm test` (`npm run layers`). Every call runs downwards; type-only imports count too, because a
 * type that crosses a layer is how a leak starts.
 *
 * Vault, top to bottom:
 *   main.ts, cli.ts, cli/, cluster/  →  http/  →  open-vault.ts (assembles the services)  →  service/
 *   →  otk/, audit/, pages/, relay/  →  crypto/, storage/, ephemeral/, validation/, contract/, config.ts, errors.ts
 * App, top to bottom:
 *   IdvSecureFormsApp.ts  →  handlers/, endpoints/  →  requests/, idv/, forms/, settings/, redaction/, privacy/, readiness/
 *   →  ui/, persistence/, vault/, platform/  →  lib/, i18n/ (pure: no Apps-Engine types)
 */
'use strict';

const V = '^vault/src/';
const vaultLayers = [
  { name: 'vault entry points', path: `${V}(main|cli)\\.ts$|${V}(cli|cluster)/` },
  { name: 'vault http', path: `${V}http/` },
  { name: 'vault assembly', path: `${V}open-vault\\.ts$` },
  { name: 'vault service', path: `${V}service/` },
  { name: 'vault otk/audit/pages/relay', path: `${V}(otk|audit|pages|relay)/` },
  {
    name: 'vault ground',
    path: `${V}(crypto|storage|ephemeral|validation|contract)/|${V}(config|errors|connection-url|private-files)\\.ts$`,
  },
];
const appLayers = [
  { name: 'app class', path: '^IdvSecureFormsApp\\.ts$' },
  { name: 'app handlers', path: '^src/(handlers|endpoints)/' },
  { name: 'app features', path: '^src/(requests|idv|forms|settings|redaction|privacy|readiness)/' },
  { name: 'app infrastructure', path: '^src/(ui|persistence|vault|platform)/' },
  { name: 'app pure lib', path: '^src/(lib|i18n)/' },
];

/** One rule per layer: it may not import any layer above it. */
function downwardsOnly(layers) {
  return layers.slice(1).map((layer, i) => ({
    name: `no-upward-from-${layer.name.replace(/\W+/g, '-')}`,
    comment: `${layer.name} may only call downwards, not into ${layers
      .slice(0, i + 1)
      .map((l) => l.name)
      .join(', ')}.`,
    severity: 'error',
    from: { path: layer.path },
    to: { path: layers.slice(0, i + 1).map((l) => `(${l.path})`) },
  }));
}

/** A module matching `from` may not import one matching `to`. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** `from` (a folder of the vault's ground) may not import `to`: ground parts stand side by side. */
const groundApart = (name, comment, from, to) =>
  forbid(name, comment, { path: `${V}${from}` }, { path: to.map((t) => `${V}${t}`) });

module.exports = {
  forbidden: [
    ...downwardsOnly(vaultLayers),
    ...downwardsOnly(appLayers),
    forbid(
      'storage-only-through-services',
      'Only service/ (and open-vault.ts, which assembles it) reads and writes storage: http/, the CLI and the pages see no rows and no storage errors.',
      { path: V, pathNot: `${V}(service/|storage/|audit/|open-vault\\.ts$)` },
      { path: `${V}storage/` },
    ),
    groundApart('crypto-never-knows-sql', 'crypto/ takes and returns bytes and strings.', 'crypto/', [
      'storage/',
      'ephemeral/',
      'validation/',
      'config\\.ts$',
    ]),
    groundApart(
      'storage-never-sees-plaintext',
      'storage/ takes and returns rows; it never meets keys or values.',
      'storage/',
      ['crypto/', 'ephemeral/', 'validation/'],
    ),
    groundApart(
      'ephemeral-apart-from-storage',
      'The ephemeral store and storage are separate backends.',
      'ephemeral/',
      ['storage/', 'crypto/', 'validation/'],
    ),
    forbid(
      'contract-stands-alone',
      "The contract runs in the vault, the page script and the app's zip, which ships contract/ alone: it imports nothing else of the vault.",
      { path: `${V}contract/` },
      { path: V, pathNot: `${V}contract/` },
    ),
    groundApart('validation-is-pure', 'Display rules: no backend, no keys.', 'validation/', [
      'storage/',
      'ephemeral/',
      'crypto/',
      'config\\.ts$',
    ]),
    groundApart('config-reads-only', 'config.ts reads the environment; it opens no backend.', 'config\\.ts$', [
      'storage/',
      'ephemeral/',
      'crypto/',
    ]),
    forbid(
      'page-script-stays-in-the-browser',
      "The visitor page script is bundled for the browser: it may use the pages' own modules, validation and the contract.",
      { path: `${V}pages/client/` },
      { path: V, pathNot: `${V}(pages/|validation/|contract/)` },
    ),
    forbid(
      'app-pure-lib-has-no-apps-engine',
      'src/lib and src/i18n are plain functions, testable and reusable without the Apps-Engine.',
      { path: '^src/(lib|i18n)/' },
      { path: '@rocket\\.chat/' },
    ),
    forbid(
      'app-uses-only-the-vault-contract',
      'The app may import the vault only through its contract module.',
      { path: '^(src/|IdvSecureFormsApp\\.ts$)' },
      { path: '^vault/', pathNot: '^vault/src/contract' },
    ),
    forbid(
      'vault-never-imports-the-app',
      'The vault is built and shipped on its own (its Docker image builds from ./vault): it never needs the app.',
      { path: '^vault/src/' },
      { path: '^(src/|IdvSecureFormsApp\\.ts$)' },
    ),
    forbid(
      'no-circular',
      'A cycle has no bottom: one of its modules must move down.',
      { path: '^(src/|vault/src/|IdvSecureFormsApp\\.ts$)' },
      { circular: true },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|test)/' },
    // Type-only imports are edges too: a row type reaching http/ is the leak this guards against.
    tsPreCompilationDeps: true,
    moduleSystems: ['cjs', 'es6'],
  },
};
