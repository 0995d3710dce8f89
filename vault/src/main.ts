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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'vault stopping');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? `configuration error: ${error.message}`
      : `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`vault: ${message}`);
  process.exit(1);
});
