'use strict';
const crypto = require('node:crypto');

// What every benchmarked vault runs with, beside its data dir, key and backends.
const BENCH_VAULT_SETTINGS = {
  VAULT_LOG_LEVEL: 'info',
  // Limits far above what one box can do, so the bench measures work, not refusals.
  VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_OTK_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_API_PER_MINUTE: '10000000',
  // Pools are made before the timed runs; they must outlive the setup.
  VAULT_LINK_OPEN_TTL_SECONDS: '3600',
  VAULT_SUBMIT_TTL_SECONDS: '3600',
  VAULT_DETOKENIZE_TTL_SECONDS: '3600',
  NODE_ENV: 'production',
};

/** The environment of a benchmarked vault on a fresh data dir, its doorbell ringing the sink on `sinkPort`. */
function vaultEnv(dataDir, sinkPort, extra = {}) {
  return {
    VAULT_DATA_DIR: dataDir,
    VAULT_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    VAULT_PUBLIC_URL: 'http://127.0.0.1',
    ...BENCH_VAULT_SETTINGS,
    BENCH_SITE_ORIGIN: `http://127.0.0.1:${sinkPort}`,
    ...extra,
  };
}

module.exports = { BENCH_VAULT_SETTINGS, vaultEnv };
