import type { FastifyInstance } from 'fastify';
import { vaultReadiness } from '../http/ops-routes';
import { isPrimaryQuestion, type WorkerAnswer } from './messages';

/**
 * In a worker of a multi-worker vault: answers the primary's readiness and metrics questions with
 * this process's own, so the one operations listener (on the primary) can speak for every worker.
 */
export function answerPrimary(app: FastifyInstance): void {
  process.on('message', (message: unknown) => {
    if (!isPrimaryQuestion(message)) return;
    const answer: Promise<WorkerAnswer> =
      message.type === 'vault:readiness'
        ? vaultReadiness(app.vault).then((readiness) => ({ type: message.type, id: message.id, readiness }))
        : app.metrics.registry.getMetricsAsJSON().then((metrics) => ({ type: message.type, id: message.id, metrics }));
    answer.then(
      (reply) => process.send?.(reply),
      (error: unknown) => app.log.warn({ err: error, question: message.type }, 'could not answer the primary'),
    );
  });
}
