#!/usr/bin/env node
'use strict';
// How long the vault's expiry sweep holds requests up: creates a backlog of requests whose links
// lapse 10 s later, then sends one small API request every 2 ms while the sweeps (every 15 s) expire
// them, and prints those requests' latencies and how many of the backlog the sweeps expired.
// BENCH_VAULT_DIR=<dir> runs another build (a before/after on one machine).
//   node bench/expiry-sweep.js [--requests=3000] [--seconds=30]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ask } = require('./lib/child-control');
const { flags, wholeNumber } = require('./lib/cli');
const { Client, parallel } = require('./lib/client');
const { cardForm, createBody } = require('./lib/forms');
const { startServer } = require('./lib/processes');
const { vaultEnv } = require('./lib/vault-settings');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');

const LINK_SECONDS = 10;

async function main() {
  const args = flags(process.argv.slice(2));
  const count = wholeNumber(args, 'requests', 3000);
  const seconds = wholeNumber(args, 'seconds', 30);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-expiry-'));
  const sink = await startServer('doorbell-sink.js');
  const env = vaultEnv(dataDir, sink.info.port, {
    VAULT_LINK_OPEN_TTL_SECONDS: String(LINK_SECONDS),
    VAULT_SWEEP_INTERVAL_SECONDS: '15',
  });
  const vault = await startServer('vault.js', env, VAULT_NODE_FLAGS);
  const client = new Client(`http://127.0.0.1:${vault.info.port}`, { authorization: `Bearer ${vault.info.apiKey}` });
  try {
    const callbackUrl = `http://127.0.0.1:${sink.info.port}/api/apps/public/bench/vault-events`;
    const form = cardForm({});
    await parallel(count, 16, (i) =>
      client.expect(201, 'POST', '/v1/requests', createBody(form, callbackUrl, `room-${i}`)),
    );
    console.log(`${count} requests created; their links lapse ${LINK_SECONDS} s after each was made`);
    const latencies = [];
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      const started = process.hrtime.bigint();
      await client.expect(200, 'GET', '/v1/compliance');
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
    const slow = latencies.filter((ms) => ms > 10).length;
    console.log(
      `${latencies.length} API requests over ${seconds} s: p50 ${at(0.5)} ms, p99 ${at(0.99)}, p99.9 ${at(0.999)}, ` +
        `max ${latencies[latencies.length - 1].toFixed(2)}; over 10 ms: ${slow}`,
    );
    // Nothing else rings during the probe: each delivery is an "expired" doorbell, one per request swept.
    console.log(
      `expired by the sweeps (doorbells delivered): ${(await ask(sink.child, { type: 'count' }, 'count')).delivered} of ${count}`,
    );
  } finally {
    client.close();
    await vault.stop();
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
