#!/usr/bin/env node
'use strict';
// `npm run bench`: the vault (SQLite; then PostgreSQL + Redis when those servers are there), the
// floor (bench/servers/floor.js: the same irreducible work by hand with node:http, better-sqlite3
// and node:crypto) and a bare Fastify echo (context only), driven in turn by autocannon over
// loopback in one run, plus the tokenizer micro-benchmark. Prints floor CPU ÷ vault CPU per request
// for create, page, submit and detokenize, a table, and writes bench/results.json (figures only).
//
// Flags: --duration=<s> (5)  --connections=<n> (16)  --warmup=<requests> (1000)  --only=<keys,…>
//        --records=<n> (rows seeded before the run)  --extra-fields=<n> --field-chars=<n> (payload)
//        --backends=sqlite,postgres  --no-micro  --no-half (skip the half-rate latency runs)
//        --no-floor (skip the hand-written floor server, bench/servers/floor.js)
//        --floor-without-secure-delete (the floor as before erasure required SQLite's secure_delete)
//        --rounds=<n> (3: timed runs of the vault and the floor, in turn, per floor scenario; the
//        floor ratio is between their medians)
//        --profile (CPU profile of the vault during each timed max-rate run and each half-rate paced run
//        → bench/profiles/<backend>-<scenario>[-half].cpuprofile)
//        --diagnose-memory (vault under --expose-gc: live heap after a full GC, after each run)
//        --memory-regions (the vault's RSS by region, from /proc/<pid>/smaps every 250 ms: which of
//        V8, glibc's arenas and node's binary made its sampled peak, in which scenario)
//        --experiment=doorbell-http (the vault's doorbell over node:http instead of fetch; not the
//        shipped code — measures a proposed change)
//        --vault-node-flags=<flag,…> (node flags after the shipped ones, which they override: an
//        A/B of a flag without editing vault/scripts/node-flags.js)
//        --out=<file> (bench/results.json for a whole run of the shipped vault: no flag but --memory-regions
//        and --diagnose-memory, no BENCH_VAULT_DIR; other runs write only to --out)
// BENCH_CHILD_STDOUT=1 puts the servers' stdout on the bench's (with --vault-node-flags=--trace-gc,
// the vault's GC trace; its access log too).
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { filePath, flags, wholeNumber } = require('./lib/cli');
const { BENCH, VAULT } = require('./lib/paths');
const { VAULT_NODE_FLAGS } = require('../vault/scripts/node-flags');
const { scratchDatabase } = require('./lib/scratch-database');
const { vaultEnv } = require('./lib/vault-settings');
const { Client } = require('./lib/client');
const { cardForm, createBody } = require('./lib/forms');
const { load } = require('./lib/load');
const { cpuTicks, stolenPercent } = require('./lib/steal');
const { paced } = require('./lib/paced');
const { Pools } = require('./lib/pools');
const { IDLE_WINDOW_MS, memoryOf, startServer } = require('./lib/processes');
const { describeRegions, sampleRegions } = require('./lib/memory-regions');
const { ask } = require('./lib/child-control');
const { scenarios } = require('./lib/scenarios');
const { seedRecords } = require('./lib/seed');
const { runTokenizerMicro, table, fmt } = require('./tokenizer-micro');

// Issue 14's targets: floor CPU per request ÷ vault CPU per request, on SQLite.
const TARGETS = {
  floorCpu: { submit: 0.6, detokenize: 0.6, create: 0.5, page: 0.5 },
  p99AtHalfMs: 15,
  peakRssMB: 150,
  tokenizerVsByHand: 1.5,
};

/** `--vault-node-flags=--a=1,--b` → ['--a=1', '--b']; each must be a flag. */
function nodeFlags(raw) {
  if (raw === undefined) return [];
  const list = typeof raw === 'string' ? raw.split(',') : [];
  if (list.length === 0 || !list.every((flag) => /^--[a-z0-9_-]+(=\S+)?$/.test(flag))) {
    throw new Error('--vault-node-flags: node flags separated by commas (--vault-node-flags=--a=1,--b)');
  }
  return list;
}

