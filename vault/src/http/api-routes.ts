import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {
  ClaimableEvent,
  CloseSessionBody,
  CompliancePosture,
  CreateRequestBody,
  CreateViewerBody,
  DetokenizeBody,
  MintOtkBody,
  RelaySendBody,
  VisitorDataBody,
} from '../contract';
import { VaultError } from '../errors';
import type { Vault } from '../open-vault';
import type { Site } from '../service/sites';
import type { VisitorSelector } from '../service/visitor-data';
import type { FailOpen } from '../config';
import { jsonBodyRequired } from './errors';
import { hasBody, LARGE_BODY_LIMIT } from './bodies';
import { skipOnError, type AuthFailureLimiter } from './rate-limit-store';
import { responses } from './response-schemas';
import {
  claimEventSchema,
  closeSessionSchema,
  createRequestSchema,
  createViewerSchema,
  detokenizeSchema,
  mintOtkSchema,
  relaySendSchema,
  requestIdParams,
  roomParams,
  visitorDataSchema,
} from './schemas';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated site, set by the API's auth hook. */
    site?: Site;
  }
}

export interface ApiRateLimits {
  otkPerMinute: number;
  apiPerMinute: number;
  failOpen: FailOpen;
}

/** The schema lets exactly one of the two through. */
function selectorOf(body: VisitorDataBody): VisitorSelector {
  return body.visitorToken !== undefined ? { visitorToken: body.visitorToken } : { roomId: body.roomId ?? '' };
}

function siteOf(request: FastifyRequest): Site {
  if (!request.site) throw new Error('API route reached without authentication');
  return request.site;
}

