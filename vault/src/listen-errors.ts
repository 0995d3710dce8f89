import { ConfigError } from './errors';

/** Which variables set the address a listener takes: the main port's, or the operations port's. */
export interface ListenVariables {
  host: string;
  port: string;
}

export const MAIN_LISTENER: ListenVariables = { host: 'VAULT_HOST', port: 'VAULT_PORT' };
export const OPS_LISTENER: ListenVariables = { host: 'VAULT_OPS_HOST', port: 'VAULT_OPS_PORT' };

/**
 * Runs `listen`, and says a refused address as a configuration error naming the variable to change:
 * node's own "listen EADDRINUSE: address already in use" names neither the variable nor what to do.
 */
export async function listenOrSay<T>(
  listen: () => Promise<T>,
  host: string,
  port: number,
  variables: ListenVariables,
): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const said = listenRefusal((error as NodeJS.ErrnoException).code, host, port, variables);
    throw said ?? error;
  }
}

function listenRefusal(
  code: string | undefined,
  host: string,
  port: number,
  variables: ListenVariables,
): ConfigError | undefined {
  switch (code) {
    case 'EADDRINUSE':
      return new ConfigError(
        variables.port,
        `${host}:${port} is already in use: stop what listens there, or choose another port.`,
      );
    case 'EACCES':
      return new ConfigError(
        variables.port,
        `this user may not listen on port ${port} (ports below 1024 need privileges): choose a port above 1023.`,
      );
    case 'EADDRNOTAVAIL':
      return new ConfigError(variables.host, `${host} is not an address of this machine.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(variables.host, `${host} does not resolve to an address.`);
    default:
      return undefined;
  }
}
