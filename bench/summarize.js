#!/usr/bin/env node
'use strict';
// Several runs of bench/run.js side by side: median and [min–max] per figure, as markdown, so the
// spread between runs on a shared machine is visible. Usage: node bench/summarize.js <results.json>…
const fs = require('node:fs');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/summarize.js <results.json>…');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));

function spread(values, digits = 0) {
  const v = values.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return '–';
  const f = (x) => (digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits));
  const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return v.length === 1 || v[0] === v[v.length - 1] ? f(median) : `${f(median)} [${f(v[0])}–${f(v[v.length - 1])}]`;
}

const loads = runs.map(
  (r) => `${r.machine.loadAverageAtStart[0].toFixed(2)}→${r.machine.loadAverageAtEnd[0].toFixed(2)}`,
);
console.log(`${runs.length} run(s); 1-min load average start→end: ${loads.join(', ')}\n`);

for (const backend of ['sqlite', 'postgres']) {
  const present = runs.map((r) => r.backends[backend]).filter((b) => b && !b.skipped);
  if (present.length === 0) continue;
  console.log(`**${backend}** (median [min–max] over ${present.length} run(s))\n`);
  console.log(
    '| scenario | req/s | p50 ms | p99 ms | errors | CPU µs/req | bare req/s | × bare | × bare by CPU | @½ rate paced p99 ms | @½ autocannon p99 ms | peak RSS MB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const key of Object.keys(present[0].scenarios)) {
    const s = present.map((b) => b.scenarios[key]).filter(Boolean);
    const get = (fn) =>
      s.map((x) => {
        try {
          return fn(x);
        } catch {
          return NaN;
        }
      });
    console.log(
      `| ${key} | ${spread(get((x) => x.vault.requestsPerSecond))} | ${spread(get((x) => x.vault.latencyMs.p50))} | ${spread(get((x) => x.vault.latencyMs.p99))} | ` +
        `${spread(get((x) => x.vault.errors))} | ${spread(get((x) => x.vault.serverCpuMicrosPerRequest))} | ${spread(get((x) => x.bare.requestsPerSecond))} | ` +
        `${spread(
          get((x) => x.ratio),
          3,
        )} | ${spread(
          get((x) => x.cpuRatio),
          3,
        )} | ${spread(
          get((x) => x.halfRate.latencyMs.p99),
          1,
        )} | ` +
        `${spread(
          get((x) => x.halfRateAutocannonQuota.latencyMs.p99),
          0,
        )} | ${spread(get((x) => x.vault.peakRssMB))} |`,
    );
  }
  console.log(`\nvault process peak RSS over the whole run: ${spread(present.map((b) => b.vaultPeakRssMB))} MB\n`);
}

const micro = runs.map((r) => r.micro).filter(Boolean);
if (micro.length > 0) {
  console.log(`**tokenizer micro-benchmark** (median [min–max] over ${micro.length} run(s))\n`);
  console.log('| contender | encrypt/s | decrypt/s | CPU µs enc | CPU µs dec | CPU µs enc+dec | × by-hand cost |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of micro[0].results.map((r) => r.name)) {
    const rs = micro.map((m) => m.results.find((r) => r.name === name)).filter(Boolean);
    console.log(
      `| ${name} | ${spread(rs.map((r) => r.encryptPerSecond))} | ${spread(rs.map((r) => r.decryptPerSecond))} | ${spread(
        rs.map((r) => r.encryptCpuMicros),
        1,
      )} | ` +
        `${spread(
          rs.map((r) => r.decryptCpuMicros),
          1,
        )} | ${spread(
          rs.map((r) => r.pairCpuMicros),
          1,
        )} | ${spread(
          rs.map((r) => r.costVsByHand),
          2,
        )} |`,
    );
  }
}
