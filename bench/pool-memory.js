#!/usr/bin/env node
'use strict';
// The vault's peak RSS and CPU while the bench makes pools of submitted requests (create, open and
// submit through the API, 8 at a time, as bench/lib/pools.js does before a timed run), under the
// vault's own node flags (vault/scripts/node-flags.js) and then the flags given, which override
// them: where full bench runs have set their whole-run peak. One fresh vault per run. Also prints
// what the RSS was made of at its sampled peak (bench/lib/memory-regions.js).
//   node bench/pool-memory.js [--requests=6000] [--pools=3] -- <more node flags for the vault…>
// e.g. node bench/pool-memory.js -- --max-old-space-size=1024 --optimize-for-size
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { flags, wholeNumber } = require('./lib/cli');
const { Client } = require('./lib/client');
const { cardForm, createBody } = require('./lib/forms');
const { Pools } = require('./lib/pools');
const { cpuMicrosOf, memoryOf, startServer } = require('./lib/processes');
const { describeRegions, sampleRegions } = require('./lib/memory-regions');
const { vaultEnv } = require('./lib/vault-settings');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');

async function main() {
  const split = process.argv.indexOf('--');
  const args = flags(process.argv.slice(2, split === -1 ? undefined : split));
  // V8 takes the last of a repeated flag, so a flag given here overrides the shipped one.
  const nodeFlags = [...VAULT_NODE_FLAGS, ...(split === -1 ? [] : process.argv.slice(split + 1))];
  const requests = wholeNumber(args, 'requests', 6000);
  const rounds = wholeNumber(args, 'pools', 3);
  const sink = await startServer('doorbell-sink.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-pool-memory-'));
  const vault = await startServer('vault.js', vaultEnv(dataDir, sink.info.port), nodeFlags);
  const client = new Client(`http://127.0.0.1:${vault.info.port}`, { authorization: `Bearer ${vault.info.apiKey}` });
  const callbackUrl = `http://127.0.0.1:${sink.info.port}/api/apps/public/bench/vault-events`;
  const pools = new Pools(client, cardForm({}), callbackUrl, createBody);
  try {
    const started = Date.now();
    const cpuBefore = cpuMicrosOf(vault.child.pid);
    let phase = '';
    const stopRegions = sampleRegions(vault.child.pid, fs.realpathSync(process.execPath), () => phase);
    for (let i = 0; i < rounds; i += 1) {
      phase = `pool ${i + 1} of ${rounds}`;
      await pools.submitted(requests);
    }
    phase = 'after the pools';
    const cpuSeconds = (cpuMicrosOf(vault.child.pid) - cpuBefore) / 1e6;
    const peak = stopRegions();
    console.log(
      `${JSON.stringify(nodeFlags)}: ${rounds} × ${requests} submitted requests; vault peak RSS ` +
        `${memoryOf(vault.child.pid).hwmMB.toFixed(0)} MB, CPU ${cpuSeconds.toFixed(1)} s, wall ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(`  at the sampled peak ${describeRegions(peak)}`);
  } finally {
    client.close();
    await vault.stop();
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
