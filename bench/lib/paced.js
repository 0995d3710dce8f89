'use strict';
// An open-loop load at a steady rate, for latency "at half the max rate".
//
// Why not autocannon's overallRate: autocannon enforces a rate as a per-second quota per
// connection — every connection sends back to back until its quota is spent, then waits for the
// next second — so "half the rate" is really full speed for half of each second, and its p99 is
// the p99 under full load. Here requests start on an even schedule (one sequence every 1/rate s)
// whatever the server does, and each latency is measured from the scheduled start, so time spent
// queued behind a slow response counts (no coordinated omission).
const http = require('node:http');
const { cpuMicrosOf, sampleRss } = require('./processes');
const { cpuTicks, stolenPercent } = require('./steal');

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function send(agent, base, req) {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  return new Promise((resolve) => {
    const r = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: req.method || 'GET',
        path: req.path,
        agent,
        headers: { ...(req.headers || {}), ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    r.setTimeout(10_000, () => r.destroy(new Error('timeout')));
    r.on('error', () => resolve({ status: 0, body: '' }));
    r.end(body);
  });
}

/**
 * Sends the request sequence `requests` (autocannon-shaped: method, path, headers, body,
 * setupRequest(req, context), onResponse(status, body, context)) `rate` requests per second in
 * total, as evenly spaced sequences, for `duration` seconds. Returns figures only.
 */
async function paced(pid, { url, rate, duration, requests }) {
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const perSequence = requests.length;
  const sequences = Math.max(1, Math.round((rate * duration) / perSequence));
  const gapMs = (1000 * perSequence) / rate;
  const latencies = [];
  // How late this process sent each sequence's first request: its own loop's delay, part of every
  // latency measured here, not the server's.
  const lateness = [];
  let errors = 0;
  const stopSampling = sampleRss(pid);
  const cpuBefore = cpuMicrosOf(pid);
  const boxBefore = cpuTicks();
  const start = performance.now();

  const runSequence = async (scheduledAt) => {
    const context = {};
    let startedAt = scheduledAt;
    lateness.push(Math.max(0, performance.now() - scheduledAt)); // it may send up to 1 ms early
    for (const template of requests) {
      const req = template.setupRequest ? template.setupRequest({ ...template }, context) : { ...template };
      const res = await send(agent, base, req);
      const now = performance.now();
      latencies.push(now - startedAt);
      if (res.status < 200 || res.status >= 300) errors += 1;
      if (template.onResponse) template.onResponse(res.status, res.body, context);
      startedAt = now;
    }
  };

  const inFlight = [];
  for (let k = 0; k < sequences; k += 1) {
    const scheduledAt = start + k * gapMs;
    const wait = scheduledAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(runSequence(scheduledAt));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  const cpuMicros = cpuMicrosOf(pid) - cpuBefore;
  const stolen = stolenPercent(boxBefore, cpuTicks());
  const peakRssMB = stopSampling();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  const round = (ms) => Math.round(ms * 100) / 100;
  return {
    requestsPerSecond: latencies.length / seconds,
    total: latencies.length,
    seconds,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1]),
    },
    generatorLatenessMs: { p50: round(percentile(lateness, 50)), p99: round(percentile(lateness, 99)) },
    errors,
    peakRssMB,
    serverCpuMicrosPerRequest: cpuMicros / latencies.length,
    serverCpuUtilization: cpuMicros / 1e6 / seconds,
    stolenPercent: stolen,
  };
}

module.exports = { paced };
