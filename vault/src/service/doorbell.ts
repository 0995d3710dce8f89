import type { DoorbellBody, DoorbellEvent } from '../contract';
import { createJsonPoster } from './post-json';

export interface DoorbellOptions {
  /** Delays before each retry; the number of entries is the number of retries. */
  retryDelaysMs: number[];
  timeoutMs: number;
  /**
   * Deliveries under way to one callback origin at once; the rest wait in that origin's queue (not
   * on a socket), so a burst reuses this many kept-alive connections instead of opening more.
   */
  perOriginConcurrency: number;
  log: (level: 'debug' | 'warn', message: string, fields: Record<string, unknown>) => void;
  onOutcome?: (outcome: 'delivered' | 'retry' | 'gave_up') => void;
}

/**
 * The most deliveries one origin may have waiting for a slot: an app that stops answering must not
 * grow the vault's memory without end. Past it the oldest waiting delivery is given up, and logged.
 */
export const MAX_WAITING_PER_ORIGIN = 10_000;

export const DEFAULT_DOORBELL: Omit<DoorbellOptions, 'log'> = {
  retryDelaysMs: [1_000, 5_000, 15_000, 60_000, 300_000],
  timeoutMs: 5_000,
  perOriginConcurrency: 4,
};

/** One event to tell one callback URL, until it is delivered or given up. */
interface Delivery {
  target: CallbackTarget;
  body: DoorbellBody;
  /** Callback URL, request and event: a second ring of the same while this one waits adds nothing. */
  key: string;
  attempt: number;
}

/** A callback URL parsed once: where to POST, the queue its deliveries share, and how logs name it. */
interface CallbackTarget {
  /** Undefined when the URL does not parse: its deliveries fail, and are logged, as any failure. */
  parsed: URL | undefined;
  /** Its origin (an unparsable URL gets one of its own). */
  origin: string;
  /** Scheme, host and path, for logs: no query string. */
  logged: string;
}

/** Callback URLs kept parsed at most: the app sends one per site, so this only bounds the cache. */
const MAX_CACHED_TARGETS = 1_000;

/** The deliveries of one callback origin: the ones waiting for a slot, and how many are under way. */
interface OriginQueue {
  waiting: Delivery[];
  active: number;
}

/**
 * Tells the app that something happened to a request: POSTs only `{requestId, event}` to the
 * request's callback URL, retrying with back-off, in the background. The visitor never waits on it.
 *
 * `ring()` only notes the event: the POSTs are made after the current turn of the event loop (so
 * the answer that caused the ring goes out first), grouped per callback origin, at most
 * `perOriginConcurrency` at once per origin over kept-alive sockets. The same event for the same
 * request rung again while it still waits is sent once. Each attempt's deadline starts when it
 * leaves the queue.
 */
export class Doorbell {
  private readonly options: DoorbellOptions;
  /** Rung since the last flush, in order. */
  private incoming: Delivery[] = [];
  private flushScheduled = false;
  /** Deliveries not sent yet (incoming or waiting in an origin's queue), by key. */
  private readonly unsent = new Map<string, Delivery>();
  private readonly origins = new Map<string, OriginQueue>();
  /** Deliveries not finished (waiting, under way or between retries), and who waits for none. */
  private outstanding = 0;
  private idle: (() => void)[] = [];
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private readonly poster = createJsonPoster();
  /** Parsed callback URLs, so a delivery's URL is not parsed again for its queue, its POST and its logs. */
  private readonly targets = new Map<string, CallbackTarget>();

  constructor(options: Omit<DoorbellOptions, 'perOriginConcurrency'> & { perOriginConcurrency?: number }) {
    this.options = { ...options, perOriginConcurrency: Math.max(1, options.perOriginConcurrency ?? 4) };
  }

  ring(callbackUrl: string, requestId: string, event: DoorbellEvent): void {
    if (this.closed) return;
    const key = `${event}\n${requestId}\n${callbackUrl}`;
    if (this.unsent.has(key)) return;
    const delivery: Delivery = {
      target: this.targetOf(callbackUrl),
      body: { requestId, event },
      key,
      attempt: 0,
    };
    this.unsent.set(key, delivery);
    this.outstanding += 1;
    this.incoming.push(delivery);
    this.scheduleFlush();
  }

