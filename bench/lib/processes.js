'use strict';
// Child processes of the bench (vault, bare server, doorbell sink) and their memory as Linux sees it.
const fs = require('node:fs');
const path = require('node:path');
const { fork } = require('node:child_process');

/** Forks `script` with `env`, resolves once it reports {type:'ready'}. stdout goes to /dev/null. */
function startServer(script, env = {}, execArgv = []) {
  const child = fork(path.resolve(__dirname, '..', 'servers', script), [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', process.env.BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`${script} exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    child.on('message', function ready(message) {
      if (message && message.type === 'ready') {
        child.off('message', ready);
        child.off('exit', onExit);
        resolve({ child, info: message, stop: () => stopServer(child) });
      }
    });
  });
}

function stopServer(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ type: 'stop' });
  });
}

/** Current and peak ("high water mark") resident set of a process, in MB, from /proc. */
function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number((new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status) || [])[1] || NaN);
    return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMB: NaN, hwmMB: NaN };
  }
}

/**
 * CPU time (user + system) a process has used so far, in microseconds, from /proc/<pid>/stat.
 * On a shared machine CPU per request is steadier than requests per second: waiting for a core
 * does not count.
 */
function cpuMicrosOf(pid) {
  const { user, system } = cpuSplitOf(pid);
  return user + system;
}

/** CPU time of `pid` so far, in µs, split into user and system (kernel: syscalls, the socket path). */
function cpuSplitOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const micros = (ticks) => (Number(ticks) / CLOCK_TICKS) * 1e6;
    return { user: micros(fields[11]), system: micros(fields[12]) }; // utime, stime
  } catch {
    return { user: NaN, system: NaN };
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen. */
function sampleRss(pid, everyMs = 50) {
  let peak = memoryOf(pid).rssMB;
  const timer = setInterval(() => {
    const { rssMB } = memoryOf(pid);
    if (rssMB > peak || Number.isNaN(peak)) peak = rssMB;
  }, everyMs);
  return () => {
    clearInterval(timer);
    const { rssMB } = memoryOf(pid);
    return Math.max(peak, rssMB);
  };
}

const IDLE_WINDOW_MS = 200;

/**
 * Waits until `pids` are idle (at most one clock tick of CPU between them over a 200 ms window, for
 * at most `maxMs`) and returns how long that took. Work a timed run leaves behind, such as the
 * vault's WAL checkpoints on their own thread after a burst of writes, then counts towards the run
 * that caused it, not towards whichever run comes next.
 */
async function settle(pids, maxMs = 20000) {
  const started = Date.now();
  const used = () => pids.reduce((sum, pid) => sum + cpuMicrosOf(pid), 0);
  let last = used();
  while (Date.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
    const now = used();
    // A process gone (NaN) counts as idle: the run's own errors say what happened.
    if (!(now - last > 1e6 / CLOCK_TICKS)) break;
    last = now;
  }
  return Date.now() - started;
}

module.exports = {
  IDLE_WINDOW_MS,
  settle,
  cpuSplitOf,
  startServer,
  memoryOf,
  sampleRss,
  cpuMicrosOf,
};
