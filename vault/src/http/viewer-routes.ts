import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VaultError } from '../errors';
import type { Vault } from '../open-vault';
import { negotiateLocale } from '../pages/i18n';
import { renderViewerNotice, renderViewerPage, renderViewerStart, type ViewerNoticeKind } from '../pages/viewer-render';
import { isSessionOf, VIEWER_HANDLE_PATTERN, type BrowserInfo } from '../service/viewer';
import { pageCookieName, readCookie, setCookieValue } from './cookies';
import { toVaultError } from './errors';
import { noteRefusal, safeError } from './logging';
import { VIEWER_CONTENT_SECURITY_POLICY } from './security-headers';
import type { FailOpen } from '../config';
import type { RouteMethods } from './route-methods';
import { clientAddressKey } from './client-address';
import { skipOnError } from './rate-limit-store';
import { responses } from './response-schemas';

type OtkParams = { Params: { otk: string } };
type SessionParams = { Params: { handle: string } };

/** The session cookie: HttpOnly, SameSite=Strict, and scoped to one viewer's path. */
const VIEWER_COOKIE = 'viewer_session';

/** A session's handle, checked before it reaches a cookie's Path or a page's links. */
const handleParams = {
  params: {
    type: 'object',
    required: ['handle'],
    properties: { handle: { type: 'string', pattern: VIEWER_HANDLE_PATTERN } },
  },
} as const;

const revealSchema = {
  ...handleParams,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['fieldId', 'action'],
    properties: {
      fieldId: { type: 'string', minLength: 1, maxLength: 64 },
      action: { type: 'string', enum: ['reveal', 'copy'] },
    },
  },
} as const;

function localeOf(request: FastifyRequest): string {
  return negotiateLocale(undefined, request.headers['accept-language']);
}

function browserOf(request: FastifyRequest): BrowserInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

function wantsJson(request: FastifyRequest): boolean {
  return (
    /application\/json/i.test(request.headers.accept ?? '') ||
    /^application\/json/i.test(request.headers['content-type'] ?? '')
  );
}

/** `base`: the path the page's URLs start with (VaultConfig.publicPath). */
function notice(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: ViewerNoticeKind,
  status: number,
  base: string,
): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(renderViewerNotice(kind, localeOf(request), base));
}

/** Every dead link or session, whatever the reason: the same page (or JSON error) and status. */
function refused(request: FastifyRequest, reply: FastifyReply, base: string): FastifyReply {
  if (wantsJson(request)) {
    return reply.code(404).send({ error: { code: 'not_found', message: 'This view is no longer valid.' } });
  }
  return notice(request, reply, 'refused', 404, base);
}

/**
 * Whether a fetch's Origin, when the browser sends one, is the viewer page's own: the vault's public
 * host, or the host the request came to (a proxy may rewrite Host, or keep it). "null" is not.
 */
function fromOwnPage(request: FastifyRequest, publicHost: string): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host !== '' && (host === publicHost || host === request.headers.host);
}

/**
 * The agent's side of strict viewing, under /v: the start step behind a viewer link, the viewer
 * page of an opened session, its Reveal/Copy calls and its "hide". Rate-limited per open session,
 * else per client IP.
 */
