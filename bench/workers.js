#!/usr/bin/env node
'use strict';
// `npm run bench:workers`: the vault as `node dist/main.js` runs it with VAULT_WORKERS=1, 2, …
// (SQLite + Redis by default, PostgreSQL + Redis with --backends=postgres), driven by autocannon
// over loopback. For each scenario it reports the CPU each process spent per request (the primary
// and every worker, from /proc), their sum, and req/s: on a box with few cores, CPU per request is
// what says how the vault would scale on more, not req/s (the load generator takes a core too).
//
// Flags: --workers=1,2  --backends=sqlite[,postgres]  --only=submit,detokenize  --duration=<s> (5)
//        --connections=<n> (16)  --warmup=<requests> (500)  --rounds=<n> (1)  --out=<file> (bench/workers-results.json)
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { filePath, flags, wholeNumber, wholeNumbers } = require('./lib/cli');
const { BENCH, VAULT } = require('./lib/paths');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');
const { scratchDatabase } = require('./lib/scratch-database');
const { BENCH_VAULT_SETTINGS } = require('./lib/vault-settings');
const { Client } = require('./lib/client');
const { cardForm, createBody } = require('./lib/forms');
const { load } = require('./lib/load');
const { Pools } = require('./lib/pools');
const { startServer } = require('./lib/processes');
const { scenarios } = require('./lib/scenarios');

function parseArgs(argv) {
  const args = flags(argv);
  return {
    workers: wholeNumbers(args, 'workers', [1, 2]),
    backends: String(args.backends || 'sqlite').split(','),
    only: String(args.only || 'submit,detokenize').split(','),
    duration: wholeNumber(args, 'duration', 5),
    connections: wholeNumber(args, 'connections', 16),
    warmup: wholeNumber(args, 'warmup', 500, 0),
    rounds: wholeNumber(args, 'rounds', 1),
    out: filePath(args, 'out', path.join(BENCH, 'workers-results.json')),
  };
}

const log = (...parts) => console.log(...parts);
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function getJson(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          json: /json/.test(res.headers['content-type']) ? JSON.parse(text) : undefined,
        }),
      );
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0 }));
  });
}

/** The worker processes of a primary, from /proc. */
function childrenOf(pid) {
  const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(/\s+/).map(Number) : [];
}

/** `node dist/main.js` with VAULT_WORKERS=`workers` on a fresh data dir (or database) and Redis prefix, one site. */
async function startVault(backend, workers, sinkPort) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-bench-workers-'));
  const scratch = backend === 'postgres' ? await scratchDatabase('vault_bench_workers') : undefined;
  const [port, opsPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    VAULT_DATA_DIR: dataDir,
    VAULT_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    VAULT_REDIS_URL: `redis://127.0.0.1:6379/7?prefix=bench-workers-${process.pid}-${Date.now()}:`,
    ...(scratch ? { VAULT_DATABASE_URL: scratch.url } : {}),
    VAULT_PORT: String(port),
    VAULT_OPS_PORT: String(opsPort),
    ...BENCH_VAULT_SETTINGS,
    VAULT_WORKERS: String(workers),
  };
  const added = spawnSync(
    process.execPath,
    ['dist/cli.js', 'site', 'add', 'bench', '--origin', `http://127.0.0.1:${sinkPort}`, '--init'],
    { cwd: VAULT, env, encoding: 'utf8' },
  );
  if (added.status !== 0) throw new Error(`site add failed: ${added.stderr}`);
  const { apiKey } = JSON.parse(added.stdout.trim().split('\n').pop());
  // The vault's log (info, as npm start writes it) goes to a file: read it when a run fails.
  const logFile = path.join(dataDir, 'vault.log');
  const logFd = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...VAULT_NODE_FLAGS, 'dist/main.js'], {
    cwd: VAULT,
    env,
    stdio: ['ignore', logFd, 'inherit'],
  });
  fs.closeSync(logFd);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the vault exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the vault did not become ready within 30 s');
    const ready = await getJson(`http://127.0.0.1:${opsPort}/readyz`);
    if (ready.status === 200 && (workers === 1 || (ready.json.workers && ready.json.workers.listening === workers)))
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const workerPids = workers === 1 ? [child.pid] : childrenOf(child.pid);
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    primary: workers === 1 ? undefined : child.pid,
    workerPids,
    logFile,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (scratch) await scratch.drop().catch(() => undefined);
    },
  };
}

/** Runs that had errors or a dry pool: their figures are not the vault's work, and the bench fails. */
const faults = [];