function parseArgs(argv) {
  const args = flags(argv);
  return {
    duration: wholeNumber(args, 'duration', 5),
    connections: wholeNumber(args, 'connections', 16),
    warmup: wholeNumber(args, 'warmup', 1000, 0),
    only: args.only ? String(args.only).split(',') : undefined,
    records: wholeNumber(args, 'records', 0, 0),
    extraFields: wholeNumber(args, 'extra-fields', 0, 0),
    fieldChars: wholeNumber(args, 'field-chars', 0, 0),
    backends: String(args.backends || 'sqlite,postgres').split(','),
    micro: !args['no-micro'],
    profile: Boolean(args.profile),
    diagnoseMemory: Boolean(args['diagnose-memory']),
    memoryRegions: Boolean(args['memory-regions']),
    experiment: args.experiment ? String(args.experiment) : undefined,
    vaultNodeFlags: nodeFlags(args['vault-node-flags']),
    half: !args['no-half'],
    floor: !args['no-floor'],
    floorSecureDelete: !args['floor-without-secure-delete'],
    rounds: wholeNumber(args, 'rounds', 3),
    out: filePath(args, 'out', wholeRun(args) ? path.join(BENCH, 'results.json') : undefined),
  };
}

/**
 * bench/results.json holds whole runs of the shipped vault only: a run given any flag but those that
 * only observe, or another build (BENCH_VAULT_DIR), writes its results only where --out says.
 */
function wholeRun(args) {
  const observing = ['memory-regions', 'diagnose-memory'];
  return !process.env.BENCH_VAULT_DIR && Object.keys(args).every((name) => observing.includes(name));
}

const log = (...parts) => console.log(...parts);