  /** Deliveries rung and not yet delivered or given up: waiting, under way or between retries. */
  get backlog(): number {
    return this.outstanding;
  }

  /** Resolves when every delivery rung so far has succeeded or given up. */
  async drain(): Promise<void> {
    if (this.outstanding === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Stops retrying (on shutdown): deliveries under way finish, and waiting ones are tried once
   * while the process still runs; the vault does not wait for them before it exits.
   */
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

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands what was rung to its origin's queue, and starts what the queues allow. */
  private flush(): void {
    this.flushScheduled = false;
    const rung = this.incoming;
    this.incoming = [];
    const touched = new Set<string>();
    for (const delivery of rung) {
      const { origin } = delivery.target;
      let queue = this.origins.get(origin);
      if (!queue) {
        queue = { waiting: [], active: 0 };
        this.origins.set(origin, queue);
      }
      queue.waiting.push(delivery);
      if (queue.waiting.length > MAX_WAITING_PER_ORIGIN) this.dropOldest(queue);
      touched.add(origin);
    }
    for (const origin of touched) this.pump(origin);
  }

  private dropOldest(queue: OriginQueue): void {
    const dropped = queue.waiting.shift() as Delivery;
    this.unsent.delete(dropped.key);
    this.options.onOutcome?.('gave_up');
    this.options.log('warn', 'doorbell gave up: too many waiting for this origin', {
      requestId: dropped.body.requestId,
      event: dropped.body.event,
      target: dropped.target.logged,
      waiting: MAX_WAITING_PER_ORIGIN,
    });
    this.finished();
  }

  private pump(origin: string): void {
    const queue = this.origins.get(origin);
    if (!queue) return;
    while (queue.active < this.options.perOriginConcurrency && queue.waiting.length > 0) {
      const delivery = queue.waiting.shift() as Delivery;
      this.unsent.delete(delivery.key);
      queue.active += 1;
      void this.attempt(delivery).finally(() => {
        queue.active -= 1;
        this.pump(origin);
      });
    }
    if (queue.active === 0 && queue.waiting.length === 0) this.origins.delete(origin);
  }

  /** One POST; on failure, waits (without holding a slot) and queues the next attempt or gives up. */
  private async attempt(delivery: Delivery): Promise<void> {
    const { body, attempt } = delivery;
    const target = delivery.target.logged;
    try {
      if (!delivery.target.parsed) throw new Error('Invalid URL');
      const status = await this.poster.post(delivery.target.parsed, body, this.options.timeoutMs);
      if (status >= 200 && status < 300) {
        this.options.onOutcome?.('delivered');
        // Debug: a delivery is the normal case, counted in vault_doorbell_total; failures are warnings.
        this.options.log('debug', 'doorbell delivered', {
          requestId: body.requestId,
          event: body.event,
          attempt,
          target,
        });
        this.finished();
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
        this.finished();
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
      void this.retryLater(delivery, delay);
    }
  }

  private async retryLater(delivery: Delivery, delay: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, delay);
      timer.unref();
      this.waits.set(timer, resolve);
    });
    if (this.closed) {
      this.finished();
      return;
    }
    // A newer ring of the same event is waiting already: it is this retry.
    if (this.unsent.has(delivery.key)) {
      this.finished();
      return;
    }
    const next: Delivery = { ...delivery, attempt: delivery.attempt + 1 };
    this.unsent.set(next.key, next);
    this.incoming.push(next);
    this.scheduleFlush();
  }

  private targetOf(url: string): CallbackTarget {
    let target = this.targets.get(url);
    if (!target) {
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      target = parseTarget(url);
      this.targets.set(url, target);
    }
    return target;
  }

  private finished(): void {
    this.outstanding -= 1;
    if (this.outstanding > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}

/** A callback URL parsed, with its origin and its name for logs (no query string: it may hold a token). */
function parseTarget(url: string): CallbackTarget {
  try {
    const parsed = new URL(url);
    return { parsed, origin: parsed.origin, logged: `${parsed.origin}${parsed.pathname}` };
  } catch {
    return { parsed: undefined, origin: 'invalid-url', logged: 'invalid-url' };
  }
}
