'use strict';
// What a bench server child answers over IPC: stop, its memory, the JavaScript heap's allocation
// over a window, and CPU or allocation profiling of exactly the timed window (node:inspector), so a
// profile shows the load and not the pool setup around it.
const fs = require('node:fs');
const inspector = require('node:inspector');
const v8 = require('node:v8');
const { PerformanceObserver, monitorEventLoopDelay } = require('node:perf_hooks');

/** Event-loop delay and GC pauses since the last reset: what a request waiting in line sees. */
function pauseStats() {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0, major: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      // perf_hooks.constants.NODE_PERFORMANCE_GC_MAJOR = 4
      if (entry.detail && entry.detail.kind === 4) gc.major += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    reset() {
      loop.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0, major: 0 };
    },
    read() {
      const ms = (ns) => Math.round(ns / 1e4) / 100;
      return {
        eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
        gc: { ...gc, totalMs: Math.round(gc.totalMs), maxMs: Math.round(gc.maxMs * 10) / 10 },
      };
    },
  };
}

/** The whole heap's and the old generation's used bytes in one of V8's GC statistics snapshots. */
function generations(snapshot) {
  const used = (name) => snapshot.heapSpaceStatistics.find((space) => space.spaceName === name)?.spaceUsedSize ?? 0;
  return { heap: snapshot.heapStatistics.usedHeapSize, old: used('old_space') + used('large_object_space') };
}

/**
 * What the JavaScript heap took between start and stop, from V8's own statistics of every GC in
 * between (v8.GCProfiler): bytes allocated (the heap's growth between collections, summed), bytes
 * moved into the old generation by scavenges (what later needs a mark-compact), and the
 * collections. With --expose-gc both ends collect first, so the window starts and ends clean.
 */
function allocationWindow() {
  if (typeof global.gc === 'function') global.gc();
  const startUsed = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  return () => {
    // A scavenge, then a full collection: objects still young at the end die young (a heap profile
    // of survivors keeps only what reached the old generation), garbage promoted earlier dies too.
    const forced = typeof global.gc === 'function';
    if (forced) {
      global.gc({ type: 'minor' });
      global.gc();
    }
    const { statistics } = profiler.stop();
    let allocated = 0;
    let promoted = 0;
    let lastUsed = startUsed;
    const counts = { scavenges: 0, markCompacts: 0 };
    for (const entry of statistics) {
      const before = generations(entry.beforeGC);
      const after = generations(entry.afterGC);
      allocated += Math.max(0, before.heap - lastUsed);
      lastUsed = after.heap;
      if (entry.gcType === 'Scavenge' || entry.gcType === 'MinorMarkSweep') {
        counts.scavenges += 1;
        promoted += Math.max(0, after.old - before.old);
      } else if (entry.gcType === 'MarkSweepCompact') counts.markCompacts += 1;
    }
    const endUsed = v8.getHeapStatistics().used_heap_size;
    allocated += Math.max(0, endUsed - lastUsed);
    // The collections forced at the end are the window's edge, not the load's.
    if (forced) {
      counts.scavenges -= 1;
      counts.markCompacts -= 1;
    }
    // With --expose-gc both ends are live sets, so this is what the window left alive.
    return { allocatedBytes: allocated, promotedBytes: promoted, liveGrowthBytes: endUsed - startUsed, ...counts };
  };
}

/** Answers allocation-start and allocation-stop (see allocationWindow): bench/allocation.js asks. */
function answerAllocationMessages() {
  let stopWindow;
  process.on('message', (message) => {
    if (message && message.type === 'allocation-start') {
      stopWindow = allocationWindow();
      process.send({ type: 'allocation-started' });
    } else if (message && message.type === 'allocation-stop' && stopWindow) {
      process.send({ type: 'allocation', window: stopWindow() });
      stopWindow = undefined;
    }
  });
}

function answerBenchMessages(close) {
  let cpuSession;
  let heapSession;
  answerAllocationMessages();
  const pauses = pauseStats();
  process.on('message', (message) => {
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'pauses-reset') {
      pauses.reset();
      process.send({ type: 'pauses-reset' });
    } else if (message.type === 'pauses') {
      process.send({ type: 'pauses', stats: pauses.read() });
    } else if (message.type === 'stop') {
      Promise.resolve(close()).finally(() => process.exit(0));
    } else if (message.type === 'memory') {
      const usage = process.memoryUsage();
      // With --expose-gc (bench --diagnose-memory): how much of the heap is still live.
      if (typeof global.gc === 'function') {
        global.gc();
        usage.afterFullGc = process.memoryUsage();
      }
      process.send({ type: 'memory', usage });
    } else if (message.type === 'heap-sampling-start') {
      // Every object sampled, the ones collected since too: where allocation happens, not what stays.
      // `survivors`: only objects that outlived the scavenges, i.e. what reached the old generation.
      heapSession = new inspector.Session();
      heapSession.connect();
      const options = {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: !message.survivors,
      };
      heapSession.post('HeapProfiler.startSampling', options, () => process.send({ type: 'heap-sampling-started' }));
    } else if (message.type === 'heap-sampling-stop') {
      heapSession.post('HeapProfiler.stopSampling', (error, result) => {
        if (!error) fs.writeFileSync(message.file, JSON.stringify(result.profile));
        heapSession.disconnect();
        process.send({ type: 'heap-sampling-stopped', file: message.file });
      });
    } else if (message.type === 'profile-start') {
      cpuSession = new inspector.Session();
      cpuSession.connect();
      cpuSession.post('Profiler.enable', () =>
        cpuSession.post('Profiler.start', () => process.send({ type: 'profile-started' })),
      );
    } else if (message.type === 'profile-stop') {
      cpuSession.post('Profiler.stop', (error, result) => {
        if (!error) fs.writeFileSync(message.file, JSON.stringify(result.profile));
        cpuSession.disconnect();
        process.send({ type: 'profile-stopped', file: message.file });
      });
    }
  });
}

/** Sends `message` to a child and resolves with its first answer of type `answer`. */
function ask(child, message, answer) {
  return new Promise((resolve) => {
    child.on('message', function onMessage(reply) {
      if (reply && reply.type === answer) {
        child.off('message', onMessage);
        resolve(reply);
      }
    });
    child.send(message);
  });
}

module.exports = { allocationWindow, answerAllocationMessages, answerBenchMessages, ask };
