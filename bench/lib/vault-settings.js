'use strict';
// What every benchmarked vault runs with, beside its data dir, key and backends.
module.exports.BENCH_VAULT_SETTINGS = {
  VAULT_LOG_LEVEL: 'info',
  // Limits far above what one box can do, so the bench measures work, not refusals.
  VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_OTK_PER_MINUTE: '1000000',
  VAULT_RATE_LIMIT_API_PER_MINUTE: '10000000',
  // Pools are made before the timed runs; they must outlive the setup.
  VAULT_LINK_OPEN_TTL_SECONDS: '3600',
  VAULT_SUBMIT_TTL_SECONDS: '3600',
  VAULT_DETOKENIZE_TTL_SECONDS: '3600',
  NODE_ENV: 'production',
};