export async function viewerRoutes(
  app: FastifyInstance,
  opts: {
    vault: Vault;
    perMinute: number;
    failOpen: FailOpen;
    routeMethods: RouteMethods;
    /** VAULT_PUBLIC_URL's host: the viewer page's own, as the agent's browser names it. */
    publicHost: string;
  },
): Promise<void> {
  const { vault } = opts;
  // Viewer routes hand out secrets: like the OTK routes, they run unlimited only under failOpen "all".
  const sessionSeconds = vault.config.ttl.viewerSessionSeconds;
  // Behind a proxy's prefix the browser's paths start with it: links, redirects and cookie paths too.
  const base = vault.config.publicPath;
  const secure = vault.config.publicHttps;
  const sessionCookie = { name: pageCookieName(VIEWER_COOKIE, secure), sameSite: 'Strict', secure } as const;
  const sessionToken = (request: FastifyRequest): string => readCookie(request, sessionCookie.name);
  // A contact centre's agents reach the vault from one public address: an open session's calls
  // count per session, so one agent's page cannot use up another's. Anything else (a link, a handle
  // without its cookie) counts per client IP, so guessing handles gains no budget.
  const limited = {
    rateLimit: {
      max: opts.perMinute,
      timeWindow: 60_000,
      skipOnError: skipOnError(opts.failOpen, true),
      keyGenerator: (request: FastifyRequest) => {
        const { handle } = request.params as { handle?: string };
        return handle !== undefined && isSessionOf(sessionToken(request), handle)
          ? `session:${handle}`
          : clientAddressKey(request.ip);
      },
    },
  };

  // A handle of the wrong shape is a dead session like any other (the same 404), not a 400 that
  // tells a prober the shape. The schema below still guards the cookie's Path and the openapi.
  const handleShape = new RegExp(VIEWER_HANDLE_PATTERN);
  app.addHook('preValidation', async (request: FastifyRequest<{ Params: Partial<SessionParams['Params']> }>, reply) => {
    const { handle } = request.params;
    if (handle !== undefined && !handleShape.test(handle)) return refused(request, reply, base);
  });

  app.setErrorHandler(async (error, request, reply) => {
    // A failure after a handler set the cookie must not send it (nor fail again on it).
    reply.removeHeader('set-cookie');
    const vaultError = toVaultError(error);
    if (vaultError.status >= 500)
      request.log.error({ err: safeError(error), route: request.routeOptions.url }, 'request failed');
    else noteRefusal(request, vaultError.code);
    if (wantsJson(request))
      return reply.code(vaultError.status).send({ error: { code: vaultError.code, message: vaultError.message } });
    const kind: ViewerNoticeKind =
      vaultError.code === 'rate_limited' ? 'rate_limited' : vaultError.status >= 500 ? 'error' : 'refused';
    return notice(request, reply, kind, vaultError.status === 404 ? 404 : vaultError.status, base);
  });
  // A known path asked with another method (a HEAD of a link, say): 405 with the methods it takes.
  app.setNotFoundHandler(async (request, reply) => {
    const allowed = opts.routeMethods.allowedOn(request.url);
    if (allowed.length === 0) return refused(request, reply, base);
    reply.header('allow', allowed.join(', '));
    if (wantsJson(request))
      return reply
        .code(405)
        .send({ error: { code: 'method_not_allowed', message: `Use ${allowed.join(' or ')} here.` } });
    return notice(request, reply, 'refused', 405, base);
  });
  // After the app-wide headers (registered before this plugin), so this policy wins on /v.
  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', VIEWER_CONTENT_SECURITY_POLICY);
  });

  // The start step: a link preview's GET (or HEAD) sees this page and uses nothing up.
  app.get<OtkParams>(
    '/:otk',
    { config: limited, exposeHeadRoute: false, schema: responses.viewerStart },
    async (request, reply) => {
      if (!(await vault.viewer.isLinkLive(request.params.otk))) return refused(request, reply, base);
      return reply
        .type('text/html; charset=utf-8')
        .send(renderViewerStart(localeOf(request), `/v/${request.params.otk}`, sessionSeconds, base));
    },
  );

  // The agent's click: the link is used up here, and its session lives in a cookie for this path only:
  // a session cookie (the vault ends the session itself), so a closed browser does not keep it for
  // the next user of the computer.
  app.post<OtkParams>('/:otk', { config: limited, schema: responses.viewerOpen }, async (request, reply) => {
    const opened = await vault.viewer.open(request.params.otk, browserOf(request));
    if (!opened) return refused(request, reply, base);
    const path = `${base}/v/s/${opened.handle}`;
    return reply
      .code(303)
      .header('set-cookie', setCookieValue({ ...sessionCookie, value: opened.token, path }))
      .header('location', path)
      .send();
  });

  app.get<SessionParams>(
    '/s/:handle',
    { config: limited, exposeHeadRoute: false, schema: { ...handleParams, ...responses.viewerPage } },
    async (request, reply) => {
      const handle = request.params.handle;
      const token = sessionToken(request);
      const page = await vault.viewer.page(token, handle);
      if (!page) return refused(request, reply, base);
      const secondsLeft = Math.max(0, Math.floor((Date.parse(page.expiresAt) - vault.clock()) / 1000));
      const session = `/v/s/${handle}`;
      const paths = { reveal: `${session}/reveal`, status: `${session}/status`, close: `${session}/close` };
      return reply
        .type('text/html; charset=utf-8')
        .send(renderViewerPage(page, localeOf(request), paths, secondsLeft, base));
    },
  );

  app.post<SessionParams & { Body: { fieldId: string; action: 'reveal' | 'copy' } }>(
    '/s/:handle/reveal',
    { config: limited, schema: { ...revealSchema, ...responses.viewerReveal } },
    async (request, reply) => {
      // Only the page's own script may ask: a JSON body cannot come from a cross-site form without
      // a CORS preflight (which the vault never grants), and browsers say where a fetch comes from.
      if (!/^application\/json/i.test(request.headers['content-type'] ?? ''))
        throw new VaultError('bad_request', 'Send the body as application/json.');
      const site = request.headers['sec-fetch-site'];
      if ((site !== undefined && site !== 'same-origin') || !fromOwnPage(request, opts.publicHost))
        throw new VaultError('forbidden', 'Cross-site requests are refused.');
      const outcome = await vault.viewer.reveal(
        sessionToken(request),
        request.params.handle,
        request.body.fieldId,
        request.body.action,
        browserOf(request),
      );
      if (!outcome) return refused(request, reply, base);
      return outcome;
    },
  );

  // Asked by the page every few seconds while a value is on it, so a chat that closes takes it off.
  app.get<SessionParams>(
    '/s/:handle/status',
    { config: limited, exposeHeadRoute: false, schema: { ...handleParams, ...responses.viewerStatus } },
    async (request, reply) => {
      if (!(await vault.viewer.isSessionLive(sessionToken(request), request.params.handle)))
        return refused(request, reply, base);
      return { live: true };
    },
  );

  app.post<SessionParams>(
    '/s/:handle/close',
    { config: limited, schema: { ...handleParams, ...responses.viewerClose } },
    async (request, reply) => {
      await vault.viewer.hide(sessionToken(request), request.params.handle, browserOf(request));
      const path = `${base}/v/s/${request.params.handle}`;
      reply.header('set-cookie', setCookieValue({ ...sessionCookie, value: '', path, maxAgeSeconds: 0 }));
      // Ended now or earlier, the page says the same: nothing is shown any more.
      return notice(request, reply, 'ended', 200, base);
    },
  );
}
