import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { DestinationStream, Logger } from 'pino';
import type { VaultConfig } from '../config';
import { LIMITS } from '../contract/limits';
import { VaultError } from '../errors';
import { openVault, type Vault } from '../open-vault';
import type { Clock } from '../service/clock';
import type { DoorbellOptions } from '../service/doorbell';
import { startJobs } from '../service/jobs';
import { apiRoutes } from './api-routes';
import { compressedBodyRefused, errorBody, toVaultError, type RouteSchema } from './errors';
import { capPipelining, MAX_PIPELINED } from './pipelining';
import { isStopping } from './stop-serving';
import { requestsUnderWayOn } from './connections';
import { closeMoreServers, guardedServerFactory, moreServersClosed, type ServerGuards } from './listeners';
import { answerNodeOwnRefusals, clientErrorHandler, frameworkErrors, type RawAnswerSeen } from './framework-errors';
import { hasBody, parseBodies } from './bodies';
import { createLoggers, lazyRequestLogger, noteRefusal, refusalOf, type AccessLine } from './logging';
import { VaultMetrics } from './metrics';
import { healthRoutes, opsRoutes, vaultOpsSource, type OpsSource } from './ops-routes';
import { AuthFailureLimiter, rateLimitRedis, sharedLimitStore, skipOnError } from './rate-limit-store';
import { trackRouteMethods, type RouteMethods } from './route-methods';
import { securityHeaders } from './security-headers';
import { viewerRoutes } from './viewer-routes';
import { notice, visitorRoutes } from './visitor-routes';

declare module 'fastify' {
  interface FastifyInstance {
    vault: Vault;
    metrics: VaultMetrics;
    /** The operations listener (/metrics, /readyz, /healthz): `main` listens on VAULT_OPS_HOST:VAULT_OPS_PORT. */
    ops: FastifyInstance;
  }
  interface FastifyContextConfig {
    /** Errors on this route render the visitor's HTML page instead of JSON. */
    visitorPage?: boolean;
  }
}

export interface BuildOptions {
  /** Where log lines go (stdout by default); tests capture them to scan for secrets. */
  logStream?: DestinationStream;
  clock?: Clock;
  doorbell?: Partial<Omit<DoorbellOptions, 'log'>>;
  /** Run the expiry sweep and retention purge on timers (main does; tests call them directly). */
  jobs?: boolean;
  /** Registered on the app and the ops app before their routes: the OpenAPI generator's @fastify/swagger. */
  beforeRoutes?: (app: FastifyInstance) => Promise<void>;
  /** Fields on every log line: a worker of a multi-worker vault says which it is ({ worker, pid }). */
  logBindings?: Record<string, string | number>;
}

/** The largest body most routes take; the two that carry a whole form take LARGE_BODY_LIMIT. */
const BODY_LIMIT = 64 * 1024;

/** Builds the vault's HTTP app on `config` without listening: `main` listens, tests `inject()`. */
export async function buildApp(config: VaultConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { logger, logAccess } = createLoggers(config.logLevel, options.logStream, options.logBindings);
  const { vault, metrics } = await openMeteredVault(config, options, logger);
  const headers = securityHeaders(config.publicHttps);
  const app = createServer(config, logger as FastifyBaseLogger, headers, rawAnswerSeen(logger, metrics));
  app.decorate('vault', vault);
  app.decorate('metrics', metrics);
  const ops = await buildOpsApp(
    logger as FastifyBaseLogger,
    headers,
    vaultOpsSource(vault, metrics),
    options.beforeRoutes,
  );
  app.decorate('ops', ops);
  observeResponses(app, headers, metrics, logAccess);
  const routeMethods = answerErrors(app, config.publicPath);
  refuseWhileClosing(app, config.publicPath);
  refuseUnreadableRequests(app);

  if (options.beforeRoutes) await options.beforeRoutes(app);
  const sharedLimits = await registerRoutes(app, config, vault, routeMethods);

  const stopJobs = options.jobs ? startJobs(vault, config, logger) : async () => undefined;
  app.addHook('onClose', async () => {
    // Fastify waited for its own server's requests; those on the other localhost address go on.
    await moreServersClosed(app);
    await stopJobs();
    // Sign the head on the way out, so the last minute's entries are anchored in the log too.
    if (options.jobs)
      await vault.audit.checkpoint().catch((error: unknown) => logger.warn({ err: error }, 'audit checkpoint failed'));
    if (options.jobs && vault.auditSink)
      await vault.auditSink.flush().catch((error: unknown) => logger.warn({ err: error }, 'audit sink failed'));
    await ops.close();
    sharedLimits?.client.disconnect();
    await vault.close();
  });
  return app;
}

