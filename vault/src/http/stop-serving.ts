/**
 * How a vault process stops serving. Node's own close() drops every idle keep-alive connection at
 * once; under load most are idle only between an answer and the client's next request, which then
 * meets a closed socket: a POST lost that way cannot be told from one committed. So the vault first
 * stops taking connections and gives the open ones a last call: a request arriving on one is
 * refused with the 503 and `Retry-After: 1` (refuseWhileClosing), which closes it, and an answer
 * still under way closes its connection too. Then every connection with no request under way is
 * closed, Fastify's close finishes what is in flight, and the vault's onClose hook runs.
 */
import type { FastifyInstance } from 'fastify';
import { stopTakingConnections } from './listeners';

/** Long enough for a busy client's next request; a connection idle longer is closed after it. */
export const LAST_CALL_MS = 500;

const stopping = new WeakSet<FastifyInstance>();

/** Whether `app` began to stop: from then on it starts nothing new. */
export function isStopping(app: FastifyInstance): boolean {
  return stopping.has(app);
}

/** Stops `app` as above; resolves once its requests are answered and its storage is closed. */
export async function stopServing(app: FastifyInstance, lastCallMs = LAST_CALL_MS): Promise<void> {
  stopping.add(app);
  await stopTakingConnections(app, lastCallMs);
  // A connection whose request was in flight becomes idle once answered; Node closes idle ones only
  // when close() starts, so keep closing them until done.
  const idle = setInterval(() => app.server.closeIdleConnections(), 100);
  idle.unref();
  try {
    await app.close();
  } finally {
    clearInterval(idle);
  }
}
