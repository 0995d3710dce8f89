'use strict';
// One timed load run with autocannon against a server process, plus that process's peak RSS.
const { vaultRequire } = require('./paths');
const { cpuMicrosOf, sampleRss } = require('./processes');

const autocannon = vaultRequire('autocannon');

/**
 * Runs autocannon with `options` (url, connections, duration or amount, requests, overallRate…)
 * while sampling the RSS of `pid`. Returns figures only.
 */
async function load(pid, options) {
  const stopSampling = sampleRss(pid);
  const cpuBefore = cpuMicrosOf(pid);
  const result = await autocannon({ connections: 16, pipelining: 1, timeout: 10, ...options });
  const cpuMicros = cpuMicrosOf(pid) - cpuBefore;
  const peakRssMB = stopSampling();
  const total = result.requests.total;
  const seconds = result.duration;
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    requestsPerSecond: total / seconds,
    total,
    seconds,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors,
    non2xx: result.non2xx,
    peakRssMB,
    serverCpuMicrosPerRequest: cpuMicros / total,
    serverCpuUtilization: cpuMicros / 1e6 / seconds,
    statusCodes: result.statusCodeStats,
  };
}

module.exports = { load };
