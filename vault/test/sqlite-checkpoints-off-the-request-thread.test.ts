import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../src/storage/sqlite';
import { SqliteCheckpointer } from '../src/storage/sqlite-checkpointer';
import { testConfig } from './helpers/vault';

/** What the 200 rows below add to the database file once they are all out of the WAL. */
const ROWS_BYTES = 200 * 3000;

/**
 * Commits about 200 pages from a connection that stays open: fewer than SQLite's own 1,000-page
 * checkpoint, so only someone else's checkpoint moves them from the WAL into the file. Returns the
 * file's size once it holds most of them, or after waiting `ms`.
 */
async function sizeAfterWalOnlyWrites(file: string, ms: number): Promise<{ before: number; after: number }> {
  const writer = new Database(file);
  try {
    writer.exec('CREATE TABLE filler (b BLOB)');
    const before = fs.statSync(file).size;
    for (let i = 0; i < 200; i += 1) writer.prepare('INSERT INTO filler VALUES (?)').run(Buffer.alloc(3000, i));
    const deadline = Date.now() + ms;
    // A checkpoint may land mid-way through the inserts and copy only some: wait for the rest.
    while (fs.statSync(file).size <= before + ROWS_BYTES / 2 && Date.now() < deadline) await sleep(25);
    return { before, after: fs.statSync(file).size };
  } finally {
    writer.close();
  }
}

/**
 * Commits `commits` one-page transactions, one every quarter of a millisecond or slower, from this
 * thread (yielding between them, as the request thread does between requests), so commits land
 * during the checkpoints the background thread runs. Returns the WAL's peak length in pages (the
 * file only grows: a WAL that starts over is written again from its start).
 */
async function peakWalPagesUnderSteadyCommits(file: string, commits: number): Promise<number> {
  const writer = new Database(file);
  try {
    writer.pragma('wal_autocheckpoint = 0'); // only the thread, and what it asks for, checkpoint
    writer.exec('CREATE TABLE IF NOT EXISTS stream (b BLOB)');
    const insert = writer.prepare('INSERT INTO stream VALUES (?)');
    const pageSize = writer.pragma('page_size', { simple: true }) as number;
    let last = 0;
    for (let i = 0; i < commits;) {
      if (performance.now() - last >= 0.25) {
        insert.run(Buffer.alloc(100, i));
        i += 1;
        last = performance.now();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return Math.floor(fs.statSync(`${file}-wal`).size / (pageSize + 24));
  } finally {
    writer.close();
  }
}

describe("the vault's SQLite checkpoints", () => {
  const newFile = () => path.join(testConfig().dataDir, 'vault.sqlite');

  it('run on a thread of their own: committed pages reach the file with no commit waiting for it', async () => {
    const failures: string[] = [];
    const file = newFile();
    const storage = new SqliteStorage(file, { onCheckpointFailure: (code) => failures.push(code) });
    try {
      await storage.migrate();
      const { before, after } = await sizeAfterWalOnlyWrites(file, 3000);
      expect(after).toBeGreaterThan(before + ROWS_BYTES / 2);
      expect(failures).toEqual([]);
      // The thread never keeps a process alive: a vault left open must not stop its process exiting.
      expect(process.getActiveResourcesInfo()).not.toContain('MessagePort');
    } finally {
      await storage.close();
    }
  });

  it('let the WAL start over under a steady stream of commits: the request thread finishes what the thread leaves', async () => {
    const failures: string[] = [];
    const file = newFile();
    const storage = new SqliteStorage(file, { onCheckpointFailure: (code) => failures.push(code) });
    try {
      await storage.migrate();
      // 6,000 pages committed, each pass of the thread seeing new ones: asked to finish at 1,000
      // pages, the WAL starts over long before it holds them all (without the request thread's
      // part it holds ~6,000 on a disk where a checkpoint takes longer than a quarter millisecond).
      expect(await peakWalPagesUnderSteadyCommits(file, 6000)).toBeLessThan(3000);
      expect(failures).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('asks the request thread once commits have grown the WAL, and not again while it stays as it is', async () => {
    const file = newFile();
    const failures: string[] = [];
    const setup = new Database(file);
    setup.pragma('journal_mode = WAL');
    setup.pragma('wal_autocheckpoint = 0');
    setup.exec('CREATE TABLE burst (b BLOB)');
    const asked: number[] = [];
    const checkpointer = new SqliteCheckpointer(file, {
      onFailure: (code) => failures.push(code),
      finishWal: () => asked.push(Date.now()),
    });
    try {
      const insert = setup.prepare('INSERT INTO burst VALUES (?)');
      for (let i = 0; i < 1500; i += 1) insert.run(Buffer.alloc(100, i));
      const deadline = Date.now() + 3000;
      while (asked.length === 0 && Date.now() < deadline) await sleep(25);
      expect(asked.length).toBeGreaterThan(0);
      // Passes may have asked mid-burst and the next ones for its tail (on a slow disk the burst
      // spans several): wait until 400 ms (four passes) go by without an ask.
      let seen = -1;
      const settled = Date.now() + 5000;
      while (asked.length !== seen && Date.now() < settled) {
        seen = asked.length;
        await sleep(400);
      }
      // No commit since: the thread's passes copy it all, and the next commit starts it over.
      const askedBefore = asked.length;
      await sleep(500);
      expect(asked.length).toBe(askedBefore);
      expect(failures).toEqual([]);
    } finally {
      await checkpointer.stop();
      setup.close();
    }
  });

  it('without that thread the same pages stay in the WAL meanwhile', async () => {
    const file = newFile();
    const storage = new SqliteStorage(file);
    try {
      await storage.migrate();
      const { before, after } = await sizeAfterWalOnlyWrites(file, 500);
      expect(after).toBe(before);
    } finally {
      await storage.close();
    }
  });

  it('a thread that cannot open the file reports why, and stopping it still returns', async () => {
    const failures: string[] = [];
    const checkpointer = new SqliteCheckpointer(path.join(testConfig().dataDir, 'missing.sqlite'), {
      onFailure: (code) => failures.push(code),
      finishWal: () => undefined,
    });
    const deadline = Date.now() + 5000;
    while (failures.length === 0 && Date.now() < deadline) await sleep(25);
    expect(failures).toEqual(['SQLITE_CANTOPEN']);
    await checkpointer.stop();
  });
});
