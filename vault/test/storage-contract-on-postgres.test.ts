import { PostgresStorage } from '../src/storage/postgres';
import { requirePostgres, TestSchema } from './helpers/backends';
import { describeStorageContract } from './shared/storage-contract';

beforeAll(requirePostgres);

describeStorageContract('PostgreSQL', async () => {
  const schema = new TestSchema();
  const storage = new PostgresStorage(schema.url());
  await storage.migrate();
  return {
    storage,
    async destroy() {
      await storage.close();
      await schema.drop();
    },
  };
});
