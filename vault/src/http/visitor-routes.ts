import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VisitorRequestView } from '../contract';
import { VaultError } from '../errors';
import type { Vault } from '../open-vault';
import { ASSET_CONTENT_TYPES, readAsset, type AssetName } from '../pages/assets';
import { accentStylesheetFor } from '../pages/brand';
import { MAX_SUBMITTED_VALUES, readFormValues, tooManyValues } from '../pages/form-values';
import { fieldErrorMessage, negotiateLocale } from '../pages/i18n';
import { idvFields } from '../pages/idv-fields';
import { renderNoticePage, renderRequestPage, renderStartPage, type NoticeKind } from '../pages/render';
import type { FieldError } from '../contract/field-rules';
import type { OpenedRequest } from '../service/visitor-flow';
import { pageCookieName, readCookies, setCookieValue } from './cookies';
import { contentTypeSent, jsonBodyRequired } from './errors';
import { hasBody, LARGE_BODY_LIMIT } from './bodies';
import { responses } from './response-schemas';
import { visitorLimits, type VisitorLimits } from './visitor-limits';

type OtkParams = { Params: { otk: string } };

/**
 * The form session (FormSessions): kept by the browser that opened a link, on the link's own path,
 * so a reload (which re-posts the used link) or the link followed again from the chat shows the
 * form again instead of a dead link. It holds the live submit key, bound to the link. Lax, not
 * Strict: the chat is another site (a cross-site POST, or a fetch, gets no Lax cookie). A session
 * cookie: gone with the browser.
 */
const FORM_COOKIE = 'form_session';

/** JSON for API clients (custom front ends), HTML for browsers. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

/** A JSON body: the values are read from it. The answer is JSON for it or for an Accept that asks. */
function sentJson(request: FastifyRequest): boolean {
  return /^application\/json/i.test(request.headers['content-type'] ?? '');
}

/**
 * The values as the page posts them or as JSON. Any other body (text/plain, which Fastify reads as a
 * string, or none) is refused before the link is touched: read as no values, it would submit an
 * all-optional form empty.
 */
function submittedValues(request: FastifyRequest, json: boolean): Record<string, string> {
  if (json) return jsonValues(request.body);
  if (!/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? ''))
    throw new VaultError('bad_request', jsonBodyRequired(request.headers['content-type'], true));
  return readFormValues(request.body);
}

/**
 * A cancel carries nothing: no body, the page's own form post (its `action` alone) or JSON `{}`.
 * Anything else is refused before the link is touched; values sent with it would go nowhere.
 */
function checkCancelBody(request: FastifyRequest): void {
  if (!hasBody(request)) return;
  const refused = (what: string) =>
    new VaultError('bad_request', `A cancel takes no body, the page's form post or {} as JSON (${what}).`);
  const type = request.headers['content-type'];
  if (sentJson(request)) {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0)
      throw refused('this JSON is not {}');
  } else if (/^application\/x-www-form-urlencoded/i.test(type ?? '')) {
    if (Object.keys(readFormValues(request.body)).length > 0) throw refused('this form post carries values');
  } else {
    throw refused(`this request had ${contentTypeSent(type)}`);
  }
}

function localeOf(request: FastifyRequest, requested?: string): string {
  return negotiateLocale(requested, request.headers['accept-language']);
}

/** A dead link: one friendly page (or one JSON error) whatever the reason. */
function deadLink(request: FastifyRequest, reply: FastifyReply, json: boolean, base: string): FastifyReply {
  reply.code(404);
  if (json) return reply.send({ error: { code: 'not_found', message: 'This link is no longer valid.' } });
  return notice(request, reply, 'link_invalid', base);
}

/** `base`: the path the page's URLs start with (VaultConfig.publicPath). */
export function notice(request: FastifyRequest, reply: FastifyReply, kind: NoticeKind, base: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(renderNoticePage(kind, localeOf(request), base));
}

/** The final pages, reached by a redirect from a post (FINAL_NOTICES: the page each shows). */
type FinalKind = 'submitted' | 'cancelled' | 'invalid';
const FINAL_NOTICES: Record<FinalKind, NoticeKind> = {
  submitted: 'submitted',
  cancelled: 'cancelled',
  invalid: 'link_invalid',
};

/**
 * The redirect to a final page: its URL holds only the outcome and the request's language. A post
 * answered with a page of its own stays a POST in the browser's history: Back then offers to resend
 * it, and Chrome keeps its body (the values typed) in the profile's session files.
 */
function finished(reply: FastifyReply, kind: FinalKind, locale: string, base: string): FastifyReply {
  return reply.redirect(`${base}/done/${kind}?lang=${encodeURIComponent(locale)}`, 303);
}