/** True when something accepts TCP connections on host:port within a second. */
function reachable(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Why PostgreSQL + Redis cannot be benchmarked here, or undefined when they can. */
async function postgresUnavailable() {
  if (
    !fs.existsSync(path.join(VAULT, 'dist', 'storage', 'postgres.js')) ||
    !fs.existsSync(path.join(VAULT, 'dist', 'ephemeral', 'redis.js'))
  ) {
    return 'the vault has no PostgreSQL/Redis backends in this build yet (vault/src/storage/postgres.ts, vault/src/ephemeral/redis.ts)';
  }
  if (!(await reachable(5432))) return 'PostgreSQL is not reachable on 127.0.0.1:5432';
  if (!(await reachable(6379))) return 'Redis is not reachable on 127.0.0.1:6379';
  return undefined;
}

/** The scenarios the floor server does by hand (bench/servers/floor.js). */
const FLOOR_SCENARIOS = ['create', 'page', 'submit', 'detokenize'];

/** Makes the pools a scenario consumes, through one server's API (`pools`). */
function poolMaker(pools) {
  let submittedIds;
  return async (spec, count) => {
    if (spec.kind === 'links')
      return { items: await pools.links(spec.reusable || count), ranDry: 0, reusable: Boolean(spec.reusable) };
    if (spec.kind === 'opened') return { items: await pools.opened(count), ranDry: 0 };
    submittedIds = submittedIds || (await pools.submitted(64));
    // Submitted requests are minted for again and again: that pool goes round, it is not used up.
    if (spec.kind === 'submitted') return { items: submittedIds, ranDry: 0, reusable: true };
    if (spec.kind === 'otks') return { items: await pools.detokenizeOtks(count, submittedIds), ranDry: 0 };
    throw new Error(`unknown pool ${spec.kind}`);
  };
}

/**
 * How long a full-speed run lasts: a run that uses its pool up sends exactly as many requests as the
 * pool holds (less a margin for requests in flight), so it cannot run dry however wrong the rate
 * guessed from the warm-ups was (on a loaded box they guess low); the others run for `seconds`.
 */
function runLength(pool, opts, seconds) {
  if (!pool || pool.reusable) return { duration: seconds };
  return { amount: Math.max(1, pool.items.length - 2 * opts.connections) };
}

/**
 * "412 µs/req (sys 90, stolen 3%, idle after 1.4 s)": CPU per request, the kernel's part of it, the
 * hypervisor's share of the box, and how long the server worked on after the load (counted in).
 */
const cpuOf = (run) =>
  `${run.serverCpuMicrosPerRequest.toFixed(0)} µs/req (sys ${run.serverSystemMicrosPerRequest.toFixed(0)}` +
  `${run.stolenPercent === null ? '' : `, stolen ${run.stolenPercent.toFixed(0)}%`}` +
  `${run.settleMs >= 2 * IDLE_WINDOW_MS ? `, idle after ${(run.settleMs / 1000).toFixed(1)} s` : ''})`;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** A pool's size for a run of `seconds` at `rate`: sized to last about that long at that rate. */
const enoughFor = (rate, seconds) => Math.max(rate, 400) * seconds * 1.5;

/** Starts the floor server and returns how to measure a scenario on it, the way the vault is measured. */
async function startFloor({ sizes, form, callbackUrl, opts }) {
  const server = await startServer('floor.js', {
    BENCH_PAGE_BYTES: String(sizes.page),
    BENCH_FLOOR_SECURE_DELETE: opts.floorSecureDelete ? '1' : '0',
  });
  const url = `http://127.0.0.1:${server.info.port}`;
  const client = new Client(url, { authorization: `Bearer ${server.info.apiKey}` });
  const makePool = poolMaker(new Pools(client, form, callbackUrl, createBody));
  const list = scenarios({ apiKey: server.info.apiKey, form, callbackUrl, createBody, sizes });
  const pid = server.child.pid;
  const common = { connections: opts.connections, url };
  return {
    pid,
    async measure(key) {
      const sc = list.find((candidate) => candidate.key === key);
      const poolFor = (requests) =>
        sc.pool ? makePool(sc.pool, Math.ceil(requests) + 4 * opts.connections) : undefined;
      let pool = await poolFor(opts.warmup);
      const warm = await load(pid, { ...common, amount: opts.warmup, requests: sc.vault(pool) });
      pool = await poolFor(enoughFor(warm.requestsPerSecond, opts.duration));
      const max = await load(pid, { ...common, ...runLength(pool, opts, opts.duration), requests: sc.vault(pool) });
      return { ...max, poolRanDry: pool ? pool.ranDry : 0 };
    },
    /** The floor at half its own max rate, paced as the vault is: what the same work's p99 is there. */
    async half(key, rate) {
      const sc = list.find((candidate) => candidate.key === key);
      const pool = sc.pool ? await makePool(sc.pool, Math.ceil(rate * opts.duration * 1.3)) : undefined;
      const half = await paced(pid, { url, rate, duration: opts.duration, requests: sc.vault(pool) });
      return { targetRps: rate, ...half, poolRanDry: pool ? pool.ranDry : 0 };
    },
    async stop() {
      client.close();
      await server.stop();
    },
  };
}

async function runBackend(backend, opts, bare, sink) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-bench-'));
  let scratch;
  const extra = opts.experiment ? { BENCH_EXPERIMENT: opts.experiment } : {};
  if (backend === 'postgres') {
    scratch = await scratchDatabase();
    extra.VAULT_DATABASE_URL = scratch.url;
    extra.VAULT_REDIS_URL = 'redis://127.0.0.1:6379/7';
  }
  const vault = await startServer('vault.js', vaultEnv(dataDir, sink.info.port, extra), [
    ...VAULT_NODE_FLAGS,
    ...opts.vaultNodeFlags,
    ...(opts.diagnoseMemory ? ['--expose-gc'] : []),
  ]);
  const pid = vault.child.pid;
  let phase = 'setup';
  const stopRegions = opts.memoryRegions
    ? sampleRegions(pid, fs.realpathSync(process.execPath), () => phase)
    : undefined;
  const url = `http://127.0.0.1:${vault.info.port}`;
  const bareUrl = `http://127.0.0.1:${bare.info.port}`;
  const client = new Client(url, { authorization: `Bearer ${vault.info.apiKey}` });
  const form = cardForm({ extraFields: opts.extraFields, fieldChars: opts.fieldChars });
  const callbackUrl = `http://127.0.0.1:${sink.info.port}/api/apps/public/bench/vault-events`;
  const pools = new Pools(client, form, callbackUrl, createBody);
  const out = {
    backend,
    storage: vault.info.storage,
    ephemeral: vault.info.ephemeral,
    submitBodyBytes: Buffer.byteLength(JSON.stringify({ values: form.values })),
    scenarios: {},
    faults: [],
  };
  try {
    if (opts.records > 0) {
      if (backend !== 'sqlite') throw new Error('--records seeds SQLite only');
      log(`seeding ${fmt(opts.records)} submitted requests with records…`);
      out.seeded = await seedRecords(path.join(dataDir, 'vault.sqlite'), opts.records, form);
      log(`  seeded in ${out.seeded.seconds.toFixed(1)} s`);
    }
    // Answer sizes of the page, the form page (the start step's answer) and the state read, so the
    // baseline sends as many bytes back.
    const sample = (await pools.links(1))[0];
    const html = { accept: 'text/html' };
    const sizes = {
      page: Buffer.byteLength((await client.expect(200, 'GET', sample.visitorPath, undefined, html)).text),
      form: Buffer.byteLength((await client.expect(200, 'POST', sample.visitorPath, undefined, html)).text),
      state: Buffer.byteLength((await client.expect(200, 'GET', `/v1/requests/${sample.requestId}`)).text),
    };
    const list = scenarios({ apiKey: vault.info.apiKey, form, callbackUrl, createBody, sizes }).filter(
      (s) => !opts.only || opts.only.includes(s.key),
    );
    const makePool = poolMaker(pools);
    const poolFor = (sc, requests) =>
      sc.pool ? makePool(sc.pool, Math.ceil(requests) + 4 * opts.connections) : undefined;
    const common = { connections: opts.connections };
    // The floor (SQLite only): the same irreducible work by hand, measured beside the vault.
    const floor = backend === 'sqlite' && opts.floor ? await startFloor({ sizes, form, callbackUrl, opts }) : undefined;

    for (const sc of list) {
      phase = sc.key;
      log(`\n[${backend}] ${sc.title}`);
      // Warm-up (JIT, caches) by count, which also tells how big the timed run's pool must be.
      let pool = await poolFor(sc, opts.warmup);
      const warm = await load(pid, { ...common, url, amount: opts.warmup, requests: sc.vault(pool) });
      // A second, one-second warm-up at a warmer rate sizes the timed run's pool more tightly.
      pool = await poolFor(sc, enoughFor(warm.requestsPerSecond, 1));
      const warmer = await load(pid, { ...common, url, ...runLength(pool, opts, 1), requests: sc.vault(pool) });
      pool = await poolFor(sc, enoughFor(Math.max(warm.requestsPerSecond, warmer.requestsPerSecond), opts.duration));
      const profileFile = path.join(BENCH, 'profiles', `${backend}-${sc.key.replace(/\W+/g, '-')}.cpuprofile`);
      if (opts.profile) {
        fs.mkdirSync(path.dirname(profileFile), { recursive: true });
        await ask(vault.child, { type: 'profile-start' }, 'profile-started');
      }
      await ask(vault.child, { type: 'pauses-reset' }, 'pauses-reset');
      const max = await load(pid, {
        ...common,
        url,
        ...runLength(pool, opts, opts.duration),
        requests: sc.vault(pool),
      });
      max.pauses = (await ask(vault.child, { type: 'pauses' }, 'pauses')).stats;
      if (opts.profile) await ask(vault.child, { type: 'profile-stop', file: profileFile }, 'profile-stopped');
      max.memory = (await ask(vault.child, { type: 'memory' }, 'memory')).usage;
      const ranDry = pool ? pool.ranDry : 0;
      log(
        `  vault    ${fmt(max.requestsPerSecond)} req/s  p50 ${max.latencyMs.p50} ms  p99 ${max.latencyMs.p99} ms  errors ${max.errors}` +
          `  CPU ${cpuOf(max)}, ${(100 * max.serverCpuUtilization).toFixed(0)}% of a core${ranDry ? `  (pool ran dry ${ranDry}×)` : ''}`,
      );

      await load(bare.child.pid, { ...common, url: bareUrl, duration: 1, requests: sc.baseline() });
      const base = await load(bare.child.pid, {
        ...common,
        url: bareUrl,
        duration: opts.duration,
        requests: sc.baseline(),
      });
      const cpuRatio = base.serverCpuMicrosPerRequest / max.serverCpuMicrosPerRequest;
      log(
        `  bare     ${fmt(base.requestsPerSecond)} req/s  p50 ${base.latencyMs.p50} ms  p99 ${base.latencyMs.p99} ms` +
          `  CPU ${base.serverCpuMicrosPerRequest.toFixed(0)} µs/req (${(100 * base.serverCpuUtilization).toFixed(0)}% of a core)` +
          `  → ratio ${(max.requestsPerSecond / base.requestsPerSecond).toFixed(3)} (by CPU per request ${cpuRatio.toFixed(3)})`,
      );

      const entry = {
        title: sc.title,
        vault: max,
        bare: base,
        ratio: max.requestsPerSecond / base.requestsPerSecond,
        cpuRatio,
        poolRanDry: ranDry,
      };
      if (floor && FLOOR_SCENARIOS.includes(sc.key)) {
        const measured = await floor.measure(sc.key);
        entry.floor = measured;
        log(
          `  floor    ${fmt(measured.requestsPerSecond)} req/s  p50 ${measured.latencyMs.p50} ms  p99 ${measured.latencyMs.p99} ms  errors ${measured.errors}` +
            `  CPU ${cpuOf(measured)}`,
        );
        // More rounds, vault and floor in turn: one run of either is ±15% on this box, so the
        // ratio is taken between the medians.
        const rounds = { vault: [max], floor: [measured] };
        for (let round = 2; round <= opts.rounds; round += 1) {
          pool = await poolFor(sc, enoughFor(max.requestsPerSecond, opts.duration));
          rounds.vault.push(
            await load(pid, { ...common, url, ...runLength(pool, opts, opts.duration), requests: sc.vault(pool) }),
          );
          rounds.floor.push(await floor.measure(sc.key));
          log(`  round ${round}  vault CPU ${cpuOf(rounds.vault.at(-1))}  floor CPU ${cpuOf(rounds.floor.at(-1))}`);
        }
        const vaultCpu = median(rounds.vault.map((run) => run.serverCpuMicrosPerRequest));
        const floorCpu = median(rounds.floor.map((run) => run.serverCpuMicrosPerRequest));
        entry.rounds = {
          vaultCpuMicrosPerRequest: rounds.vault.map((run) => run.serverCpuMicrosPerRequest),
          floorCpuMicrosPerRequest: rounds.floor.map((run) => run.serverCpuMicrosPerRequest),
          vaultRequestsPerSecond: rounds.vault.map((run) => run.requestsPerSecond),
          floorRequestsPerSecond: rounds.floor.map((run) => run.requestsPerSecond),
        };
        // The targets' measure: floor CPU per request ÷ vault CPU per request (1 = as cheap as the floor).
        entry.floorCpuRatio = floorCpu / vaultCpu;
        entry.floorRateRatio =
          median(entry.rounds.vaultRequestsPerSecond) / median(entry.rounds.floorRequestsPerSecond);
        log(
          `  medians of ${rounds.vault.length}: vault ${vaultCpu.toFixed(0)} µs/req, floor ${floorCpu.toFixed(0)} µs/req` +
            `  → floor/vault CPU ${entry.floorCpuRatio.toFixed(2)}, vault/floor req/s ${entry.floorRateRatio.toFixed(2)}`,
        );
      }
      if (sc.halfRate && opts.half) {
        const rate = Math.max(1, Math.floor(max.requestsPerSecond / 2));
        // Steady, evenly spaced arrivals (lib/paced.js): what the p99 target is judged on.
        pool = await poolFor(sc, rate * opts.duration * 1.3);
        const halfProfile = profileFile.replace(/\.cpuprofile$/, '-half.cpuprofile');
        if (opts.profile) await ask(vault.child, { type: 'profile-start' }, 'profile-started');
        await ask(vault.child, { type: 'pauses-reset' }, 'pauses-reset');
        const half = await paced(pid, { url, rate, duration: opts.duration, requests: sc.vault(pool) });
        half.pauses = (await ask(vault.child, { type: 'pauses' }, 'pauses')).stats;
        if (opts.profile) await ask(vault.child, { type: 'profile-stop', file: halfProfile }, 'profile-stopped');
        entry.halfRate = {
          targetRps: rate,
          generator: 'paced open loop (bench/lib/paced.js)',
          ...half,
          poolRanDry: pool ? pool.ranDry : 0,
        };
        const p = half.pauses;
        log(
          `  @ half   ${fmt(half.requestsPerSecond)} req/s (target ${fmt(rate)}, evenly paced)  p50 ${half.latencyMs.p50} ms  p99 ${half.latencyMs.p99} ms  errors ${half.errors}` +
            `  ${busy(half)}  | vault event-loop delay p99 ${p.eventLoopDelayMs.p99} ms max ${p.eventLoopDelayMs.max} ms; GC ${p.gc.count}× (${p.gc.major} major) max ${p.gc.maxMs} ms`,
        );
        if (entry.floor) {
          // The same work by hand at half its own max rate: how much of the p99 any server of it has here.
          const floorRate = Math.max(1, Math.floor(median(entry.rounds.floorRequestsPerSecond) / 2));
          entry.floorHalfRate = await floor.half(sc.key, floorRate);
          const f = entry.floorHalfRate;
          log(
            `  floor @ half ${fmt(f.requestsPerSecond)} req/s (target ${fmt(floorRate)}, evenly paced)  p50 ${f.latencyMs.p50} ms  p99 ${f.latencyMs.p99} ms  errors ${f.errors}  ${busy(f)}`,
          );
        }
        // For comparison: autocannon's overallRate, a per-second quota (bursts at full speed).
        pool = await poolFor(sc, rate * opts.duration * 1.3);
        const quota = await load(pid, {
          ...common,
          url,
          duration: opts.duration,
          overallRate: rate,
          requests: sc.vault(pool),
        });
        entry.halfRateAutocannonQuota = { targetRps: rate, ...quota, poolRanDry: pool ? pool.ranDry : 0 };
        log(
          `  @ half   ${fmt(quota.requestsPerSecond)} req/s (autocannon overallRate, bursty)  p50 ${quota.latencyMs.p50} ms  p99 ${quota.latencyMs.p99} ms  errors ${quota.errors}`,
        );
      }
      out.scenarios[sc.key] = entry;
      for (const fault of faultsOf(backend, sc.key, entry)) {
        out.faults.push(fault);
        log(`  !! ${fault}`);
      }
    }
    out.vaultPeakRssMB = memoryOf(pid).hwmMB;
    if (stopRegions) {
      phase = 'after the scenarios';
      out.vaultPeakRegionsMB = stopRegions();
      log(`\nvault memory at its sampled peak: ${describeRegions(out.vaultPeakRegionsMB)}`);
    }
    out.barePeakRssMB = memoryOf(bare.child.pid).hwmMB;
    if (floor) out.floorPeakRssMB = memoryOf(floor.pid).hwmMB;
    if (floor) await floor.stop();
  } finally {
    client.close();
    await vault.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (scratch) await scratch.drop().catch(() => undefined);
  }
  return out;
}

