import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs that cannot carry a secret: requests are logged by route pattern (never the URL, which
 * holds an OTK on visitor routes), never with headers or bodies, and known secret-bearing keys are
 * censored wherever they appear.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  bindings: Record<string, string | number> = {},
): Logger {
  return createLoggers(level, destination, bindings).logger;
}

/**
 * The vault's logger, and beside it the access log for the one line per request: the same stream,
 * level and fields, without the redaction pass. That line's fields are fixed scalars (method, route
 * pattern, status, time, request id), so there is nothing to censor, and censoring cost as much as
 * the rest of a small request's logging.
 */
export function createLoggers(
  level: string,
  destination?: DestinationStream,
  bindings: Record<string, string | number> = {},
): { logger: Logger; logAccess: (line: AccessLine) => void } {
  // `bindings`: which process of a multi-worker vault wrote the line ({ worker, pid }).
  const base = { service: 'idv-vault', ...bindings };
  const logger = pino(
    {
      level,
      base,
      redact: {
        paths: [
          'otk',
          '*.otk',
          'apiKey',
          '*.apiKey',
          'values',
          '*.values',
          'authorization',
          '*.authorization',
          'headers',
          '*.headers',
          'body',
          '*.body',
          'url',
          '*.url',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method?: string; id?: string }) => ({ method: req.method, id: req.id }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: safeError,
      },
    },
    destination,
  );
  // The stream pino opened (stdout) when none was given, so both write through one buffer.
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  const access = pino({ level, base }, stream);
  // Typed fields only: nothing but an AccessLine reaches the unredacted logger.
  return { logger, logAccess: (line) => access.info(line, 'request') };
}

/** The access line for one finished request. */
export interface AccessLine {
  reqId: string;
  method: string;
  route: string;
  statusCode: number;
  ms: number;
}

/** An error for the log: type, code and stack frames, and the message only where it holds no input. */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  // JSON.parse and friends quote the input they choked on; those messages stay out.
  const message = err instanceof SyntaxError ? '[withheld]' : err.message;
  const frames = (err.stack ?? '')
    .split('\n')
    .slice(1, 6)
    .map((line) => line.trim());
  return { type: err.name, code: typeof code === 'string' ? code : undefined, message, stack: frames };
}
