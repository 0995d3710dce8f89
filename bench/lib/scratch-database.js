'use strict';
// A throwaway PostgreSQL database for one bench run (the machine's server, trust auth); dropped after.
const { vaultRequire } = require('./paths');

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function scratchDatabase(prefix = 'vault_bench') {
  const { Client: PgClient } = vaultRequire('pg');
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const run = async (sql) => {
    const client = new PgClient({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

module.exports = { scratchDatabase };
