import cluster from 'node:cluster';
import net from 'node:net';
import { runPrimary } from './cluster/primary';
import { WORKER_INDEX_VARIABLE } from './cluster/messages';
import { answerPrimary } from './cluster/worker';
import { loadConfig, type VaultConfig } from './config';
import { ConfigError } from './errors';
import { buildApp } from './http/app';
import { listenOnEvery } from './http/listeners';
import { stopServing } from './http/stop-serving';
import { listenOrSay, MAIN_LISTENER, OPS_LISTENER } from './listen-errors';
import { applyRuntimeV8Flags } from './v8-runtime-flags';

/**
 * Starts the vault: reads the environment, then either serves as one process (VAULT_WORKERS=1,
 * the default) or, with more workers, becomes their primary; each worker comes back here and serves.
 */
async function main(): Promise<void> {
  const v8Flags = applyRuntimeV8Flags();
  const config = await withPortChosen(loadConfig());
  // A worker of ours carries its slot; a process run by another cluster manager serves on its own.
  const workerIndex = cluster.isWorker ? Number(process.env[WORKER_INDEX_VARIABLE]) || undefined : undefined;
  if (config.workers > 1 && cluster.isPrimary) await runPrimary(config, __filename);
  else await serve(config, workerIndex, v8Flags);
}

/**
 * VAULT_PORT=0 asks for any free port. Without VAULT_PUBLIC_URL the links' base is built from the
 * port, so the port is chosen here, before anything is built from it (links of port 0 reach no one);
 * workers inherit it through the environment, and `localhost`'s every address gets the same one.
 */
async function withPortChosen(config: VaultConfig): Promise<VaultConfig> {
  if (config.port !== 0 || process.env.VAULT_PUBLIC_URL || !cluster.isPrimary) return config;
  const port = await listenOrSay(() => freePort(config.host), config.host, 0, MAIN_LISTENER);
  process.env.VAULT_PORT = String(port);
  return loadConfig();
}

/** A port free on `host` now: the system's choice, released at once for the vault to take. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject).listen({ host, port: 0 }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * One vault process: opens storage, listens, and shuts down cleanly. As worker `workerIndex` of a
 * multi-worker vault it leaves the operations listener to the primary and answers its questions,
 * and only worker 1 runs the background jobs (expiry sweep, purge, audit checkpoints and sink).
 */
async function serve(config: VaultConfig, workerIndex: number | undefined, v8Flags: string[]): Promise<void> {
  const app = await buildApp(config, {
    jobs: workerIndex === undefined || workerIndex === 1,
    logBindings: workerIndex === undefined ? undefined : { worker: workerIndex, pid: process.pid },
  });
  await listenOrSay(() => listenOnEvery(app, config.host, config.port), config.host, config.port, MAIN_LISTENER);
  if (workerIndex === undefined)
    await listenOrSay(
      () => listenOnEvery(app.ops, config.opsHost, config.opsPort),
      config.opsHost,
      config.opsPort,
      OPS_LISTENER,
    );
  else answerPrimary(app);
  app.log.info(
    {
      publicUrl: config.publicUrl,
      ops: app.ops.addresses()[0],
      storage: app.vault.storage.kind,
      ephemeral: app.vault.ephemeral.kind,
      v8Flags,
    },
    workerIndex === undefined ? 'vault listening' : 'vault worker listening',
  );

  // Stop taking connections, give open ones a last call, let in-flight requests finish, stop the
  // jobs, close the database and Redis (stopServing); a stop that hangs ends after the bound.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    app.log.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'vault stopping');
    const bound = setTimeout(() => {
      app.log.error({ graceSeconds: config.shutdownGraceSeconds }, 'vault did not stop in time; exiting anyway');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000);
    bound.unref();
    stopServing(app).then(
      () => {
        app.log.info({ ms: Date.now() - started }, 'vault stopped');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'vault stopped with an error');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
}

// Bad configuration, read or found at start-up (a port taken, an address not this machine's): exit 2.
main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`vault: configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(`vault: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
