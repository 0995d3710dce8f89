import cluster, { type Worker } from 'node:cluster';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { VaultConfig } from '../config';
import { buildOpsApp } from '../http/app';
import { listenOnEvery } from '../http/listeners';
import { createLogger } from '../http/logging';
import type { OpsSource, Readiness } from '../http/ops-routes';
import { securityHeaders } from '../http/security-headers';
import { listenOrSay, OPS_LISTENER } from '../listen-errors';
import { prepareBackends } from '../open-vault';
import { WORKER_INDEX_VARIABLE, type PrimaryQuestion, type WorkerAnswer } from './messages';

/** A dead worker is replaced at most this many times within RESTART_WINDOW_MS; one more death stops the vault. */
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 60_000;
/** The wait before a replacement, doubled with each recent restart (250 ms, 500 ms, … up to 4 s). */
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 4_000;
/** How long the operations listener waits for the workers' answers. */
const ASK_TIMEOUT_MS = 2_000;

/** One of the VAULT_WORKERS places: the worker in it now (none while a replacement waits). */
interface Slot {
  index: number;
  worker?: Worker;
  listening: boolean;
}

/**
 * The primary of a multi-worker vault (VAULT_WORKERS > 1). It migrates the database once, then
 * forks `mainFile` VAULT_WORKERS times; node's cluster hands the connections of the one port to
 * the workers in turn, each a full vault on the same database and Redis. It serves the operations
 * listener for all of them (readiness and metrics gathered from every worker), replaces a worker
 * that dies (bounded, logged), and on SIGTERM, SIGINT or SIGHUP stops every worker gracefully.
 */
export async function runPrimary(config: VaultConfig, mainFile: string): Promise<void> {
  const logger = createLogger(config.logLevel, undefined, { process: 'primary', pid: process.pid });
  await prepareBackends(config, logger);
  const primary = new Primary(config, logger, mainFile);
  await primary.start();
}

class Primary {
  private readonly slots: Slot[];
  private readonly restarts: number[] = [];
  private readonly pendingRestarts = new Set<NodeJS.Timeout>();
  private readonly registry = new Registry();
  private readonly restartCount = new Counter({
    name: 'vault_worker_restarts_total',
    help: 'Worker processes that died and were replaced',
    registers: [this.registry],
  });
  private ops?: FastifyInstance;
  private listeningOnce = false;
  private stopping = false;
  private stopStarted = 0;
  private exitCode = 0;
  private nextQuestion = 0;

  constructor(
    private readonly config: VaultConfig,
    private readonly logger: Logger,
    mainFile: string,
  ) {
    this.slots = Array.from({ length: config.workers }, (_, i) => ({ index: i + 1, listening: false }));
    cluster.setupPrimary({ exec: mainFile });
    const slots = this.slots;
    new Gauge({
      name: 'vault_workers_listening',
      help: 'Worker processes listening on the port (VAULT_WORKERS configured)',
      registers: [this.registry],
      collect() {
        this.set(slots.filter((slot) => slot.listening).length);
      },
    });
    new Gauge({
      name: 'vault_workers_configured',
      help: 'VAULT_WORKERS',
      registers: [this.registry],
      collect() {
        this.set(slots.length);
      },
    });
  }

