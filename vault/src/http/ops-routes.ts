import type { FastifyInstance } from 'fastify';
import type { Vault } from '../open-vault';
import type { VaultMetrics } from './metrics';
import { responses } from './response-schemas';

/** Liveness only, on the main port: load balancers and the Docker HEALTHCHECK ask it. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: responses.healthz }, async () => ({ status: 'ok' }));
}

/** What /readyz answers: each backend's state and, with several workers, how many listen. */
export interface Readiness {
  status: 'ready' | 'unavailable';
  checks: Record<string, 'ok' | 'unreachable'>;
  workers?: { configured: number; listening: number };
}

/**
 * What the operations listener reports: one vault's own state (one process, or a worker asked by
 * its primary), or a primary's summary of its workers.
 */
export interface OpsSource {
  readiness(): Promise<Readiness>;
  /** Prometheus text. */
  metrics(): Promise<string>;
  contentType: string;
}

/** Pings the vault's storage and ephemeral store. */
export async function vaultReadiness(vault: Vault): Promise<Readiness> {
  const checks: Readiness['checks'] = {};
  for (const [name, ping] of [
    [`storage:${vault.storage.kind}`, () => vault.storage.ping()],
    [`ephemeral:${vault.ephemeral.kind}`, () => vault.ephemeral.ping()],
  ] as const) {
    try {
      await ping();
      checks[name] = 'ok';
    } catch {
      checks[name] = 'unreachable';
    }
  }
  const ready = Object.values(checks).every((state) => state === 'ok');
  return { status: ready ? 'ready' : 'unavailable', checks };
}

/** The operations source of one vault process. */
export function vaultOpsSource(vault: Vault, metrics: VaultMetrics): OpsSource {
  return {
    readiness: () => vaultReadiness(vault),
    metrics: () => metrics.registry.metrics(),
    contentType: metrics.registry.contentType,
  };
}

/**
 * The operations listener's routes: liveness, readiness (names the backends) and Prometheus
 * metrics (show when submits and views happen). No auth: the listener is private (127.0.0.1 by
 * default), never on the visitors' port.
 */
export async function opsRoutes(app: FastifyInstance, opts: { source: OpsSource }): Promise<void> {
  await healthRoutes(app);

  app.get('/readyz', { schema: responses.readyz }, async (request, reply) => {
    const readiness = await opts.source.readiness();
    reply.code(readiness.status === 'ready' ? 200 : 503);
    return readiness;
  });

  app.get('/metrics', { schema: responses.metrics }, async (request, reply) => {
    reply.type(opts.source.contentType);
    return opts.source.metrics();
  });
}