async function measure(backend, workers, opts, sink) {
  const vault = await startVault(backend, workers, sink.info.port);
  const pids = vault.primary ? [vault.primary, ...vault.workerPids] : vault.workerPids;
  const client = new Client(vault.url, { authorization: `Bearer ${vault.apiKey}` });
  const form = cardForm();
  const callbackUrl = `http://127.0.0.1:${sink.info.port}/api/apps/public/bench/vault-events`;
  const pools = new Pools(client, form, callbackUrl, createBody);
  const list = scenarios({
    apiKey: vault.apiKey,
    form,
    callbackUrl,
    createBody,
    sizes: { page: 1, state: 1, form: 1 },
  });
  let submitted;
  // The two pools these scenarios use up: opened links (submit) and minted OTKs (detokenize).
  const makePool = async (spec, count) => {
    if (spec.kind === 'opened') return { items: await pools.opened(count), ranDry: 0 };
    submitted = submitted || (await pools.submitted(64));
    if (spec.kind === 'otks') return { items: await pools.detokenizeOtks(count, submitted), ranDry: 0 };
    throw new Error(`bench/workers.js measures submit and detokenize, not ${spec.kind}`);
  };
  const out = {};
  try {
    for (const key of opts.only) {
      const sc = list.find((candidate) => candidate.key === key);
      const poolFor = (requests) =>
        sc.pool ? makePool(sc.pool, Math.ceil(requests) + 4 * opts.connections) : undefined;
      const common = { url: vault.url, connections: opts.connections };
      let pool = await poolFor(opts.warmup);
      const warm = await load(pids, { ...common, amount: opts.warmup, requests: sc.vault(pool) });
      // As bench/run.js: a pool sized for the run from the warm-up's rate, and a run of exactly as many
      // requests as it holds (less those in flight), so a rate guessed low cannot run it dry.
      pool = await poolFor(Math.max(warm.requestsPerSecond, 400) * opts.duration * 1.5);
      const loadAtStart = loadAverage();
      const amount = Math.max(1, pool.items.length - 2 * opts.connections);
      const max = await load(pids, { ...common, amount, requests: sc.vault(pool) });
      const byPid = max.cpuMicrosPerRequestByPid;
      const primary = vault.primary ? byPid[vault.primary] : 0;
      const inWorkers = vault.workerPids.reduce((sum, pid) => sum + byPid[pid], 0);
      out[key] = {
        loadAtStart,
        requestsPerSecond: max.requestsPerSecond,
        errors: max.errors,
        poolRanDry: pool ? pool.ranDry : 0,
        p50Ms: max.latencyMs.p50,
        p99Ms: max.latencyMs.p99,
        cpuMicrosPerRequest: max.serverCpuMicrosPerRequest,
        primaryCpuMicrosPerRequest: primary,
        workersCpuMicrosPerRequest: inWorkers,
        // Each worker's CPU over its run, as a share of one core: how busy each process was.
        coreShare: Object.fromEntries(
          pids.map((pid) => [
            pid === vault.primary ? 'primary' : `worker ${vault.workerPids.indexOf(pid) + 1}`,
            (byPid[pid] * max.total) / 1e6 / max.seconds,
          ]),
        ),
      };
      const r = out[key];
      if (r.errors || r.poolRanDry)
        faults.push(`${backend}, ${workers} workers, ${key}: ${r.errors} errors, pool ran dry ${r.poolRanDry}×`);
      log(
        `[${backend}, ${workers} worker${workers > 1 ? 's' : ''}] ${key}: ${r.requestsPerSecond.toFixed(0)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  errors ${r.errors}${r.poolRanDry ? ` (pool ran dry ${r.poolRanDry}×)` : ''}` +
          `  CPU µs/req ${r.cpuMicrosPerRequest.toFixed(0)} (workers ${r.workersCpuMicrosPerRequest.toFixed(0)}, primary ${r.primaryCpuMicrosPerRequest.toFixed(0)})` +
          `  busy ${Object.entries(r.coreShare)
            .map(([name, share]) => `${name} ${(100 * share).toFixed(0)}%`)
            .join(', ')}  (load ${loadAtStart})`,
      );
    }
  } catch (error) {
    const lines = fs.readFileSync(vault.logFile, 'utf8').trim().split('\n');
    log(
      `vault log, last lines:\n${lines
        .filter((l) => !l.includes('"msg":"request"'))
        .slice(-10)
        .join('\n')}`,
    );
    throw error;
  } finally {
    client.close();
    await vault.stop();
  }
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const results = {
    startedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart: os.loadavg() },
    settings: { durationSeconds: opts.duration, connections: opts.connections, warmupRequests: opts.warmup },
    runs: [],
  };
  log(
    `vault workers bench: ${opts.duration} s per run, ${opts.connections} connections, load average ${loadAverage()}`,
  );
  const sink = await startServer('doorbell-sink.js');
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const backend of opts.backends) {
        for (const workers of opts.workers) {
          results.runs.push({ round, backend, workers, scenarios: await measure(backend, workers, opts, sink) });
        }
      }
    }
  } finally {
    await sink.stop();
  }
  results.machine.loadAverageAtEnd = os.loadavg();
  if (faults.length) {
    log(`BENCH FAILED:\n${faults.map((f) => `  !! ${f}`).join('\n')}`);
    process.exit(1);
  }
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n');
  log(`load average at end: ${loadAverage()}; results: ${path.relative(process.cwd(), opts.out)}`);
}

main().catch((error) => {
  console.error(`bench failed: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
