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
    const checkpointer = new SqliteCheckpointer(path.join(testConfig().dataDir, 'missing.sqlite'), (code) =>
      failures.push(code),
    );
    const deadline = Date.now() + 5000;
    while (failures.length === 0 && Date.now() < deadline) await sleep(25);
    expect(failures).toEqual(['SQLITE_CANTOPEN']);
    await checkpointer.stop();
  });
});
