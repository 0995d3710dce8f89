#!/usr/bin/env node
'use strict';
// CPU per request of the vault and the floor at several steady rates (paced open loop, as the
// half-rate p99 is measured), in turn: how much of a core a rate costs each of them. A server's
// CPU per request at half its max rate is not its max-rate figure: requests that arrive one at a
// time pay each wake-up alone.
//   node bench/cpu-by-rate.js [--scenario=submit|detokenize] [--rates=300,600,900] [--rounds=2] [--seconds=5]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { flags, wholeNumber, wholeNumbers } = require('./lib/cli');
const { Client } = require('./lib/client');
const { cardForm, createBody } = require('./lib/forms');
const { paced } = require('./lib/paced');
const { Pools } = require('./lib/pools');
const { startServer } = require('./lib/processes');
const { scenarios } = require('./lib/scenarios');
const { vaultEnv } = require('./lib/vault-settings');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');

const POOL_KINDS = { submit: 'opened', detokenize: 'otks' };

/** One server under test with what it takes to pace a scenario at it. */
async function serve(name, sink, dataDir, scenario) {
  const server =
    name === 'vault'
      ? await startServer('vault.js', vaultEnv(dataDir, sink.info.port), VAULT_NODE_FLAGS)
      : await startServer('floor.js', { BENCH_FLOOR_SECURE_DELETE: '1' });
  const url = `http://127.0.0.1:${server.info.port}`;
  const client = new Client(url, { authorization: `Bearer ${server.info.apiKey}` });
  const callbackUrl = `http://127.0.0.1:${sink.info.port}/api/apps/public/bench/vault-events`;
  const form = cardForm({});
  const pools = new Pools(client, form, callbackUrl, createBody);
  const sc = scenarios({ apiKey: server.info.apiKey, form, callbackUrl, createBody, sizes: { page: 1000 } }).find(
    (candidate) => candidate.key === scenario,
  );
  const submitted = scenario === 'detokenize' ? await pools.submitted(64) : [];
  const makePool = async (n) => ({
    items: POOL_KINDS[scenario] === 'opened' ? await pools.opened(n) : await pools.detokenizeOtks(n, submitted),
    ranDry: 0,
  });
  return {
    name,
    async run(rate, seconds) {
      const pool = await makePool(Math.ceil(rate * seconds * 1.2) + 8);
      const result = await paced(server.child.pid, { url, rate, duration: seconds, requests: sc.vault(pool) });
      if (result.errors > 0 || pool.ranDry > 0) {
        throw new Error(`${name} at ${rate}/s: ${result.errors} errors, pool ran dry ${pool.ranDry}×`);
      }
      return result;
    },
    async stop() {
      client.close();
      await server.stop();
    },
  };
}

async function main() {
  const args = flags(process.argv.slice(2));
  const scenario = args.scenario || 'submit';
  if (!POOL_KINDS[scenario]) throw new Error(`--scenario must be one of ${Object.keys(POOL_KINDS).join(', ')}`);
  const rates = wholeNumbers(args, 'rates', [300, 600, 900]);
  const rounds = wholeNumber(args, 'rounds', 2);
  const seconds = wholeNumber(args, 'seconds', 5);
  const sink = await startServer('doorbell-sink.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-cpu-by-rate-'));
  const servers = [];
  try {
    // One at a time, so the finally stops the vault if the floor fails to start.
    servers.push(await serve('vault', sink, dataDir, scenario));
    servers.push(await serve('floor', sink, dataDir, scenario));
    for (const server of servers) await server.run(500, 2); // warm-up: JIT and caches
    console.log(`${scenario}, paced, ${seconds} s per run; CPU µs/request (share of a core) and p99 ms`);
    for (let round = 1; round <= rounds; round += 1) {
      for (const rate of rates) {
        const cells = [];
        for (const server of servers) {
          const r = await server.run(rate, seconds);
          cells.push(
            `${server.name} ${r.serverCpuMicrosPerRequest.toFixed(0)} (${r.serverCpuUtilization.toFixed(2)}) p99 ${r.latencyMs.p99}`,
          );
        }
        console.log(`  round ${round}  ${String(rate).padStart(5)}/s  ${cells.join('   ')}`);
      }
    }
  } finally {
    for (const server of servers) await server.stop();
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