  async start(): Promise<void> {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.stop(signal, 0));
    this.ops = await buildOpsApp(
      this.logger as FastifyBaseLogger,
      securityHeaders(this.config.publicHttps),
      this.opsSource(),
    );
    const { opsHost, opsPort } = this.config;
    const ops = this.ops;
    await listenOrSay(() => listenOnEvery(ops, opsHost, opsPort), opsHost, opsPort, OPS_LISTENER);
    for (const slot of this.slots) this.fork(slot);
  }

  private fork(slot: Slot): void {
    const worker = cluster.fork({ [WORKER_INDEX_VARIABLE]: String(slot.index) });
    slot.worker = worker;
    worker.on('listening', () => {
      slot.listening = true;
      if (!this.listeningOnce && this.slots.every((s) => s.listening)) {
        this.listeningOnce = true;
        this.logger.info(
          { publicUrl: this.config.publicUrl, ops: this.ops?.addresses()[0], workers: this.slots.length },
          'vault listening',
        );
      }
    });
    worker.on('exit', (code, signal) => this.exited(slot, worker, code, signal));
  }

  private exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.listening = false;
    // `pid` is the primary's own, in every line it writes.
    const fields = { worker: slot.index, workerPid: worker.process.pid, code, signal };
    if (this.stopping) {
      if (this.slots.every((s) => !s.worker)) this.stopped();
      return;
    }
    if (!this.listeningOnce) {
      // A worker that cannot start (port taken, backend refused) would fail again: stop, say which,
      // with its exit code when that is a configuration error's (2: the worker's line names the variable).
      this.logger.error(fields, 'vault worker exited while starting; stopping the vault');
      this.stop('worker-failed-to-start', code === 2 ? 2 : 1);
      return;
    }
    const now = Date.now();
    while (this.restarts.length && this.restarts[0] <= now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length >= MAX_RESTARTS) {
      this.logger.fatal(
        { ...fields, restarts: this.restarts.length, windowSeconds: RESTART_WINDOW_MS / 1000 },
        'vault workers keep dying; stopping the vault',
      );
      this.stop('too-many-restarts', 1);
      return;
    }
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** this.restarts.length);
    this.restarts.push(now);
    this.restartCount.inc();
    this.logger.error({ ...fields, restartInMs: delayMs }, 'vault worker died; starting a replacement');
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(timer);
      if (!this.stopping) this.fork(slot);
    }, delayMs);
    this.pendingRestarts.add(timer);
  }

  /**
   * Forwards the stop to every worker, each of which finishes its in-flight requests and closes
   * the database and Redis (its own graceful stop); kills what is still running after the bound.
   */
  private stop(reason: string, exitCode: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = exitCode;
    this.stopStarted = Date.now();
    this.logger.info({ signal: reason, graceSeconds: this.config.shutdownGraceSeconds }, 'vault stopping');
    for (const timer of this.pendingRestarts) clearTimeout(timer);
    this.pendingRestarts.clear();
    const bound = setTimeout(
      () => {
        this.logger.error(
          { graceSeconds: this.config.shutdownGraceSeconds },
          'vault workers did not stop in time; killing them',
        );
        for (const slot of this.slots) slot.worker?.process.kill('SIGKILL');
        process.exit(1);
      },
      // Each worker bounds its own stop by the grace; this one only catches a worker that hangs past it.
      (this.config.shutdownGraceSeconds + 2) * 1000,
    );
    bound.unref();
    void this.ops?.close();
    for (const slot of this.slots) slot.worker?.process.kill('SIGTERM');
    if (this.slots.every((s) => !s.worker)) this.stopped();
  }

  private stopped(): void {
    this.logger.info({ ms: Date.now() - this.stopStarted }, 'vault stopped');
    process.exit(this.exitCode);
  }

  /** The operations listener's view: the workers' readiness merged, their metrics summed. */
  private opsSource(): OpsSource {
    return {
      readiness: async () => mergeReadiness(await this.ask('vault:readiness'), this.slots),
      metrics: async () => {
        const answers = await this.ask('vault:metrics');
        const own = await this.registry.getMetricsAsJSON();
        return AggregatorRegistry.aggregate([...answers.map((answer) => answer.metrics), own]).metrics();
      },
      contentType: this.registry.contentType,
    };
  }

  /** Asks every listening worker; resolves with the answers that came within ASK_TIMEOUT_MS. */
  private ask<T extends PrimaryQuestion['type']>(type: T): Promise<Extract<WorkerAnswer, { type: T }>[]> {
    const id = ++this.nextQuestion;
    const workers = this.slots.filter((slot) => slot.listening && slot.worker?.isConnected()).map((s) => s.worker!);
    return new Promise((resolve) => {
      const answers: Extract<WorkerAnswer, { type: T }>[] = [];
      const listeners = new Map<Worker, (message: unknown) => void>();
      const done = () => {
        clearTimeout(timer);
        for (const [worker, listener] of listeners) worker.off('message', listener);
        resolve(answers);
      };
      const timer = setTimeout(done, ASK_TIMEOUT_MS);
      for (const worker of workers) {
        const listener = (message: unknown) => {
          const answer = message as WorkerAnswer;
          if (answer?.type !== type || answer.id !== id) return;
          answers.push(answer as Extract<WorkerAnswer, { type: T }>);
          worker.off('message', listener);
          listeners.delete(worker);
          if (listeners.size === 0) done();
        };
        listeners.set(worker, listener);
        worker.on('message', listener);
        worker.send({ type, id } satisfies PrimaryQuestion);
      }
      if (workers.length === 0) done();
    });
  }
}

/**
 * Ready while at least one worker listens and every worker that answered reaches its backends: a
 * load balancer keeps sending to the box while a dead worker is being replaced.
 */
export function mergeReadiness(answers: { readiness: Readiness }[], slots: { listening: boolean }[]): Readiness {
  const checks: Readiness['checks'] = {};
  for (const { readiness } of answers) {
    for (const [name, state] of Object.entries(readiness.checks)) {
      checks[name] = checks[name] === 'unreachable' || state !== 'ok' ? 'unreachable' : 'ok';
    }
  }
  const ready = answers.length > 0 && Object.values(checks).every((state) => state === 'ok');
  return {
    status: ready ? 'ready' : 'unavailable',
    checks,
    workers: { configured: slots.length, listening: slots.filter((slot) => slot.listening).length },
  };
}
