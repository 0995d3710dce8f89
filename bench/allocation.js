#!/usr/bin/env node
'use strict';
// Bytes the JavaScript heap allocates per request, step by step through a visitor's flow, in the
// vault and in the floor (bench/servers/floor.js, here under the vault's node flags): create, page,
// open, submit, mint, detokenize, 8 at a time (--concurrency) through the bench's own client. Unlike
// CPU per request, allocation hardly moves with the box's speed, so a change's effect on it shows in
// one run. "promoted" is what scavenges moved into the old generation: the garbage a mark-compact
// later has to find, and what lets V8 grow the old space under load (BENCHMARKS.md, the twelfth
// box); "left alive" is the live heap's growth over the step. From V8's own statistics of every GC
// (v8.GCProfiler) in each server, with collections at both ends of each step (--expose-gc).
// --profile=<dir> also samples where the vault allocates in each step (objects collected since
// included), writes <dir>/vault-<step>.heapprofile (Chrome DevTools opens it) and prints the top;
// with --profile-survivors, only the objects that outlived the scavenges.
//   node bench/allocation.js [--requests=3000] [--warmup=1000] [--concurrency=8] [--no-floor]
//                            [--profile=<dir> [--profile-survivors]] [--json] [-- <vault node flags…>]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { filePath, flags, wholeNumber } = require('./lib/cli');
const { Client, parallel } = require('./lib/client');
const { ask } = require('./lib/child-control');
const { cardForm, createBody } = require('./lib/forms');
const { summarizeHeapProfile } = require('./lib/heapprofile-summary');
const { startServer } = require('./lib/processes');
const { vaultEnv } = require('./lib/vault-settings');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');

const STEPS = ['create', 'page', 'open', 'submit', 'mint', 'detokenize'];

/**
 * Resolves once the doorbell sink has had no delivery for 100 ms: the vault rings after it answers,
 * so a step's deliveries (open, submit) are counted in that step, not in the next.
 */
