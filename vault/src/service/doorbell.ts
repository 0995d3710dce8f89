import type { DoorbellBody, DoorbellEvent } from '../contract';
import { createJsonPoster } from './post-json';

export interface DoorbellOptions {
  /** Delays before each retry; the number of entries is the number of retries. */
  retryDelaysMs: number[];
  timeoutMs: number;
  log: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
  onOutcome?: (outcome: 'delivered' | 'retry' | 'gave_up') => void;
}

export const DEFAULT_DOORBELL: Omit<DoorbellOptions, 'log'> = {
  retryDelaysMs: [1_000, 5_000, 15_000, 60_000, 300_000],
  timeoutMs: 5_000,
};

/**
 * Tells the app that something happened to a request: POSTs only `{requestId, event}` to the
 * request's callback URL, retrying with back-off, in the background. The visitor never waits on it.
 */
export class Doorbell {
  private readonly pending = new Set<Promise<void>>();
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private readonly poster = createJsonPoster();

  constructor(private readonly options: DoorbellOptions) {}

  ring(callbackUrl: string, requestId: string, event: DoorbellEvent): void {
    if (this.closed) return;
    const delivery = this.deliver(callbackUrl, { requestId, event }, 0).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Resolves when every delivery under way has succeeded or given up. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops retrying (on shutdown); deliveries in flight finish. */
  close(): void {
    this.closed = true;
    for (const [timer, wake] of this.waits) {
      clearTimeout(timer);
      wake();
    }
    this.waits.clear();
    // Let deliveries in flight finish, then drop the kept-alive connections.
    void this.drain().then(() => this.poster.close());
  }

  private async deliver(url: string, body: DoorbellBody, attempt: number): Promise<void> {
    const target = safeTarget(url);
    try {
      const status = await this.poster.post(url, body, this.options.timeoutMs);
      if (status >= 200 && status < 300) {
        this.options.onOutcome?.('delivered');
        this.options.log('info', 'doorbell delivered', {
          requestId: body.requestId,
          event: body.event,
          attempt,
          target,
        });
        return;
      }
      throw new Error(`HTTP ${status}`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'failed';
      const delay = this.options.retryDelaysMs[attempt];
      if (delay === undefined || this.closed) {
        this.options.onOutcome?.('gave_up');
        this.options.log('warn', 'doorbell gave up', {
          requestId: body.requestId,
          event: body.event,
          attempt,
          target,
          reason,
        });
        return;
      }
      this.options.onOutcome?.('retry');
      this.options.log('warn', 'doorbell failed, will retry', {
        requestId: body.requestId,
        event: body.event,
        attempt,
        target,
        reason,
        delayMs: delay,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waits.delete(timer);
          resolve();
        }, delay);
        timer.unref();
        this.waits.set(timer, resolve);
      });
      if (this.closed) return;
      await this.deliver(url, body, attempt + 1);
    }
  }
}

/** Scheme, host and path of the callback for logs: no query string. */
function safeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
