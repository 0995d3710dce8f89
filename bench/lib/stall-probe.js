'use strict';
// What holds up the vault's event loop: preloaded into the benchmarked vault, it prints to stderr
// every better-sqlite3 statement and transaction that took longer than STALL_PROBE_MS (8) of wall
// time, with the CPU it used (little CPU for a long wait means I/O or a lock, such as a WAL
// checkpoint's fsync inside a commit), and every gap of more than 15 ms between two turns of a 2 ms
// timer (a busy or blocked loop), each line with a Unix time to set beside the bench's output.
//   NODE_OPTIONS="-r ./bench/lib/stall-probe.js" node bench/run.js --backends=sqlite --no-floor \
//     --only=submit 2> stalls.txt
// Only the vault's own process is probed (NODE_OPTIONS reaches every child of the bench).
const fs = require('node:fs');
const Module = require('node:module');

const LIMIT_MS = Number(process.env.STALL_PROBE_MS || 8);

const say = (line) => fs.writeSync(2, `[stall-probe] ${(Date.now() / 1000).toFixed(2)} ${line}\n`);
const cpuMsSince = (start) => {
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / 1000).toFixed(1);
};

/** `fn` timed: a call that took longer than the limit is printed with `label`. */
function timed(fn, label) {
  return function probed(...args) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      return fn.apply(this, args);
    } finally {
      const ms = performance.now() - started;
      if (ms > LIMIT_MS) say(`${label()} ${ms.toFixed(1)} ms, cpu ${cpuMsSince(cpu)} ms`);
    }
  };
}

const oneLine = (text) => String(text).replace(/\s+/g, ' ').slice(0, 90);

function probeSqlite(Database) {
  const { prepare, transaction } = Database.prototype;
  Database.prototype.prepare = function probedPrepare(sql, ...rest) {
    const statement = prepare.call(this, sql, ...rest);
    for (const method of ['run', 'get', 'all'])
      statement[method] = timed(statement[method], () => `sql.${method} ${oneLine(sql)}`);
    return statement;
  };
  // A pragma prepares its statement natively, past the wrapper above (a checkpoint is one).
  const { pragma } = Database.prototype;
  Database.prototype.pragma = function probedPragma(source, ...rest) {
    return timed(pragma, () => `pragma ${oneLine(source)}`).call(this, source, ...rest);
  };
  // A transaction's COMMIT (and a checkpoint inside it) runs in better-sqlite3, not in a statement.
  Database.prototype.transaction = function probedTransaction(fn) {
    const tx = transaction.call(this, fn);
    const label = (kind) => () => `transaction${kind} ${oneLine(fn)}`;
    const probed = timed(tx, label(''));
    for (const kind of ['deferred', 'immediate', 'exclusive']) probed[kind] = timed(tx[kind], label(`.${kind}`));
    return probed;
  };
}

if ((process.argv[1] || '').endsWith(`servers${require('node:path').sep}vault.js`)) {
  const load = Module._load;
  let probed = false;
  Module._load = function probedLoad(request, ...rest) {
    const loaded = load.call(this, request, ...rest);
    if (request === 'better-sqlite3' && !probed) {
      probed = true;
      probeSqlite(loaded);
    }
    return loaded;
  };
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    if (now - last > 15) say(`loop gap ${(now - last).toFixed(1)} ms, cpu ${cpuMsSince(lastCpu)} ms`);
    last = now;
    lastCpu = process.cpuUsage();
  }, 2).unref();
}
