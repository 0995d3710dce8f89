import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Readiness } from '../http/ops-routes';

/**
 * What a multi-worker vault's primary asks its workers over the cluster's IPC channel, for the
 * operations listener it serves on their behalf. Each answer carries the question's `id`.
 */
export type PrimaryQuestion = { type: 'vault:readiness'; id: number } | { type: 'vault:metrics'; id: number };

export type WorkerAnswer =
  | { type: 'vault:readiness'; id: number; readiness: Readiness }
  | { type: 'vault:metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

/** The environment variable the primary sets on each worker: its slot, 1..VAULT_WORKERS (a replacement keeps it). */
export const WORKER_INDEX_VARIABLE = 'VAULT_WORKER_INDEX';

export function isPrimaryQuestion(message: unknown): message is PrimaryQuestion {
  const candidate = message as { type?: unknown; id?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    (candidate.type === 'vault:readiness' || candidate.type === 'vault:metrics') &&
    typeof candidate.id === 'number'
  );
}