/**
 * How busy a paced run kept the server (at half the max rate a server does more work per request),
 * and how late the load generator itself sent (part of every latency it measures).
 */
const busy = (run) =>
  `CPU ${run.serverCpuMicrosPerRequest.toFixed(0)} µs/req, ${(100 * run.serverCpuUtilization).toFixed(0)}% of a core;` +
  ` load generator late p99 ${run.generatorLatenessMs.p99} ms` +
  `${run.stolenPercent === null ? '' : `; stolen ${run.stolenPercent.toFixed(0)}%`}`;

/**
 * Why a scenario's figures mean nothing: any run of it (vault, floor, half rate) that answered
 * errors (socket errors, timeouts, non-2xx) or ran out of its pool. A figure with errors is mostly
 * the cost of refusals, so the bench must not print it as a result.
 */
function faultsOf(backend, key, entry) {
  const runs = [
    ['vault', entry.vault],
    ['floor', entry.floor],
    ['vault @ half rate (paced)', entry.halfRate],
    ['vault @ half rate (autocannon)', entry.halfRateAutocannonQuota],
    ['floor @ half rate (paced)', entry.floorHalfRate],
  ];
  const faults = [];
  for (const [name, run] of runs) {
    if (!run) continue;
    if (run.errors > 0 || run.poolRanDry > 0) {
      const codes = run.statusCodes
        ? ` (status codes ${Object.entries(run.statusCodes)
            .map(([code, { count }]) => `${code}×${count}`)
            .join(' ')})`
        : '';
      const dry = run.poolRanDry > 0 ? `, pool ran dry ${run.poolRanDry}×` : '';
      faults.push(`[${backend}] ${key}: ${name} answered ${run.errors} errors of ${run.total}${codes}${dry}`);
    }
  }
  return faults;
}

