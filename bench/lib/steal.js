'use strict';
// How much of the box's CPU time the hypervisor took for other guests ("steal" in /proc/stat): on a
// shared VM, the measure of how quiet a run was that the load average misses (a stolen core still
// shows a low load average, while every figure of the run gets noisier).
const fs = require('node:fs');

/** The whole box's CPU times since boot, in ticks: steal and the total; undefined off Linux. */
function cpuTicks() {
  let line;
  try {
    line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is in user already.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  return { steal: fields[7], total: fields.reduce((sum, n) => sum + n, 0) };
}

/** The share of the box's CPU time stolen between two cpuTicks() readings, in percent (null if unknown). */
function stolenPercent(before, after) {
  if (!before || !after || after.total <= before.total) return null;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}

module.exports = { cpuTicks, stolenPercent };