/** Opens the vault with its doorbell, OTK and crypto events counted in the metrics. */
async function openMeteredVault(
  config: VaultConfig,
  options: BuildOptions,
  logger: Logger,
): Promise<{ vault: Vault; metrics: VaultMetrics }> {
  // The metrics need the opened vault (its ephemeral count); events fire only after both exist.
  let metrics: VaultMetrics | undefined;
  const vault = await openVault(config, {
    logger,
    clock: options.clock,
    doorbell: {
      ...options.doorbell,
      onOutcome: (outcome) => metrics?.doorbells.inc({ outcome }),
    },
    events: {
      otk: (purpose, outcome) => metrics?.otkOutcomes.inc({ purpose, outcome }),
      crypto: (operation, seconds) => metrics?.cryptoDuration.observe({ operation }, seconds),
    },
  });
  metrics = new VaultMetrics(
    () => vault.ephemeral.count(),
    async () => (await vault.auditSink?.status()) ?? [],
    () => vault.doorbell.backlog,
  );
  return { vault, metrics };
}

function createServer(
  config: VaultConfig,
  logger: FastifyBaseLogger,
  headers: Record<string, string>,
  seen: RawAnswerSeen,
): FastifyInstance {
  const hops = config.trustProxy;
  const guards = serverGuards(logger, headers, seen);
  const app = Fastify({
    serverFactory: guardedServerFactory(guards),
    loggerInstance: logger,
    // Our own onResponse line logs the route pattern; Fastify's would log the URL, which holds OTKs.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: BODY_LIMIT,
    // Fastify's default, 100 characters, refused a room id the contract allows (128 code points) on
    // the routes that carry it in the path, with a 414. Paths hold it percent-encoded: up to 12
    // characters for one code point outside the BMP (%F0%9F%98%80). An OTK (256 ASCII) fits too.
    // A trailing or doubled slash (a base URL set with one) finds its route instead of a 404.
    routerOptions: { maxParamLength: LIMITS.opaqueId * 12, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // Fastify's default, 0, turns node's bound off: a body sent a byte at a time held a connection,
    // and a descriptor, for as long as its sender liked. Node enforces it only when the headers'
    // own timeout (60 s unless set) is no longer, and looks every interval: a slow request ends
    // within a fifth over its time.
    requestTimeout: config.requestTimeoutSeconds * 1000,
    http: {
      // A request without Host is refused in our shape (refuseUnreadableRequests), not Node's bare 400.
      requireHostHeader: false,
      headersTimeout: config.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: config.requestTimeoutSeconds * 200,
    },
    // A hop count as a function: Fastify's types take no number, and proxy-addr counts hops this way.
    trustProxy: typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops,
    // Our own 503 while closing (refuseWhileClosing): Fastify's has neither our error shape nor a retry hint.
    return503OnClosing: false,
    frameworkErrors: frameworkErrors(headers, config.publicPath),
    clientErrorHandler: guards.clientError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  app.addHook('preClose', (done) => {
    closeMoreServers(app);
    done();
  });
  return app;
}

/** What every Node server under the main and operations apps carries (listeners.ts). */
function serverGuards(logger: FastifyBaseLogger, headers: Record<string, string>, seen: RawAnswerSeen): ServerGuards {
  return {
    guard: (server) => {
      answerNodeOwnRefusals(server, headers, seen);
      capPipelining(server, () => logger.info({ max: MAX_PIPELINED }, 'connection cut: too many pipelined requests'));
    },
    clientError: clientErrorHandler(headers, seen),
  };
}

/**
 * An answer written on the raw socket, before a route could answer (framework-errors.ts): logged, and
 * counted under the route "unparsed", so slow or malformed clients show in the log and the metrics.
 */
function rawAnswerSeen(logger: Pick<Logger, 'info'>, metrics?: VaultMetrics): RawAnswerSeen {
  return (statusCode, code) => {
    metrics?.observeRequest('-', 'unparsed', statusCode, 0);
    logger.info({ statusCode, code }, 'answered on the socket');
  };
}

/** Security headers on every answer; one access line and the HTTP metrics per request, by route pattern. */
function observeResponses(
  app: FastifyInstance,
  headers: Record<string, string>,
  metrics: VaultMetrics,
  logAccess: (line: AccessLine) => void,
): void {
  // Callback hooks: an async one costs a promise and a microtask on every request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(headers);
    // An answer before the body was read (a refused key, say) closes the connection: Node would
    // read on for the rest of the body, and one that never came got a second answer, a 408.
    if (hasBody(request) && !request.raw.complete) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    logAccess({
      reqId: request.id,
      method: request.method,
      route,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      code: refusalOf(request),
    });
    done();
  });
}

/**
 * Every failure and unknown route as an error body, or as the visitor's HTML page on their routes;
 * a known path asked with a method it does not take, as 405 with the methods it does.
 */
function answerErrors(app: FastifyInstance, base: string): RouteMethods {
  app.setErrorHandler(async (error, request, reply) => {
    // The visitor's pages also take form posts; the API takes only JSON.
    const formPost = request.routeOptions.config?.visitorPage === true;
    const vaultError = toVaultError(
      error,
      request.headers['content-type'],
      formPost,
      request.routeOptions.schema as RouteSchema | undefined,
    );
    if (vaultError.status >= 500) request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return sendError(request, reply, vaultError, base);
  });
  const routes = trackRouteMethods(app);
  app.setNotFoundHandler(async (request, reply) => {
    const isVisitorPath = /^\/(f|done)(\/|$)/.test(request.url);
    const allowed = routes.allowedOn(request.url);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      const refusal = new VaultError('method_not_allowed', `Use ${allowed.join(' or ')} here.`);
      return sendError(request, reply, refusal, base, isVisitorPath);
    }
    return sendError(
      request,
      reply,
      new VaultError('not_found', isVisitorPath ? 'This link is no longer valid.' : 'No such route.'),
      base,
      isVisitorPath,
    );
  });
  return routes;
}

