'use strict';
/**
 * The flags node runs the vault with, one definition for every launcher: `npm start` (both
 * package.json files), the Dockerfile, the systemd unit and the bench; a test holds them to it.
 *
 * --max-semi-space-size=4: V8's young generation grows to 3 × 16 MB under load by default, and
 * the vault's garbage per request is short-lived; 4 MB semi-spaces keep the peak RSS under 150 MB
 * with no measurable CPU change (BENCHMARKS.md, "Memory").
 */
module.exports.VAULT_NODE_FLAGS = ['--max-semi-space-size=4'];
