import type { Logger } from 'pino';
import type { VaultConfig } from '../config';
import type { RequestService } from './requests';
import type { AuditTrailService } from './audit-trail';
import type { AuditSink } from './audit-sink';
import type { RetentionService } from './retention';

/**
 * The vault's timers: the expiry sweep (marks lapsed requests expired, rings their doorbells), the
 * retention purge and the audit checkpoint take turns (one at a time: they write); the audit sink
 * runs on its own schedule, so a slow target or a long backlog never holds them up. Each run is
 * logged with counts only. Returns a function that stops them and resolves once a job under way
 * has finished (the checkpoint and the purge give the event loop turns between pages, so shutdown
 * could otherwise land in the middle of one and close the storage under it); a purge under way is
 * told to stop after its current step.
 */
export function startJobs(
  vault: {
    requests: Pick<RequestService, 'expireDue'>;
    retention: Pick<RetentionService, 'purge'>;
    audit: Pick<AuditTrailService, 'checkpoint'>;
    auditSink?: Pick<AuditSink, 'step'>;
  },
  config: VaultConfig,
  logger: Logger,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const stopping = new AbortController();
  const guard = (name: string, job: () => Promise<unknown>) => {
    const tick = async () => {
      if (running) return;
      running = (async () => {
        try {
          await job();
        } catch (error) {
          logger.warn({ job: name, err: error }, 'background job failed; will retry on the next tick');
        }
      })();
      await running;
      running = undefined;
    };
    // tick handles its own failures, so the timer has nothing to await.
    return () => void tick();
  };
  const sweep = setInterval(
    guard('expire', async () => {
      const expired = await vault.requests.expireDue();
      if (expired > 0) logger.info({ job: 'expire', expired }, 'expired lapsed requests');
    }),
    config.sweepIntervalSeconds * 1000,
  );
  const purge = setInterval(
    guard('purge', async () => {
      const counts = await vault.retention.purge('system', stopping.signal);
      logger.info({ job: 'purge', ...counts }, 'retention purge');
    }),
    config.purgeIntervalSeconds * 1000,
  );
  // The checkpoint's own log line ("audit checkpoint") is the anchor; nothing more to say here.
  const checkpoint = setInterval(
    guard('audit-checkpoint', () => vault.audit.checkpoint()),
    config.auditCheckpointSeconds * 1000,
  );
  const timers = [sweep, purge, checkpoint];
  for (const timer of timers) timer.unref();
  const stopSink = vault.auditSink
    ? scheduleSink(vault.auditSink, config.auditSink.intervalSeconds * 1000, logger)
    : undefined;
  return async () => {
    for (const timer of timers) clearInterval(timer);
    stopping.abort();
    stopSink?.();
    await running;
  };
}

/**
 * The sink's own schedule: one bounded step, then the next one at once while a target stopped at
 * its batch size (a backlog drains in steps, other timers running in between), else after
 * `intervalMs`. A step never overlaps the one before: the next is scheduled when it ends.
 */
function scheduleSink(sink: Pick<AuditSink, 'step'>, intervalMs: number, logger: Logger): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout;
  const next = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => void run(), delayMs);
    timer.unref();
  };
  const run = async () => {
    let more = false;
    try {
      more = (await sink.step()).more;
    } catch (error) {
      logger.warn({ job: 'audit-sink', err: error }, 'background job failed; will retry on the next tick');
    }
    next(more ? 0 : intervalMs);
  };
  next(intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
