'use strict';
// One timed load run with autocannon against a server process, plus that process's peak RSS.
const { vaultRequire } = require('./paths');
const { cpuSplitOf, sampleRss, settle } = require('./processes');
const { cpuTicks, stolenPercent } = require('./steal');

const autocannon = vaultRequire('autocannon');

/**
 * Runs autocannon with `options` (url, connections, duration or amount, requests, overallRate…)
 * while sampling the RSS of `pid`. Returns figures only. `pid` may be a list (a multi-worker
 * vault's primary and workers): the CPU is their sum, `cpuMicrosPerRequestByPid` each one's part.
 */
async function load(pid, options) {
  const pids = Array.isArray(pid) ? pid : [pid];
  const stopSampling = sampleRss(pids[0]);
  const before = pids.map(cpuSplitOf);
  const boxBefore = cpuTicks();
  const result = await autocannon({ connections: 16, pipelining: 1, timeout: 10, ...options });
  const atEnd = pids.map(cpuSplitOf);
  // CPU per request counts what the run left to do (a background checkpoint) until the servers are idle.
  const settleMs = await settle(pids);
  const after = pids.map(cpuSplitOf);
  const stolen = stolenPercent(boxBefore, cpuTicks());
  const cpuByPid = pids.map((_, i) => after[i].user + after[i].system - before[i].user - before[i].system);
  const systemMicros = pids.reduce((sum, _, i) => sum + after[i].system - before[i].system, 0);
  const cpuMicros = cpuByPid.reduce((sum, micros) => sum + micros, 0);
  const cpuMicrosDuringLoad = pids.reduce(
    (sum, _, i) => sum + atEnd[i].user + atEnd[i].system - before[i].user - before[i].system,
    0,
  );
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
    // The kernel's part of it (syscalls, loopback TCP): compared with the floor's, it tells how much
    // of a profile's socket-write time is really spent in the kernel.
    serverSystemMicrosPerRequest: systemMicros / total,
    serverCpuUtilization: cpuMicrosDuringLoad / 1e6 / seconds,
    // How long after the load the servers took to go idle; their CPU meanwhile is in the per-request figure.
    settleMs,
    // The hypervisor's share of the box during the run: above a few percent, read the run as noisy.
    stolenPercent: stolen,
    cpuMicrosPerRequestByPid: Object.fromEntries(pids.map((p, i) => [p, cpuByPid[i] / total])),
    statusCodes: result.statusCodeStats,
  };
}

module.exports = { load };
