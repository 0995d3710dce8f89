import { loadConfig } from './config';
import { ConfigError } from './errors';
import { buildApp } from './http/app';

/** Starts the vault: reads the environment, opens storage, listens, and shuts down cleanly. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`vault: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const app = await buildApp(config, { jobs: true });
  await app.listen({ host: config.host, port: config.port });
  await app.ops.listen({ host: config.opsHost, port: config.opsPort });
  app.log.info(
    {
      publicUrl: config.publicUrl,
      ops: app.ops.addresses()[0],
      storage: app.vault.storage.kind,
      ephemeral: app.vault.ephemeral.kind,
    },
    'vault listening',
  );

  // Stop taking connections, let in-flight requests finish, stop the jobs, close the database and
  // Redis (Fastify's close runs the vault's onClose hook); a stop that hangs ends after the bound.
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
    // A keep-alive connection whose request was in flight at the signal becomes idle once answered;
    // Node closes idle connections only when close() starts, so keep closing them until done.
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    idle.unref();
    app.close().then(
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

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? `configuration error: ${error.message}`
      : `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`vault: ${message}`);
  process.exit(1);
});
