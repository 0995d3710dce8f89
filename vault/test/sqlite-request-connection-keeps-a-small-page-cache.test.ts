/**
 * better-sqlite3 builds SQLite with a 16 MB page cache per connection, which a loaded vault fills;
 * the request connection keeps 4 MB (BENCHMARKS.md, the thirteenth box's round: 12–15 MB off the
 * peak RSS for about one more read of a page from the OS's cache per request).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PAGE_CACHE_KIB, SqliteStorage } from '../src/storage/sqlite';

describe("the vault's SQLite request connection", () => {
  it('keeps a page cache of PAGE_CACHE_KIB, below what better-sqlite3 would give it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-page-cache-'));
    const storage = new SqliteStorage(path.join(dir, 'vault.sqlite'));
    try {
      const plain = new Database(':memory:');
      const builtIn = plain.pragma('cache_size', { simple: true }) as number;
      plain.close();
      expect(builtIn).toBeLessThan(-PAGE_CACHE_KIB); // negative: KiB; this build's default is larger
      expect(storage['db'].pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
