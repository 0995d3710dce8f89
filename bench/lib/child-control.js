'use strict';
// What a bench server child answers over IPC: stop, its memory, and CPU profiling of exactly the
// timed window (node:inspector), so a profile shows the load and not the pool setup around it.
const fs = require('node:fs');
const inspector = require('node:inspector');
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

function answerBenchMessages(close) {
  let session;
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
    } else if (message.type === 'profile-start') {
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () =>
        session.post('Profiler.start', () => process.send({ type: 'profile-started' })),
      );
    } else if (message.type === 'profile-stop') {
      session.post('Profiler.stop', (error, result) => {
        if (!error) fs.writeFileSync(message.file, JSON.stringify(result.profile));
        session.disconnect();
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

module.exports = { answerBenchMessages, ask };
