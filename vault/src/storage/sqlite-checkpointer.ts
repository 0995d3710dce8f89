import { Worker } from 'node:worker_threads';

/** How often the background thread copies the WAL into the database file: little at a time. */
const CHECKPOINT_EVERY_MS = 100;
/**
 * When commits have grown the WAL to this many pages (SQLite's own 1,000, 4 MB), the request thread
 * is asked to finish the checkpoint. Only a checkpoint no commit lands in lets the WAL start over,
 * and under load commits land in every one this thread runs; between two of its own transactions
 * the request thread has only the pages committed since to copy (2–4 ms at half rate here).
 */
const FINISH_AT_PAGES = 1_000;
/**
 * The request thread checkpoints inside a commit only when the WAL reaches this many pages (16 MB),
 * as SQLite does every 1,000 by default: it bounds the WAL if the background thread has died or
 * falls behind. The pages it copies hold every request behind it (10–30 ms under load here).
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 4_000;
/** How long closing waits for a checkpoint under way before it stops the thread. */
const STOP_WAIT_MS = 5_000;

// Plain JavaScript run by the worker thread (a string, so it runs the same from src and dist).
const CHECKPOINT_LOOP = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
// SQLite fsyncs the database file only in a checkpoint that copies the whole WAL: the request
// thread's. Flushed here first, the WAL and the pages this thread copied leave it little to wait for.
const flush = (path) => {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
};
let failing = false;
let lastLog = 0;
const timer = setInterval(() => {
  try {
    // 'log' is the WAL's length as this pass began; commits since show as a longer one next time.
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
    // Asked only when commits have grown the WAL since the last pass: an idle one needs no one.
    if (log >= workerData.finishAtPages && log !== lastLog) {
      flush(workerData.file + '-wal');
      flush(workerData.file);
      parentPort.postMessage({ walPages: log });
    }
    lastLog = log;
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
 * into the database file and waits for fsyncs; run inside a commit on the request thread (as SQLite
 * does every 1,000 pages), it held every request behind it for 20–30 ms several times a second
 * under load. PASSIVE never blocks the writers. What the thread cannot do is let the WAL start over
 * while commits keep landing: for that it asks the request thread (`finishWal`), having copied and
 * flushed all but the last few pages.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /**
   * `finishWal` runs on the request thread when the WAL has grown long: a checkpoint there, between
   * two transactions, lets the next commit start the WAL over.
   */
  constructor(file: string, handlers: { onFailure: (code: string) => void; finishWal: () => void }) {
    this.worker = new Worker(CHECKPOINT_LOOP, {
      eval: true,
      workerData: {
        file,
        driver: require.resolve('better-sqlite3'),
        everyMs: CHECKPOINT_EVERY_MS,
        finishAtPages: FINISH_AT_PAGES,
      },
      // It holds next to nothing in JavaScript: a small heap keeps the thread's memory down (~1 MB).
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
    this.worker.on('message', (message: { failed?: string; walPages?: number }) => {
      if (message.walPages !== undefined) handlers.finishWal();
      else handlers.onFailure(message.failed ?? 'unknown');
    });
    this.worker.on('error', (error: Error & { code?: string }) => handlers.onFailure(error.code ?? error.name));
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