/** App → vault routes under /v1, every one behind the site's API key. */
export async function apiRoutes(
  app: FastifyInstance,
  opts: { vault: Vault; limits: ApiRateLimits; authFailures: AuthFailureLimiter },
): Promise<void> {
  const { vault, limits, authFailures } = opts;
  const perSite = (request: FastifyRequest) => request.site?.siteId ?? request.ip;
  const apiLimit = { rateLimit: { max: limits.apiPerMinute, timeWindow: 60_000, keyGenerator: perSite } };
  const otkLimit = {
    rateLimit: {
      max: limits.otkPerMinute,
      timeWindow: 60_000,
      keyGenerator: perSite,
      skipOnError: skipOnError(limits.failOpen, true),
    },
  };

  app.decorateRequest('site', undefined);
  app.addHook('onRequest', async (request, reply) => {
    // Failed keys are counted per IP before the key is checked (the route limits run after auth).
    try {
      await authFailures.check(request.ip);
    } catch (refusal) {
      // Its window is a minute, counted from the first failure: an upper bound, as every 429 has one.
      if (refusal instanceof VaultError && refusal.code === 'rate_limited') reply.header('retry-after', '60');
      throw refusal;
    }
    // Node keeps the first of several Authorization headers: which one counts must not be a guess.
    if (countHeader(request.raw.rawHeaders, 'authorization') > 1)
      throw new VaultError('bad_request', 'Send one Authorization header.');
    try {
      request.site = await vault.sites.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof VaultError && error.code === 'unauthorized') await authFailures.fail(request.ip);
      throw error;
    }
    // The app names its site too: a key pasted into the wrong workspace's settings is caught here.
    const named = request.headers['x-vault-site-id'];
    if (typeof named === 'string' && named !== '' && named !== request.site.siteId) {
      throw new VaultError('forbidden', 'The API key does not belong to the site named in X-Vault-Site-Id.');
    }
  });

  // Before the schema. A callback hook: an async one costs a promise on every API request.
  app.addHook('preValidation', (request, reply, done) => {
    // UUIDs are case-insensitive (RFC 9562): the vault makes and stores them in lowercase.
    const params = request.params as { id?: unknown };
    if (typeof params.id === 'string') params.id = params.id.toLowerCase();
    // Every API POST takes a JSON body. Other media types would parse (a form, plain text) and then
    // fail the schema with a message about the body's shape instead of its type.
    if (request.method !== 'POST' || !hasBody(request)) return done();
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json')
      return done(new VaultError('bad_request', jsonBodyRequired(request.headers['content-type'])));
    done();
  });

  app.post<{ Body: CreateRequestBody }>(
    '/requests',
    // A whole form's definition: read only once the key was checked (onRequest, above).
    { bodyLimit: LARGE_BODY_LIMIT, schema: { ...createRequestSchema, ...responses.createRequest }, config: apiLimit },
    async (request, reply) => {
      reply.code(201);
      return vault.requests.create(siteOf(request), request.body);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/requests/:id',
    { schema: { params: requestIdParams, ...responses.requestState }, config: apiLimit },
    async (request) => vault.requests.state(siteOf(request), request.params.id),
  );

  app.get<{ Params: { roomId: string } }>(
    '/rooms/:roomId/requests',
    { schema: { params: roomParams, ...responses.roomRequests }, config: apiLimit },
    async (request) => vault.requests.listRoom(siteOf(request), request.params.roomId),
  );

  app.post<{ Params: { id: string; event: ClaimableEvent } }>(
    '/requests/:id/events/:event/claim',
    { schema: { ...claimEventSchema, ...responses.claimEvent }, config: apiLimit },
    async (request, reply) => {
      reply.code(201);
      return vault.requests.claimEvent(siteOf(request), request.params.id, request.params.event);
    },
  );

  app.post<{ Params: { id: string }; Body: MintOtkBody }>(
    '/requests/:id/otk',
    { schema: { ...mintOtkSchema, ...responses.mintOtk }, config: otkLimit },
    async (request, reply) => {
      reply.code(201);
      return vault.requests.mintDetokenizeOtk(siteOf(request), request.params.id, request.body.agentId);
    },
  );

  app.post<{ Params: { id: string }; Body: RelaySendBody }>(
    '/requests/:id/relay',
    { schema: { ...relaySendSchema, ...responses.relaySend }, config: otkLimit },
    async (request) =>
      vault.relays.send(siteOf(request), request.params.id, request.body.agentId, request.body.params ?? {}),
  );

  app.post<{ Params: { id: string }; Body: CreateViewerBody }>(
    '/requests/:id/viewer',
    { schema: { ...createViewerSchema, ...responses.createViewer }, config: otkLimit },
    async (request, reply) => {
      reply.code(201);
      return vault.viewer.mint(siteOf(request), request.params.id, request.body);
    },
  );

  app.post<{ Body: DetokenizeBody }>(
    '/detokenize',
    { schema: { ...detokenizeSchema, ...responses.detokenize }, config: otkLimit },
    async (request) => vault.requests.detokenize(siteOf(request), request.body.otk, request.body.agentId),
  );

  app.post<{ Body: CloseSessionBody }>(
    '/sessions/close',
    { schema: { ...closeSessionSchema, ...responses.closeSession }, config: apiLimit },
    async (request, reply) => {
      await vault.requests.closeSession(siteOf(request), request.body.roomId);
      reply.code(204).send();
    },
  );

  app.post<{ Body: VisitorDataBody }>(
    '/visitors/erase',
    { schema: { ...visitorDataSchema, ...responses.eraseVisitor }, config: apiLimit },
    async (request) => {
      const site = siteOf(request);
      return vault.visitorData.erase(site.siteId, selectorOf(request.body), `admin:${request.body.adminId}`);
    },
  );

  app.post<{ Body: VisitorDataBody }>(
    '/visitors/export',
    { schema: { ...visitorDataSchema, ...responses.exportVisitor }, config: apiLimit },
    async (request) => {
      const site = siteOf(request);
      return vault.visitorData.export(site.siteId, selectorOf(request.body), `admin:${request.body.adminId}`, {
        withValues: false,
      });
    },
  );

  app.get(
    '/compliance',
    { schema: { ...responses.compliance }, config: apiLimit },
    async (): Promise<CompliancePosture> => {
      const { config } = vault;
      return {
        auditRetentionDays: config.auditRetentionDays,
        retentionDays: config.retentionDays,
        auditSink: { file: Boolean(config.auditSink.file), syslog: Boolean(config.auditSink.syslog) },
        publicUrlHttps: config.publicHttps,
      };
    },
  );
}

/** How often a header was sent, whatever its case (rawHeaders holds name, value, name, value …). */
function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) count += 1;
  return count;
}
