import type { FastifyInstance } from 'fastify';
import type { Vault } from '../open-vault';
import type { VaultMetrics } from './metrics';
import { responses } from './response-schemas';

/** Liveness only, on the main port: load balancers and the Docker HEALTHCHECK ask it. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: responses.healthz }, async () => ({ status: 'ok' }));
}

/**
 * The operations listener's routes: liveness, readiness (names the backends) and Prometheus
 * metrics (show when submits and views happen). No auth: the listener is private (127.0.0.1 by
 * default), never on the visitors' port.
 */
export async function opsRoutes(app: FastifyInstance, opts: { vault: Vault; metrics: VaultMetrics }): Promise<void> {
  await healthRoutes(app);

  app.get('/readyz', { schema: responses.readyz }, async (request, reply) => {
    const checks: Record<string, string> = {};
    for (const [name, ping] of [
      [`storage:${opts.vault.storage.kind}`, () => opts.vault.storage.ping()],
      [`ephemeral:${opts.vault.ephemeral.kind}`, () => opts.vault.ephemeral.ping()],
    ] as const) {
      try {
        await ping();
        checks[name] = 'ok';
      } catch {
        checks[name] = 'unreachable';
      }
    }
    const ready = Object.values(checks).every((state) => state === 'ok');
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', checks };
  });

  app.get('/metrics', { schema: responses.metrics }, async (request, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
