import path from 'node:path';
import { SqliteStorage } from '../src/storage/sqlite';
import { tempDir } from './helpers/vault';
import { describeStorageContract } from './shared/storage-contract';

describeStorageContract('SQLite', async () => {
  const storage = new SqliteStorage(path.join(tempDir(), 'vault.sqlite'));
  await storage.migrate();
  return { storage, destroy: () => storage.close() };
});