async function doorbellsDone(sink) {
  let last = -1;
  for (let round = 0; round < 300; round += 1) {
    const { delivered } = await ask(sink.child, { type: 'count' }, 'count');
    if (delivered === last) return;
    last = delivered;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the doorbell deliveries did not settle within 30 s');
}

/** One visitor flow's steps over `n` requests at once, each step timed as its own window by `window`. */
async function flow(client, n, concurrency, callbackUrl, window) {
  const form = cardForm({});
  const step = async (name, task) => {
    const done = await window(name);
    const results = await parallel(n, concurrency, task);
    await done(n);
    return results;
  };
  const created = await step('create', async (i) => {
    const res = await client.expect(201, 'POST', '/v1/requests', createBody(form, callbackUrl, `room-${i % 97}`));
    return { requestId: res.json.requestId, visitorPath: new URL(res.json.visitorUrl).pathname };
  });
  await step('page', (i) => client.expect(200, 'GET', created[i].visitorPath, undefined, { accept: 'text/html' }));
  const opened = await step('open', async (i) => {
    const res = await client.expect(200, 'GET', created[i].visitorPath, undefined, { accept: 'application/json' });
    return new URL(res.json.submitUrl).pathname;
  });
  await step('submit', (i) => client.expect(200, 'POST', opened[i], { values: form.values }));
  const otks = await step('mint', async (i) => {
    const res = await client.expect(201, 'POST', `/v1/requests/${created[i].requestId}/otk`, { agentId: 'agent-1' });
    return res.json.otk;
  });
  await step('detokenize', (i) => client.expect(200, 'POST', '/v1/detokenize', { otk: otks[i], agentId: 'agent-1' }));
}

/** Runs the flow against one server: a warm-up, then the measured flow; returns figures per step. */
async function measure(server, sink, callbackUrl, { requests, warmup, concurrency, profileDir, survivors }) {
  const client = new Client(`http://127.0.0.1:${server.info.port}`, { authorization: `Bearer ${server.info.apiKey}` });
  try {
    const none = async () => async () => {};
    await flow(client, warmup, concurrency, callbackUrl, none);
    await doorbellsDone(sink);
    const figures = {};
    await flow(client, requests, concurrency, callbackUrl, async (name) => {
      await ask(server.child, { type: 'allocation-start' }, 'allocation-started');
      if (profileDir) await ask(server.child, { type: 'heap-sampling-start', survivors }, 'heap-sampling-started');
      return async (n) => {
        await doorbellsDone(sink);
        // The window first: its closing collections also clear the profile of what died young.
        const { window } = await ask(server.child, { type: 'allocation-stop' }, 'allocation');
        const file = profileDir && path.join(profileDir, `${server.name}-${name}.heapprofile`);
        if (file) await ask(server.child, { type: 'heap-sampling-stop', file }, 'heap-sampling-stopped');
        if (file) console.log(`${server.name} ${name}: ${file}\n${summarizeHeapProfile(file, { per: n })}`);
        figures[name] = {
          allocatedKBPerRequest: round(window.allocatedBytes / n / 1024),
          promotedKBPerRequest: round(window.promotedBytes / n / 1024),
          liveGrowthKBPerRequest: round(window.liveGrowthBytes / n / 1024),
          scavenges: window.scavenges,
          markCompacts: window.markCompacts,
        };
      };
    });
    return figures;
  } finally {
    client.close();
  }
}

const round = (x) => Math.round(x * 10) / 10;

async function main() {
  const split = process.argv.indexOf('--');
  const args = flags(process.argv.slice(2, split === -1 ? undefined : split));
  const extraFlags = split === -1 ? [] : process.argv.slice(split + 1);
  const options = {
    requests: wholeNumber(args, 'requests', 3000),
    warmup: wholeNumber(args, 'warmup', 1000),
    concurrency: wholeNumber(args, 'concurrency', 8),
    profileDir: filePath(args, 'profile'),
    survivors: args['profile-survivors'] === true,
  };
  if (options.profileDir) fs.mkdirSync(options.profileDir, { recursive: true });
  const sink = await startServer('doorbell-sink.js');
  const callbackUrl = `http://127.0.0.1:${sink.info.port}/api/apps/public/bench/vault-events`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-allocation-'));
  const results = { requests: options.requests, vaultNodeFlags: [...VAULT_NODE_FLAGS, ...extraFlags] };
  try {
    const vault = await startServer('vault.js', vaultEnv(dataDir, sink.info.port), [
      ...results.vaultNodeFlags,
      '--expose-gc',
    ]);
    try {
      results.vault = await measure({ ...vault, name: 'vault' }, sink, callbackUrl, options);
    } finally {
      await vault.stop();
    }
    if (!args['no-floor']) {
      // With the vault's node flags here (npm run bench runs it with node's own), so the two
      // servers' promotion is measured under one young generation.
      const floor = await startServer('floor.js', {}, [...results.vaultNodeFlags, '--expose-gc']);
      try {
        // The floor answers the allocation window only; the profile is the vault's.
        results.floor = await measure({ ...floor, name: 'floor' }, sink, callbackUrl, {
          ...options,
          profileDir: undefined,
        });
      } finally {
        await floor.stop();
      }
    }
  } finally {
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (args.json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(`${options.requests} requests per step; vault node flags ${results.vaultNodeFlags.join(' ')}`);
  console.log('KB per request: allocated (promoted, left alive)');
  console.log(`${'step'.padEnd(12)}${'vault'.padEnd(24)}floor`);
  for (const name of STEPS) {
    const cell = (figures) => {
      if (!figures) return '-';
      const { allocatedKBPerRequest, promotedKBPerRequest, liveGrowthKBPerRequest } = figures[name];
      return `${allocatedKBPerRequest} (${promotedKBPerRequest}, ${liveGrowthKBPerRequest})`;
    };
    console.log(`${name.padEnd(12)}${cell(results.vault).padEnd(24)}${cell(results.floor)}`);
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
