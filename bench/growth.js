#!/usr/bin/env node
'use strict';
// How the figures grow with payload size and with the number of stored records: runs bench/run.js
// (SQLite only) once per setting and prints markdown tables for BENCHMARKS.md. Each run's full
// figures go to bench/results-<setting>.json (not committed); the tables to bench/growth-results.json.
// Usage: node bench/growth.js [--payload] [--records] [--with-1m] [--duration=5]
//   (neither --payload nor --records: both; --with-1m adds the slow 1,000,000-row case)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BENCH } = require('./lib/paths');

const args = new Set(process.argv.slice(2).filter((a) => !a.includes('=')));
const duration = (process.argv.find((a) => a.startsWith('--duration=')) || '--duration=5').split('=')[1];
const both = !args.has('--payload') && !args.has('--records');

function run(name, flags) {
  const out = path.join(BENCH, `results-${name}.json`);
  console.error(`\n=== ${name}: ${flags.join(' ')}`);
  execFileSync(
    process.execPath,
    [
      path.join(BENCH, 'run.js'),
      '--backends=sqlite',
      '--no-micro',
      '--no-half',
      `--duration=${duration}`,
      `--out=${out}`,
      ...flags,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const summary = { payload: [], records: [] };
const lines = [];

if (both || args.has('--payload')) {
  // 5 card fields, then extra text fields: up to the schema's 50 fields of 1,000 characters.
  const settings = [
    { name: 'payload-5x-card', extra: 0, chars: 0 },
    { name: 'payload-10x200', extra: 5, chars: 200 },
    { name: 'payload-20x1000', extra: 15, chars: 1000 },
    { name: 'payload-50x1000', extra: 45, chars: 1000 },
  ];
  lines.push(
    '| form | submit body | submit req/s | p99 ms | CPU µs/req | bare echo req/s | × bare | detokenize req/s | p99 ms | CPU µs/req | × bare |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of settings) {
    const r = run(s.name, ['--only=submit,detokenize', `--extra-fields=${s.extra}`, `--field-chars=${s.chars}`])
      .backends.sqlite;
    const sub = r.scenarios.submit;
    const det = r.scenarios.detokenize;
    const bytes = r.submitBodyBytes;
    summary.payload.push({ ...s, submitBodyBytes: bytes, submit: pick(sub), detokenize: pick(det) });
    lines.push(
      `| ${5 + s.extra} fields${s.chars ? ` (${s.extra} × ${s.chars} chars)` : ''} | ${fmt(bytes)} B | ${fmt(sub.vault.requestsPerSecond)} | ${sub.vault.latencyMs.p99} | ${fmt(sub.vault.serverCpuMicrosPerRequest)} | ${fmt(sub.bare.requestsPerSecond)} | ${sub.ratio.toFixed(3)} | ${fmt(det.vault.requestsPerSecond)} | ${det.vault.latencyMs.p99} | ${fmt(det.vault.serverCpuMicrosPerRequest)} | ${det.ratio.toFixed(3)} |`,
    );
  }
  lines.push('');
}

if (both || args.has('--records')) {
  const counts = [1_000, 100_000, ...(args.has('--with-1m') ? [1_000_000] : [])];
  lines.push(
    '| stored rows | seeding s | create req/s | page req/s | submit req/s | submit p99 ms | detokenize req/s | detokenize p99 ms | vault peak RSS MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const n of counts) {
    const r = run(`records-${n}`, ['--only=create,page,submit,detokenize', `--records=${n}`]).backends.sqlite;
    const sc = r.scenarios;
    summary.records.push({
      rows: n,
      seeded: r.seeded,
      create: pick(sc.create),
      page: pick(sc.page),
      submit: pick(sc.submit),
      detokenize: pick(sc.detokenize),
      vaultPeakRssMB: r.vaultPeakRssMB,
    });
    lines.push(
      `| ${fmt(n)} | ${r.seeded.seconds.toFixed(0)} | ${fmt(sc.create.vault.requestsPerSecond)} | ${fmt(sc.page.vault.requestsPerSecond)} | ${fmt(sc.submit.vault.requestsPerSecond)} | ${sc.submit.vault.latencyMs.p99} | ${fmt(sc.detokenize.vault.requestsPerSecond)} | ${sc.detokenize.vault.latencyMs.p99} | ${r.vaultPeakRssMB.toFixed(0)} |`,
    );
  }
}

function pick(s) {
  return {
    requestsPerSecond: s.vault.requestsPerSecond,
    p50: s.vault.latencyMs.p50,
    p99: s.vault.latencyMs.p99,
    cpuMicrosPerRequest: s.vault.serverCpuMicrosPerRequest,
    errors: s.vault.errors,
    bareRequestsPerSecond: s.bare.requestsPerSecond,
    ratio: s.ratio,
  };
}

fs.writeFileSync(path.join(BENCH, 'growth-results.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(`\n${lines.join('\n')}`);
