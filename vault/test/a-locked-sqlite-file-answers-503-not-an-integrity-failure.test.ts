/**
 * Several workers share one SQLite file: a write lock held past the busy timeout comes back from
 * better-sqlite3 as SQLITE_BUSY. That is storage that cannot answer now (a 503 that changed
 * nothing), never a 500, and never an integrity failure of the record being read.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isStorageUnavailable, StorageUnavailableError } from '../src/errors';
import { toVaultError } from '../src/http/errors';
import { tempDir } from './helpers/vault';

describe('a locked SQLite file', () => {
  it('is storage unavailable: a 503 to the caller', () => {
    const dir = tempDir();
    const file = path.join(dir, 'locked.sqlite');
    const holder = new Database(file);
    const other = new Database(file, { timeout: 50 });
    try {
      holder.exec('CREATE TABLE t (x INTEGER)');
      holder.exec('BEGIN IMMEDIATE');
      let busy: unknown;
      try {
        other.exec('BEGIN IMMEDIATE');
      } catch (error) {
        busy = error;
      }
      expect((busy as { code?: string }).code).toBe('SQLITE_BUSY');
      expect(isStorageUnavailable(busy)).toBe(true);
      const answer = toVaultError(busy);
      expect([answer.code, answer.status]).toEqual(['unavailable', 503]);
      expect(answer.message).not.toMatch(/SQLITE|locked/i);
    } finally {
      holder.close();
      other.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is told apart from other errors', () => {
    expect(isStorageUnavailable(new StorageUnavailableError())).toBe(true);
    expect(isStorageUnavailable({ code: 'SQLITE_LOCKED' })).toBe(true);
    expect(isStorageUnavailable(new Error('bad tag'))).toBe(false);
    expect(isStorageUnavailable({ code: 'SQLITE_CONSTRAINT' })).toBe(false);
    expect(isStorageUnavailable(null)).toBe(false);
  });
});