/**
 * Once the vault begins to stop (stopServing, or close), a request still arriving on an open
 * keep-alive connection is refused with our 503 and a retry hint, and the connection closes after
 * it: nothing new starts, so the stop's grace period is spent finishing what was under way.
 * Requests already past this hook run to the end, and the last on its connection closes it.
 */
function refuseWhileClosing(app: FastifyInstance, base: string): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing && !isStopping(app)) return done();
    request.log.info({ route: request.routeOptions.url }, 'request refused: the vault is stopping');
    reply.header('retry-after', '1');
    // Fastify closes the connection only once its own close began, and Node only after a body it did
    // not read: a bodiless request on it would keep it open for the next one to meet a cut.
    reply.header('connection', 'close');
    sendError(request, reply, new VaultError('unavailable', 'The vault is stopping; try again in a moment.'), base);
  });
  // The last answer under way on a connection closes it: its client's next request goes to a new
  // connection (refused: nothing sent) instead of this one, cut once idle.
  app.addHook('onSend', (request, reply, _payload, done) => {
    if ((closing || isStopping(app)) && requestsUnderWayOn(request.raw.socket) <= 1)
      reply.header('connection', 'close');
    done();
  });
}

/**
 * A request the vault would read other than as sent is refused before parsing, in our error shape:
 * - one without a Host header, which HTTP/1.1 requires (Node's own refusal was a bare 400);
 * - a compressed body (Content-Encoding gzip, br…), with a message that names the encoding: read as
 *   JSON it failed as "not valid JSON", which sent the caller looking at the wrong thing;
 * - a body with two Content-Types: Node keeps the first, and a proxy before the vault may have read
 *   the other; so with two Host headers, and a Transfer-Encoding other than one `chunked` (a proxy
 *   that read `identity, chunked` otherwise would see another body: request smuggling);
 * - a request line without a version (HTTP/0.9), or one Node reads as another version.
 * Either body header on a request without a body changes nothing, and is let be.
 */
function refuseUnreadableRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => done(unreadable(request)));
}

function unreadable(request: FastifyRequest): VaultError | undefined {
  const { httpVersion, rawHeaders } = request.raw;
  if (httpVersion !== '1.1' && httpVersion !== '1.0')
    return new VaultError('bad_request', 'The vault speaks HTTP/1.0 and HTTP/1.1 only.');
  if (request.headers.host === undefined && httpVersion === '1.1')
    return new VaultError('bad_request', 'The request has no Host header: HTTP/1.1 requires one.');
  if (headerCount(rawHeaders, 'host') > 1)
    return new VaultError('bad_request', 'The request has more than one Host header: send one.');
  const transfer = request.headers['transfer-encoding'];
  if (transfer !== undefined && (headerCount(rawHeaders, 'transfer-encoding') > 1 || !/^chunked$/i.test(transfer)))
    return new VaultError('bad_request', 'Transfer-Encoding may only be chunked, in one header.');
  if (!hasBody(request)) return undefined;
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && !/^\s*identity\s*$/i.test(encoding))
    return new VaultError('bad_request', compressedBodyRefused(encoding));
  if (headerCount(rawHeaders, 'content-type') > 1)
    return new VaultError('bad_request', 'The request has more than one Content-Type: send one.');
  return undefined;
}

