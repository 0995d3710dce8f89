import { Worker } from 'node:worker_threads';

/** How often the background thread copies the WAL into the database file: little at a time. */
const CHECKPOINT_EVERY_MS = 100;
/**
 * The request thread checkpoints by itself only when the WAL reaches this many pages (16 MB), as
 * SQLite does every 1,000 by default: only a checkpoint no commit lands in lets the WAL start over,
 * and this one also bounds the WAL if the background thread has died. The fsync it waits for holds
 * every request (about 20 ms under load here); at 16,000 pages the stalls came rarer but longer,
 * and the p99 at half rate was no better (BENCHMARKS.md).
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 4_000;
/** How long closing waits for a checkpoint under way before it stops the thread. */
const STOP_WAIT_MS = 5_000;

// Plain JavaScript run by the worker thread (a string, so it runs the same from src and dist).
const CHECKPOINT_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
let failing = false;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (error) {
    // Once per run of failures, not ten times a second.
    if (!failing) parentPort.postMessage({ failed: String((error && error.code) || 'checkpoint error') });
    failing = true;
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a WAL-mode SQLite file from a thread of its own. A checkpoint writes the WAL's pages
 * into the database file and waits for two fsyncs; run inside a commit on the request thread (as
 * SQLite does every 1,000 pages), it held every request behind it for 20–30 ms several times a
 * second under load. PASSIVE never blocks the writers.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, onFailure: (code: string) => void) {
    this.worker = new Worker(CHECKPOINT_LOOP, {
      eval: true,
      workerData: { file, driver: require.resolve('better-sqlite3'), everyMs: CHECKPOINT_EVERY_MS },
      // It holds next to nothing in JavaScript: a small heap keeps the thread's memory down (~1 MB).
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
    this.worker.on('message', (message: { failed?: string }) => onFailure(message.failed ?? 'unknown'));
    this.worker.on('error', (error: Error & { code?: string }) => onFailure(error.code ?? error.name));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // Never what keeps a process alive (after the listeners: adding a 'message' one refs it again);
    // the fallback checkpoint covers a thread that is gone.
    this.worker.unref();
  }

  async stop(): Promise<void> {
    // Held while it stops: on a shutdown nothing else may keep the process alive, and it would end
    // before the database is closed. The bound then needs no hold of its own.
    this.worker.ref();
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), STOP_WAIT_MS).unref();
    await this.exited;
    clearTimeout(timer);
  }
}
