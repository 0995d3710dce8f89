import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpRequestMetrics } from './http-request-metrics';
import type { SinkTargetStatus } from '../service/audit-sink';

/** The vault's Prometheus metrics, in a registry of its own (one per app instance). */
export class VaultMetrics {
  readonly registry = new Registry();
  private readonly httpRequests = new HttpRequestMetrics(
    this.registry,
    { requests: 'vault_http_requests_total', duration: 'vault_http_request_duration_seconds' },
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly otkOutcomes = new Counter({
    name: 'vault_otk_outcomes_total',
    help: 'One-time keys minted, used and refused, by purpose',
    labelNames: ['purpose', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly cryptoDuration = new Histogram({
    name: 'vault_tokenizer_duration_seconds',
    help: 'JWE tokenize (encrypt) and detokenize (decrypt) time',
    labelNames: ['operation'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
    registers: [this.registry],
  });
  readonly doorbells = new Counter({
    name: 'vault_doorbell_total',
    help: 'Doorbell deliveries to the app by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /**
   * `auditSink`: each sink target's state, when this process ships the audit trail (none elsewhere).
   * `doorbellBacklog`: this process's doorbell deliveries not yet delivered or given up.
   */
  constructor(
    countEphemeral: () => Promise<number>,
    auditSink: () => Promise<SinkTargetStatus[]> = async () => [],
    doorbellBacklog: () => number = () => 0,
  ) {
    new Gauge({
      name: 'vault_ephemeral_entries',
      help: 'Off-the-record and ID&V entries held in the ephemeral store',
      registers: [this.registry],
      // Every worker of a multi-worker vault counts the same Redis prefix: the primary keeps one count, not their sum.
      aggregator: 'max',
      async collect() {
        this.set(await countEphemeral().catch(() => -1));
      },
    });
    new Gauge({
      name: 'vault_audit_sink_lag_entries',
      help: 'Audit entries written but not yet delivered to this sink target (file, syslog)',
      labelNames: ['target'] as const,
      async collect() {
        this.reset();
        for (const status of await auditSink().catch(() => [])) this.set({ target: status.target }, status.lagEntries);
      },
      registers: [this.registry],
    });
    new Gauge({
      name: 'vault_audit_sink_failing',
      help: '1 while the last attempt to deliver to this sink target failed (see the log for why), else 0',
      labelNames: ['target'] as const,
      async collect() {
        this.reset();
        for (const status of await auditSink().catch(() => []))
          this.set({ target: status.target }, status.failing ? 1 : 0);
      },
      registers: [this.registry],
    });
    new Gauge({
      name: 'vault_doorbell_backlog',
      help: 'Doorbell deliveries to the app not yet delivered or given up (waiting, under way, between retries)',
      registers: [this.registry],
      collect() {
        this.set(doorbellBacklog());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'vault_' });
  }

  /** Counts one finished request and its time. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.observe(method, route, status, seconds);
  }
}