/** How many times the header `name` (lowercase) was sent. */
function headerCount(rawHeaders: string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) count += 1;
  return count;
}

/** Body parsing, rate limits (shared through Redis when configured) and the routes. */
async function registerRoutes(
  app: FastifyInstance,
  config: VaultConfig,
  vault: Vault,
  routeMethods: RouteMethods,
): Promise<Awaited<ReturnType<typeof rateLimitRedis>> | undefined> {
  parseBodies(app);
  const sharedLimits = config.redisUrl ? await rateLimitRedis(config.redisUrl) : undefined;
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    ...(sharedLimits ? { store: sharedLimitStore(sharedLimits.client, sharedLimits.nameSpace) } : {}),
    skipOnError: skipOnError(config.rateLimit.failOpen, false),
    // Only a refusal says when to come back (429 with retry-after and the limits): a page or answer
    // within the limit does not tell a scanner how many tries it has left.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: () => new VaultError('rate_limited', 'Too many requests; slow down and try again shortly.'),
  });
  await app.register(healthRoutes);
  await app.register(visitorRoutes, {
    vault,
    limits: {
      perLinkPerMinute: config.rateLimit.visitorPerMinute,
      perIpPerMinute: config.rateLimit.visitorIpPerMinute,
      // The visitor routes open and use links: while the counters are unreachable they refuse unless told otherwise.
      skipOnError: skipOnError(config.rateLimit.failOpen, true),
    },
  });
  const authFailures = new AuthFailureLimiter(
    config.rateLimit.authFailuresPerMinute,
    config.rateLimit.failOpen !== 'none',
    sharedLimits,
  );
  await app.register(viewerRoutes, {
    prefix: '/v',
    vault,
    perMinute: config.rateLimit.viewerPerMinute,
    failOpen: config.rateLimit.failOpen,
    routeMethods,
    publicHost: new URL(config.publicUrl).host,
  });
  await app.register(apiRoutes, { prefix: '/v1', vault, limits: config.rateLimit, authFailures });
  return sharedLimits;
}

/**
 * The operations listener: its own small Fastify app, so nothing on it is reachable from the main
 * port. `source` is one vault's state, or a multi-worker primary's summary of its workers.
 */
export async function buildOpsApp(
  logger: FastifyBaseLogger,
  headers: Record<string, string>,
  source: OpsSource,
  beforeRoutes?: (app: FastifyInstance) => Promise<void>,
): Promise<FastifyInstance> {
  const guards = serverGuards(logger, headers, rawAnswerSeen(logger));
  const ops = Fastify({
    serverFactory: guardedServerFactory(guards),
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // No page is served here: a link's page would be wrong on this port anyway.
    frameworkErrors: frameworkErrors(headers, ''),
    clientErrorHandler: guards.clientError,
  });
  ops.addHook('preClose', (done) => {
    closeMoreServers(ops);
    done();
  });
  // /readyz reads the storage, which the vault closes once ops.close() has resolved.
  ops.addHook('onClose', async () => moreServersClosed(ops));
  ops.addHook('onSend', async (request, reply) => {
    reply.headers(headers);
  });
  ops.setErrorHandler(async (error, request, reply) => {
    const vaultError = toVaultError(error);
    if (vaultError.status >= 500)
      request.log.error({ err: error, route: request.routeOptions.url }, 'ops request failed');
    return reply.code(vaultError.status).send(errorBody(vaultError));
  });
  const routes = trackRouteMethods(ops);
  ops.setNotFoundHandler(async (request, reply) => {
    const allowed = routes.allowedOn(request.url);
    if (allowed.length === 0) return reply.code(404).send(errorBody(new VaultError('not_found', 'No such route.')));
    reply.header('allow', allowed.join(', '));
    return reply.code(405).send(errorBody(new VaultError('method_not_allowed', `Use ${allowed.join(' or ')} here.`)));
  });
  if (beforeRoutes) await beforeRoutes(ops);
  await ops.register(opsRoutes, { source });
  return ops;
}

/** `base`: the path the visitor page's URLs start with (VaultConfig.publicPath). */
function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: VaultError,
  base: string,
  htmlPage = false,
): FastifyReply {
  noteRefusal(request, error.code);
  reply.code(error.status);
  const isPage = htmlPage || request.routeOptions.config?.visitorPage === true;
  if (
    isPage &&
    !/^application\/json/i.test(request.headers['content-type'] ?? '') &&
    !/application\/json/i.test(request.headers.accept ?? '')
  ) {
    const kind = error.code === 'rate_limited' ? 'rate_limited' : error.status === 404 ? 'link_invalid' : 'error';
    return notice(request, reply, kind, base);
  }
  return reply.send(errorBody(error));
}
