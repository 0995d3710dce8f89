#!/usr/bin/env node
'use strict';
// The vault under test, as `npm start` runs it (its runtime V8 flags, buildApp + listen, background
// jobs on, pino at info), on a fresh SQLite data dir, with one site whose doorbell rings the bench's
// sink. Reports {port, apiKey} to the parent over IPC; the API key is a throwaway for this run and
// never logged.
const { dist } = require('../lib/paths');
const { answerBenchMessages } = require('../lib/child-control');

/** The V8 flags main.ts sets before it serves (a build under BENCH_VAULT_DIR may predate them). */
function applyRuntimeV8Flags() {
  try {
    return dist('v8-runtime-flags').applyRuntimeV8Flags();
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') return [];
    throw error;
  }
}

async function main() {
  applyRuntimeV8Flags();
  if (process.env.BENCH_EXPERIMENT === 'doorbell-http') require('./doorbell-over-node-http');
  const { loadConfig } = dist('config');
  const { buildApp } = dist('http/app');
  const config = loadConfig(process.env);
  const app = await buildApp(config, { jobs: true });
  const site = await app.vault.sites.addSite('bench', process.env.BENCH_SITE_ORIGIN, 'bench');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address();
  process.send({
    type: 'ready',
    port,
    apiKey: site.apiKey,
    storage: app.vault.storage.kind,
    ephemeral: app.vault.ephemeral.kind,
  });
  answerBenchMessages(() => app.close());
  process.on('disconnect', () => process.exit(0));
}

main().catch((error) => {
  console.error(`bench vault failed to start: ${error && error.message}`);
  process.exit(1);
});
