import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The pause between two steps of a long background write (the retention purge, the audit prune).
 * SQLite writes on the request thread, and its WAL is copied into the database by a background
 * checkpointer every 100 ms; steps back to back outran it every dozen steps, and the request thread
 * then copied the WAL itself (30–44 ms). With this pause between steps of 3–9 ms it keeps up
 * (BENCHMARKS.md, the twenty-third box).
 */
export const STEP_PAUSE_MS = 25;

export function pauseBetweenSteps(): Promise<void> {
  return sleep(STEP_PAUSE_MS);
}