function printTable(backendResult) {
  const rows = Object.entries(backendResult.scenarios).map(([key, s]) => [
    key,
    fmt(s.vault.requestsPerSecond),
    s.vault.latencyMs.p50,
    s.vault.latencyMs.p99,
    s.vault.errors,
    s.vault.peakRssMB.toFixed(0),
    fmt(s.bare.requestsPerSecond),
    s.ratio.toFixed(3),
    `${s.vault.serverCpuMicrosPerRequest.toFixed(0)} / ${s.bare.serverCpuMicrosPerRequest.toFixed(0)}`,
    s.cpuRatio.toFixed(3),
    s.halfRate ? `${fmt(s.halfRate.requestsPerSecond)} / ${s.halfRate.latencyMs.p99}` : '',
    s.halfRateAutocannonQuota ? String(s.halfRateAutocannonQuota.latencyMs.p99) : '',
    s.floorHalfRate ? `${fmt(s.floorHalfRate.requestsPerSecond)} / ${s.floorHalfRate.latencyMs.p99}` : '',
    s.floor ? `${fmt(s.floor.requestsPerSecond)}` : '',
    s.floor ? `${s.vault.serverCpuMicrosPerRequest.toFixed(0)} / ${s.floor.serverCpuMicrosPerRequest.toFixed(0)}` : '',
    s.floor ? s.floorCpuRatio.toFixed(2) : '',
  ]);
  log(
    `\n${backendResult.backend} (storage ${backendResult.storage}, ephemeral ${backendResult.ephemeral})` +
      `${backendResult.seeded ? `, ${fmt(backendResult.seeded.requests)} rows seeded` : ''}`,
  );
  log(
    table(
      [
        'scenario',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'peak RSS MB',
        'bare req/s',
        '× bare',
        'CPU µs/req vault / bare',
        '× bare by CPU',
        '@half paced: req/s / p99 ms',
        '@half autocannon p99 ms',
        'floor @half: req/s / p99 ms',
        'floor req/s',
        'CPU µs/req vault / floor',
        'floor÷vault CPU',
      ],
      rows,
    ),
  );
  log(
    `vault process peak RSS (whole run): ${backendResult.vaultPeakRssMB.toFixed(0)} MB; bare server: ${backendResult.barePeakRssMB.toFixed(0)} MB` +
      (backendResult.floorPeakRssMB ? `; floor: ${backendResult.floorPeakRssMB.toFixed(0)} MB` : ''),
  );
}

