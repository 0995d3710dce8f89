import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags the vault sets on itself as it starts, for those that only some V8 versions know: node
 * refuses an unknown flag on its command line (the shipped ones, vault/scripts/node-flags.js, work
 * everywhere), and every launcher (both `npm start`s, the Dockerfile, the systemd unit, cluster
 * workers) comes through main.ts, so this is the one place that reaches them all.
 *
 * --no-maglev-destroy-on-background (V8 12.4 and later; Node 24 runs Maglev by default): a finished
 * Maglev compile job is freed as the main thread installs its code instead of being queued for a
 * worker thread. Under load that queue waits behind the workers' other work, the jobs' zones pile up,
 * and glibc's per-thread arenas keep what they held: 20–24 MB of the vault's RSS at the pool peak on
 * Node 24 against 9–12 MB with the flag, at no measured CPU cost (BENCHMARKS.md, the sixteenth box).
 * It is read when each job is finalized, so setting it before any code is hot is as good as on the
 * command line.
 */
export function runtimeV8Flags(v8Version: string): string[] {
  const [major = 0, minor = 0] = v8Version.split('.').map(Number);
  return major > 12 || (major === 12 && minor >= 4) ? ['--no-maglev-destroy-on-background'] : [];
}

/** Sets this V8's runtime flags; returns them (for the start-up log). */
export function applyRuntimeV8Flags(): string[] {
  const flags = runtimeV8Flags(process.versions.v8);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
