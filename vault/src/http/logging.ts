import type { FastifyBaseLogger } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';

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
 * pattern, status, time, request id), so there is nothing to censor; it is written as pino would
 * write it, built here because going through pino cost a page request about 5 % of its CPU.
 */
export function createLoggers(
  level: string,
  destination: DestinationStream = stdoutPerTurn(),
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
  const info = pino.levels.values.info;
  const baseFields = JSON.stringify(base).slice(1, -1);
  // Typed fields only, each through JSON.stringify: nothing but an AccessLine reaches this line.
  const logAccess = (line: AccessLine): void => {
    if (logger.levelVal > info) return;
    destination.write(
      `{"level":${info},"time":${Date.now()},${baseFields},"reqId":${JSON.stringify(line.reqId)},` +
        `"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},` +
        `"statusCode":${JSON.stringify(line.statusCode)},"ms":${JSON.stringify(line.ms)},` +
        `${line.code === undefined ? '' : `"code":${JSON.stringify(line.code)},`}"msg":"request"}\n`,
    );
  };
  return { logger, logAccess };
}

let stdout: DestinationStream | undefined;

/**
 * stdout, written once per event-loop turn: the lines of one turn leave in one write. pino's default
 * stream hands every line to libuv's thread pool as it comes; that hand-off, with the access line
 * built by pino, cost a page request 82.5 µs of CPU against 69.5 now (BENCHMARKS.md). A line still
 * waiting when the process exits is written by the 'exit' listener; sonic-boom, pino's own writer,
 * does the writing (partial writes, EAGAIN).
 */
export function stdoutPerTurn(): DestinationStream {
  if (!stdout) {
    const writer = linesPerTurn(pino.destination({ dest: 1, sync: true }));
    process.on('exit', () => writer.flush());
    stdout = writer;
  }
  return stdout;
}

/**
 * Collects the lines written in one event-loop turn and hands them to `sink` as one string after it.
 * `flush(done)` writes them at once, as pino's `logger.flush(done)` expects of a stream.
 */
export function linesPerTurn(sink: { write(text: string): unknown }): DestinationStream & {
  flush(done?: () => void): void;
} {
  let pending: string[] = [];
  const flush = (done?: () => void): void => {
    if (pending.length > 0) {
      const text = pending.join('');
      pending = [];
      sink.write(text);
    }
    done?.();
  };
  return {
    write: (line: string) => {
      if (pending.push(line) === 1) setImmediate(flush);
    },
    flush,
  };
}

/** The access line for one finished request. */
export interface AccessLine {
  reqId: string;
  method: string;
  route: string;
  statusCode: number;
  ms: number;
  /** A refused request's error code (noteRefusal). */
  code?: string;
}

const refusals = new WeakMap<object, string>();

/**
 * A request refused with a 4xx: its error code goes on its access line. A line of its own as well
 * doubled the log of a flood of bad requests (3.5 MB/s from one client sending random OTKs).
 */
export function noteRefusal(request: object, code: string): void {
  refusals.set(request, code);
}

/** The code noteRefusal kept for this request, if it was refused. */
export function refusalOf(request: object): string | undefined {
  return refusals.get(request);
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

type LogMethod = (...args: unknown[]) => void;
type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's `childLoggerFactory`: a request's logger that becomes pino's child only when the request
 * logs something at its level. pino's child() runs its bindings through the redaction pass, which
 * cost every request 2–3 KB of garbage (`bench/allocation.js`), and most requests log nothing but
 * the access line, which does not go through it.
 */
export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings, options);
}

class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }

  error(...args: unknown[]): void {
    this.log('error', args);
  }

  warn(...args: unknown[]): void {
    this.log('warn', args);
  }

  info(...args: unknown[]): void {
    this.log('info', args);
  }

  debug(...args: unknown[]): void {
    this.log('debug', args);
  }

  trace(...args: unknown[]): void {
    this.log('trace', args);
  }

  silent(): void {}

  /** A line below the level (or at `silent`, which pino's values lack) makes no child. */
  private log(method: LevelName, args: unknown[]): void {
    if (!this.made && !(pino.levels.values[method] >= (pino.levels.values[this.level] ?? Infinity))) return;
    (this.real[method] as LogMethod).apply(this.real, args);
  }
}
