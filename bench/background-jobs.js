#!/usr/bin/env node
'use strict';
// How long the vault's background jobs hold API requests up: gives one job a backlog, then sends one
// small API request every 2 ms for --seconds and prints those requests' latencies and what the job did.
//   --job=expire (default): --requests requests whose links lapse 10 s after each was made; the
//     sweeps (every 15 s) expire them and ring one doorbell each.
//   --job=purge: --requests submitted requests, each with its record and audit entry, aged past
//     the retention of both (30 days); the purge (every 10 s) deletes them and prunes the trail.
// BENCH_VAULT_DIR=<dir> runs another build (a before/after on one machine).
//   node bench/background-jobs.js [--job=expire|purge] [--requests=3000] [--seconds=30]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ask } = require('./lib/child-control');
const { flags, wholeNumber } = require('./lib/cli');
const { Client, parallel } = require('./lib/client');
const { cardForm, createBody } = require('./lib/forms');
const { vaultRequire } = require('./lib/paths');
const { startServer } = require('./lib/processes');
const { seedRecords } = require('./lib/seed');
const { vaultEnv } = require('./lib/vault-settings');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');

const DAY_MS = 86_400_000;

/** Each job: the settings that bring it on, the backlog it is given, and what it did, told afterwards. */
const JOBS = {
  expire: {
    env: { VAULT_LINK_OPEN_TTL_SECONDS: '10', VAULT_SWEEP_INTERVAL_SECONDS: '15' },
    async backlog({ client, sinkPort, count }) {
      const callbackUrl = `http://127.0.0.1:${sinkPort}/api/apps/public/bench/vault-events`;
      const form = cardForm({});
      await parallel(count, 16, (i) =>
        client.expect(201, 'POST', '/v1/requests', createBody(form, callbackUrl, `room-${i}`)),
      );
      return `${count} requests created; their links lapse 10 s after each was made`;
    },
    // Nothing else rings during the probe: each delivery is an "expired" doorbell, one per request swept.
    async outcome({ sink, count }) {
      const { delivered } = await ask(sink.child, { type: 'count' }, 'count');
      return `expired by the sweeps (doorbells delivered): ${delivered} of ${count}`;
    },
  },
  purge: {
    env: { VAULT_RETENTION_DAYS: '30', VAULT_AUDIT_RETENTION_DAYS: '30', VAULT_PURGE_INTERVAL_SECONDS: '10' },
    async backlog({ dataDir, count }) {
      const seeded = await seedRecords(databaseOf(dataDir), count, cardForm({}), 31 * DAY_MS);
      return `${count} submitted requests with their records and audit entries, 31 days old (seeded in ${seeded.seconds.toFixed(1)} s)`;
    },
    // Read once the vault has stopped: what its purges audited, and what is left.
    async outcome({ dataDir, count }) {
      const Database = vaultRequire('better-sqlite3');
      const db = new Database(databaseOf(dataDir), { readonly: true });
      try {
        const steps = db.prepare("SELECT detail FROM audit WHERE action = 'retention.purge'").all();
        const purged = { requests: 0, records: 0 };
        for (const step of steps) for (const key of Object.keys(purged)) purged[key] += JSON.parse(step.detail)[key];
        const left = db.prepare('SELECT COUNT(*) AS n FROM requests').get().n;
        const prunes = db.prepare("SELECT detail FROM audit WHERE action = 'audit.prune'").all();
        return (
          `purged ${purged.requests} requests and ${purged.records} records in ${steps.length} audited steps ` +
          `(${left} of ${count} left); audit prunes: ${prunes.map((p) => p.detail).join(' ') || 'none'}`
        );
      } finally {
        db.close();
      }
    },
  },
};

const databaseOf = (dataDir) => path.join(dataDir, 'vault.sqlite');

async function main() {
  const args = flags(process.argv.slice(2));
  const name = args.job === undefined ? 'expire' : args.job;
  if (!Object.hasOwn(JOBS, name)) throw new Error(`--job: one of ${Object.keys(JOBS).join(', ')}`);
  const job = JOBS[name];
  const count = wholeNumber(args, 'requests', 3000);
  const seconds = wholeNumber(args, 'seconds', 30);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jobs-'));
  const sink = await startServer('doorbell-sink.js');
  const vault = await startServer('vault.js', vaultEnv(dataDir, sink.info.port, job.env), VAULT_NODE_FLAGS);
  const client = new Client(`http://127.0.0.1:${vault.info.port}`, { authorization: `Bearer ${vault.info.apiKey}` });
  const context = { client, sink, sinkPort: sink.info.port, dataDir, count };
  let stopped = false;
  try {
    console.log(await job.backlog(context));
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
    client.close();
    await vault.stop();
    stopped = true;
    console.log(await job.outcome(context));
  } finally {
    if (!stopped) {
      client.close();
      await vault.stop();
    }
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
