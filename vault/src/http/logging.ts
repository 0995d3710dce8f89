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
  return pino(
    {
      level,
      // `bindings`: which process of a multi-worker vault wrote the line ({ worker, pid }).
      base: { service: 'idv-vault', ...bindings },
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