function checkTargets(results) {
  const sqlite = results.backends.sqlite;
  const checks = [];
  if (sqlite && !sqlite.skipped) {
    const s = sqlite.scenarios;
    for (const [key, min] of Object.entries(TARGETS.floorCpu)) {
      if (s[key] && s[key].floor)
        checks.push({
          target: `${key}: floor CPU ÷ vault CPU per request ≥ ${min}`,
          value: s[key].floorCpuRatio,
          ok: s[key].floorCpuRatio >= min,
        });
    }
    for (const [key, sc] of Object.entries(s)) {
      if (sc.halfRate)
        checks.push({
          target: `${key}: p99 ≤ ${TARGETS.p99AtHalfMs} ms at half the max rate (evenly paced)`,
          value: sc.halfRate.latencyMs.p99,
          ok: sc.halfRate.latencyMs.p99 <= TARGETS.p99AtHalfMs,
        });
    }
    checks.push({
      target: `vault peak RSS ≤ ${TARGETS.peakRssMB} MB`,
      value: sqlite.vaultPeakRssMB,
      ok: sqlite.vaultPeakRssMB <= TARGETS.peakRssMB,
    });
  }
  const tokenizer = results.micro && results.micro.results.find((r) => r.name.startsWith('vault Tokenizer'));
  if (tokenizer)
    checks.push({
      target: `vault Tokenizer ≤ ${TARGETS.tokenizerVsByHand} × node crypto by hand (CPU per encrypt+decrypt)`,
      value: tokenizer.costVsByHand,
      ok: tokenizer.costVsByHand <= TARGETS.tokenizerVsByHand,
    });
  return checks;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const boxAtStart = cpuTicks();
  const results = {
    startedAt: started.toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0] && os.cpus()[0].model,
      node: process.version,
      loadAverageAtStart: os.loadavg(),
    },
    settings: {
      experiment: opts.experiment || null,
      vaultNodeFlags: [...VAULT_NODE_FLAGS, ...opts.vaultNodeFlags],
      durationSeconds: opts.duration,
      rounds: opts.rounds,
      connections: opts.connections,
      warmupRequests: opts.warmup,
      records: opts.records,
      extraFields: opts.extraFields,
      fieldChars: opts.fieldChars,
    },
    backends: {},
  };
  log(
    `vault bench: ${opts.duration} s per run, ${opts.connections} connections, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const sink = await startServer('doorbell-sink.js');
  const bare = await startServer('bare.js');
  try {
    for (const backend of opts.backends) {
      if (backend === 'postgres') {
        const why = await postgresUnavailable();
        if (why) {
          results.backends.postgres = { skipped: why };
          log(`\n[postgres+redis] skipped: ${why}`);
          continue;
        }
      }
      results.backends[backend] = await runBackend(backend, opts, bare, sink);
    }
  } finally {
    await bare.stop();
    await sink.stop();
  }
  if (opts.micro) results.micro = await runTokenizerMicro({ seconds: 2, log });
  results.machine.loadAverageAtEnd = os.loadavg();
  results.machine.stolenPercent = stolenPercent(boxAtStart, cpuTicks());
  results.finishedAt = new Date().toISOString();

  // A run with errors is a broken bench, not a result: say so and print no figures.
  const faults = Object.values(results.backends).flatMap((b) => b.faults || []);
  if (faults.length > 0) {
    console.error(`\nBENCH FAILED: ${faults.length} run(s) answered errors, so no figure of this run is a result:`);
    for (const fault of faults) console.error(`  ${fault}`);
    console.error('Nothing written to the results file; fix the bench (or the vault) and run it again.');
    process.exitCode = 1;
    return;
  }
  for (const b of Object.values(results.backends)) if (!b.skipped) printTable(b);
  for (const [name, b] of Object.entries(results.backends)) if (b.skipped) log(`\n${name}: skipped — ${b.skipped}`);
  results.targets = checkTargets(results);
  // The targets are about a quiet machine: a run that lost more than 1 % of the box says so up front.
  const stolen = results.machine.stolenPercent;
  const noisy = stolen !== null && stolen > 1 ? `; not a quiet run: ${stolen.toFixed(1)}% stolen` : '';
  log(`\nTargets (this machine, SQLite, one vault process${noisy}):`);
  for (const c of results.targets)
    log(
      `  ${c.ok ? 'MET ' : 'MISS'}  ${c.target}: ${typeof c.value === 'number' ? Number(c.value.toFixed(3)) : c.value}`,
    );
  log(
    `\nload average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (figures are noisy when it is above ~0.5)`,
  );
  if (stolen !== null)
    log(`CPU time stolen by the hypervisor during the run: ${stolen.toFixed(1)}% of the box (a quiet box: under 1%)`);
  if (!opts.out) return log('results: not written (not a whole run of the shipped vault; --out=<file> keeps them)');
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n');
  log(`results: ${path.relative(process.cwd(), opts.out)}`);
}

main().catch((error) => {
  console.error(`bench failed: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