/** A dead link met by a post: JSON as ever; a browser is sent on to the dead-link page (finished). */
function deadLinkAfterPost(request: FastifyRequest, reply: FastifyReply, json: boolean, base: string): FastifyReply {
  return json ? deadLink(request, reply, true, base) : finished(reply, 'invalid', localeOf(request), base);
}

/** The view in the language the page speaks: its ID&V labels ("Character 2") follow it. */
function inLocale(view: VisitorRequestView, locale: string): VisitorRequestView {
  return { ...view, locale, fields: view.kind === 'idv' && view.idv ? idvFields(view.idv, locale) : view.fields };
}

function translatedErrors(
  locale: string,
  view: VisitorRequestView,
  errors: Record<string, FieldError>,
): Record<string, string> {
  const labels = new Map(view.fields.map((field) => [field.id, field]));
  return Object.fromEntries(
    Object.entries(errors).map(([id, error]) => [
      id,
      fieldErrorMessage(locale, labels.get(id) ?? { label: id }, error),
    ]),
  );
}

/** The visitor's side: the page behind the link, its submit and cancel, and its static files. */
export async function visitorRoutes(
  app: FastifyInstance,
  opts: { vault: Vault; limits: VisitorLimits },
): Promise<void> {
  const { vault, limits } = opts;
  // Counted per client IP, and per link on the routes that take one (see VisitorLimits).
  const limited = { config: { visitorPage: true }, onRequest: visitorLimits(app, limits) };
  const absolute = (pathname: string) => `${vault.config.publicUrl}${pathname}`;
  const base = vault.config.publicPath;
  const secure = vault.config.publicHttps;
  const formCookie = pageCookieName(FORM_COOKIE, secure);

  // A GET (or HEAD) only looks: previewers and scanners fetch links, and must not use them up.
  app.get<OtkParams>('/f/:otk', { ...limited, schema: responses.visitorStart }, async (request, reply) => {
    // JSON clients are not link scanners: their GET opens the request, as documented in VAULT-API.
    // A HEAD (Fastify runs this handler for it) has no body to return the submit key in: it only looks.
    if (request.method === 'GET' && wantsJson(request)) return openRequest(request, reply, true);
    const resumable = sessionAt(request);
    if (resumable !== undefined) return showOpened(request, reply, await vault.visitors.resume(resumable), false);
    const preview = await vault.visitors.preview(request.params.otk);
    if (!preview) return deadLink(request, reply, false, base);
    return reply.type('text/html; charset=utf-8').send(
      renderStartPage({
        ...preview,
        locale: localeOf(request, preview.locale),
        action: `/f/${request.params.otk}`,
        base,
      }),
    );
  });

  // The visitor's own step: opens the request (single use, counted from here).
  app.post<OtkParams>('/f/:otk', { ...limited, schema: responses.visitorOpen }, async (request, reply) =>
    openRequest(request, reply, wantsJson(request)),
  );

  async function openRequest(request: FastifyRequest<OtkParams>, reply: FastifyReply, json: boolean) {
    // This browser opened the link already: the same form again (opening would only be refused). A
    // JSON client is given no session, and a used link stays a 404 for it, as VAULT-API says.
    const resumable = json ? undefined : sessionAt(request);
    if (resumable !== undefined) return showOpened(request, reply, await vault.visitors.resume(resumable), json);
    const opened = await vault.visitors.open(request.params.otk);
    if (opened && !json) {
      const path = `${base}/f/${request.params.otk}`;
      reply.header(
        'set-cookie',
        setCookieValue({ name: formCookie, value: opened.formSession, path, sameSite: 'Lax', secure }),
      );
    }
    return showOpened(request, reply, opened, json);
  }

  /** The submit key of a form session this browser holds for this link, if it holds one. */
  function sessionAt(request: FastifyRequest<OtkParams>): string | undefined {
    const sessions = readCookies(request, formCookie);
    return sessions.length === 0 ? undefined : vault.visitors.sessions.submitKeyAt(request.params.otk, sessions);
  }

  function showOpened(request: FastifyRequest, reply: FastifyReply, opened: OpenedRequest | undefined, json: boolean) {
    if (!opened) return deadLink(request, reply, json, base);
    if (json)
      return {
        ...inLocale(opened.view, localeOf(request, opened.view.locale)),
        submitUrl: absolute(opened.submitPath),
        cancelUrl: absolute(opened.cancelPath),
      };
    return reply.type('text/html; charset=utf-8').send(
      renderRequestPage({
        view: opened.view,
        locale: localeOf(request, opened.view.locale),
        idvPaste: opened.idvPaste,
        brand: opened.brand,
        base,
      }),
    );
  }

  // Post/redirect/get: the last page is a plain GET, so reloading it re-posts nothing.
  app.get<{ Params: { kind: string }; Querystring: { lang?: unknown } }>(
    '/done/:kind',
    { ...limited, schema: responses.visitorDone },
    async (request, reply) => {
      const kind = request.params.kind;
      if (!Object.prototype.hasOwnProperty.call(FINAL_NOTICES, kind))
        throw new VaultError('not_found', 'No such page.');
      const lang = typeof request.query.lang === 'string' ? request.query.lang : undefined;
      if (kind === 'invalid') reply.code(404);
      const page = renderNoticePage(FINAL_NOTICES[kind as FinalKind], localeOf(request, lang), base);
      return reply.type('text/html; charset=utf-8').send(page);
    },
  );

  app.post<OtkParams>(
    '/f/:otk/submit',
    {
      // A whole form's answers (LARGE_BODY_LIMIT), from anyone: counted before the body is read.
      bodyLimit: LARGE_BODY_LIMIT,
      ...limited,
      schema: responses.visitorSubmit,
    },
    async (request, reply) => {
      const json = sentJson(request) || wantsJson(request);
      const values = submittedValues(request, sentJson(request));
      const outcome = await vault.visitors.submit(request.params.otk, values);
      if (!outcome) return deadLinkAfterPost(request, reply, json, base);
      if (outcome.status === 'submitted')
        return json ? { status: 'submitted' } : finished(reply, 'submitted', outcome.locale, base);
      const locale = localeOf(request, outcome.view.locale);
      reply.code(422);
      if (json) {
        return {
          error: {
            code: 'invalid_fields',
            message: 'Some fields need correcting.',
            fields: translatedErrors(locale, inLocale(outcome.view, locale), outcome.errors),
          },
        };
      }
      return reply.type('text/html; charset=utf-8').send(
        renderRequestPage({
          view: outcome.view,
          locale,
          values,
          errors: outcome.errors,
          idvPaste: outcome.idvPaste,
          brand: outcome.brand,
          base,
        }),
      );
    },
  );

  app.post<OtkParams>('/f/:otk/cancel', { ...limited, schema: responses.visitorCancel }, async (request, reply) => {
    const json = sentJson(request) || wantsJson(request);
    checkCancelBody(request);
    const cancelled = await vault.visitors.cancel(request.params.otk);
    if (!cancelled) return deadLinkAfterPost(request, reply, json, base);
    return json ? { status: 'cancelled' } : finished(reply, 'cancelled', cancelled.locale, base);
  });

  // A site's logo (by content hash) and an accent colour's stylesheet: the pages' only per-site files,
  // served by the vault itself, so the CSP stays 'self'.
  app.get<{ Params: { name: string } }>('/brand/:name', { schema: responses.brandFile }, async (request, reply) => {
    const logo = /^logo-([0-9a-f]{64})\.png$/.exec(request.params.name);
    if (logo) {
      const bytes = await vault.sites.logo(logo[1]);
      if (!bytes) throw new VaultError('not_found', 'No such logo.');
      return reply.type('image/png').send(bytes);
    }
    const accent = /^accent-([0-9a-f]{6})\.css$/.exec(request.params.name);
    const stylesheet = accent ? accentStylesheetFor(`#${accent[1]}`) : undefined;
    if (!stylesheet) throw new VaultError('not_found', 'No such file.');
    return reply.type('text/css; charset=utf-8').send(stylesheet);
  });

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: responses.asset }, async (request, reply) => {
    const name = request.params.name as AssetName;
    if (!Object.prototype.hasOwnProperty.call(ASSET_CONTENT_TYPES, name))
      throw new VaultError('not_found', 'No such asset.');
    return reply.type(ASSET_CONTENT_TYPES[name]).send(readAsset(name));
  });
}

/** `{"values": {...}}` with string values only; anything else is a 400 that keeps the link alive. */
function jsonValues(body: unknown): Record<string, string> {
  const values = (body as { values?: unknown } | null)?.values;
  // Anything beside "values" is refused, as the API refuses unknown properties: read as nothing, a
  // misnamed entry would go unnoticed.
  if (
    typeof values !== 'object' ||
    values === null ||
    Array.isArray(values) ||
    Object.keys(body as object).length > 1
  ) {
    throw new VaultError('bad_request', 'The body must be {"values": {"<fieldId>": "<text>"}}, and nothing else.');
  }
  const entries = Object.entries(values);
  if (entries.length > MAX_SUBMITTED_VALUES) throw tooManyValues();
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new VaultError('bad_request', 'Every value must be text.');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
