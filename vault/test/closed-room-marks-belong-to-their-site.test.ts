/**
 * Schema version 9: a room's close mark has a foreign key to its site, as every other row has. A
 * vault at version 8 may hold marks of sites removed while a close ran; migrating drops those and
 * keeps the rest, and from then on the database refuses such a mark itself.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { auditEvent } from '../src/audit/events';
import { isRemovedMeanwhile } from '../src/errors';
import { PostgresStorage } from '../src/storage/postgres';
import { SqliteStorage } from '../src/storage/sqlite';
import type { Storage } from '../src/storage/types';
import { requirePostgres, TestSchema } from './helpers/backends';
import { tempDir } from './helpers/vault';

const NOW = Date.UTC(2026, 11, 3);

async function addSite(storage: Storage, siteId: string): Promise<void> {
  await storage.addSite(
    { siteId, origin: 'https://chat.test', apiKeyId: `${siteId}-key`, apiKeyHash: 'h', createdAt: NOW },
    { siteId, kid: `${siteId}-kid`, wrappedKey: 'w', createdAt: NOW, active: true },
    auditEvent('site.add', { at: NOW, siteId, actor: 'test' }),
  );
}

/** What a version-8 vault could hold: one site's mark, and the mark of a site that is gone. */
const VERSION_8_MARKS = `
  INSERT INTO closed_rooms (site_id, room_id, closed_at) VALUES ('site-kept', 'room-1', ${NOW});
  INSERT INTO closed_rooms (site_id, room_id, closed_at) VALUES ('site-gone', 'room-1', ${NOW});
`;

async function expectMigratedMarks(storage: Storage): Promise<void> {
  expect(await storage.isRoomClosed('site-kept', 'room-1')).toBe(true);
  expect(await storage.isRoomClosed('site-gone', 'room-1')).toBe(false);
  const refused: unknown = await storage
    .closeRoom('site-gone', 'room-2', NOW, auditEvent('session.close', { at: NOW, siteId: 'site-gone', actor: 'test' }))
    .catch((error: unknown) => error);
  expect(isRemovedMeanwhile(refused)).toBe(true);
  // The key cascades: a removed site takes its marks along.
  await storage.removeSite('site-kept', auditEvent('site.remove', { at: NOW, siteId: 'site-kept', actor: 'test' }));
  expect(await storage.isRoomClosed('site-kept', 'room-1')).toBe(false);
}

describe('close marks of removed sites, on migrating to schema version 9', () => {
  it('SQLite drops the marks of sites that are gone, keeps the others, and refuses new ones', async () => {
    const file = path.join(tempDir(), 'vault.sqlite');
    const fresh = new SqliteStorage(file);
    await fresh.migrate();
    await addSite(fresh, 'site-kept');
    await fresh.close();

    // Back to version 8's table, without the key, holding an orphan mark.
    const db = new Database(file);
    db.exec(`
      DROP TABLE closed_rooms;
      CREATE TABLE closed_rooms (
        site_id TEXT NOT NULL, room_id TEXT NOT NULL, closed_at INTEGER NOT NULL, PRIMARY KEY (site_id, room_id)
      );
      DELETE FROM schema_migrations WHERE version = 9;
      ${VERSION_8_MARKS}
    `);
    db.close();

    const storage = new SqliteStorage(file);
    try {
      await storage.migrate();
      await expectMigratedMarks(storage);
    } finally {
      await storage.close();
    }
  });

  it('PostgreSQL does the same', async () => {
    await requirePostgres();
    const schema = new TestSchema();
    const storage = new PostgresStorage(schema.url());
    try {
      await storage.migrate();
      await addSite(storage, 'site-kept');
      await schema.sql(`
        ALTER TABLE closed_rooms DROP CONSTRAINT closed_rooms_site_id_fkey;
        DELETE FROM vault_migrations WHERE version = 9;
        ${VERSION_8_MARKS}
      `);
      await storage.migrate();
      await expectMigratedMarks(storage);
    } finally {
      await storage.close();
      await schema.drop();
    }
  });
});
